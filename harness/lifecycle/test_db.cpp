#include "testdb/test_db.hpp"

#include "harness/common/log.hpp"
#include "harness/lifecycle/tier_choice.hpp"
#include "harness/schema/suite_schema.hpp"
#include "testdb/errors.hpp"
#include "testdb/lifecycle.hpp"
#include "testdb/run_token.hpp"

namespace testdb {
namespace {

// The embedded server's URL, carrying over the pool settings chosen through
// TESTDB_* variables (the URL of the embedded server has none of its own).
Config embedded_config(const Config& chosen, const EmbeddedServer& server) {
    Config config = Config::parse(server.url(), ConfigSource::Embedded);
    config.connection_limit = chosen.connection_limit;
    config.pool_timeout = chosen.pool_timeout;
    config.connect_timeout = chosen.connect_timeout;
    config.application_name = chosen.application_name;
    return config;
}

}  // namespace

TestDb::TestDb() : config_(loadConfig()), run_token_(testdb::runToken()) {
    if (config_.source == ConfigSource::Embedded) {
        // Servers of runs that crashed (SIGKILL, abort) are still running:
        // stop them before adding another.
        for (const auto& orphan : EmbeddedServer::sweepOrphans(EmbeddedServerOptions{}.base_dir)) {
            detail::log().warn("stopped and removed {}, the embedded server of a crashed run",
                               orphan.string());
        }
        server_.emplace(EmbeddedServer::start());
        config_ = embedded_config(config_, *server_);
        const auto timings = server_->timings();
        detail::log().info("started embedded PostgreSQL in {} ms ({}) at {}",
                           timings.total.count(), timings.used_cache ? "cached" : "cold",
                           server_->directory().string());
    }
    if (config_.max_processes != 0 && !server_) {
        // A server of its own needs no budget; a shared one does, and the
        // slot comes before any pooled connection, so waiting costs nothing.
        slot_ = ProcessSlot::claim(config_, run_token_);
    }
    const Isolation tier = detail::runTierClaimed() ? suiteIsolation() : Isolation::Tenant;
    const SuiteSettings suite = suiteSettings();
    if (tier == Isolation::Touched && detail::has_schema(suite)) {
        // The touched tier restores whole tables: in a clone of its own, other
        // processes' tests are out of its reach and it out of theirs.
        cloneDatabase(suite);
    } else if (tier == Isolation::Database) {
        if (!detail::has_schema(suite)) {
            throw ConfigError("ConfigError: the database isolation tier clones a template built "
                              "from the suite's schema, but suite " + suite.name + " has none.\n"
                              "Fix: give testdb_add_integration_suite a SCHEMA file (or set "
                              "TESTDB_SCHEMA, or TESTDB_MIGRATE_COMMAND).");
        }
        cloneDatabase(suite);  // before the pool: it is built against the clone
    }
    pool_ = std::make_unique<Pool>(config_, run_token_);
    detail::log().info("run {}: {}", run_token_, config_.toString());
}

TestDb::~TestDb() {
    // A safety net only: the global teardown calls shutdown() explicitly,
    // because static destruction order must not decide when connections close.
    try {
        shutdown();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

ShutdownReport TestDb::shutdown(SourceLocation where) {
    if (shutdown_report_) {
        ShutdownReport again = *shutdown_report_;
        again.already_shut_down = true;
        return again;
    }
    ShutdownReport report = pool_->shutdown(where);
    if (!cloned_database_.empty() && !keep_server_) {
        dropClonedDatabase();
    }
    if (slot_) {
        slot_->release();  // after the pool and the clone: the next process may start
    }
    if (server_ && keep_server_) {
        server_->detach();
    } else if (server_) {
        server_->stop();
    }
    shutdown_report_ = report;
    return report;
}

TestDb& getTestDb() {
    static TestDb instance;
    return instance;
}

}  // namespace testdb
