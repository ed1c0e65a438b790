// The database tier: one database per process, cloned from a template that
// is built once per schema hash and shared by every later run.
#include <pqxx/result>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "harness/common/log.hpp"
#include "harness/schema/schema_apply.hpp"
#include "harness/schema/suite_schema.hpp"
#include "testdb/errors.hpp"
#include "testdb/query.hpp"
#include "testdb/safety.hpp"
#include "testdb/schema.hpp"
#include "testdb/test_db.hpp"

namespace testdb {
namespace {

// The same settings pointed at another database: the URI's path replaced.
Config with_database(const Config& base, const std::string& database) {
    const std::string& url = base.libpq_url;
    const size_t authority = url.find("://") + 3;
    const size_t query = url.find('?', authority);
    size_t path = url.find('/', authority);
    if (path == std::string::npos || (query != std::string::npos && path > query)) {
        path = query == std::string::npos ? url.size() : query;
    }
    const size_t path_end = query == std::string::npos ? url.size() : query;
    Config moved = Config::parse(url.substr(0, path) + "/" + database + url.substr(path_end),
                                 base.source);
    moved.connection_limit = base.connection_limit;
    moved.pool_timeout = base.pool_timeout;
    moved.connect_timeout = base.connect_timeout;
    moved.application_name = base.application_name;
    moved.source_file = base.source_file;
    return moved;
}

std::string quoted(pqxx::connection& conn, const std::string& name) {
    return conn.quote_name(name);
}

// Drops testdb_run_<token> databases whose token no live backend carries.
void sweep_stale_clones(pqxx::connection& admin) {
    pqxx::nontransaction tx(admin, "testdb: sweep clones");
    const pqxx::result stale = tx.exec(
        "SELECT datname FROM pg_database d WHERE datname ~ '^testdb_run_[a-z0-9]+$'"
        " AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name LIKE"
        " '%-' || substring(d.datname FROM 12))");
    for (const auto& row : stale) {
        const std::string name = row[0].c_str();
        try {
            tx.exec("DROP DATABASE IF EXISTS " + quoted(admin, name) + " WITH (FORCE)");
            detail::log().warn("dropped {}, the database of a crashed run", name);
        } catch (const pqxx::sql_error& e) {
            detail::log().warn("could not drop stale database {}: {}", name, e.what());
        }
    }
}

// Builds the template under an advisory lock unless a complete one exists.
void ensure_template(pqxx::connection& admin, const Config& config,
                     const std::string& template_name, const detail::MigrationSet& set) {
    pqxx::nontransaction tx(admin, "testdb: template");
    // Session lock: CREATE DATABASE cannot run inside a transaction block.
    testdb::query(tx, "SELECT pg_advisory_lock(hashtext($1))", template_name);
    struct Unlock {
        pqxx::nontransaction& tx;
        const std::string& name;
        ~Unlock() {
            try {
                testdb::query(tx, "SELECT pg_advisory_unlock(hashtext($1))", name);
            } catch (...) {  // NOLINT(bugprone-empty-catch): the session ends soon anyway
            }
        }
    } unlock{tx, template_name};
    const pqxx::result found = testdb::query(tx,
        "SELECT datistemplate FROM pg_database WHERE datname = $1", template_name);
    if (!found.empty() && found[0][0].as<bool>()) {
        return;  // built by an earlier run (or a concurrent process)
    }
    // A half-built template (a crash between CREATE and IS_TEMPLATE) is redone.
    tx.exec("DROP DATABASE IF EXISTS " + quoted(admin, template_name));
    tx.exec("CREATE DATABASE " + quoted(admin, template_name));
    try {
        const Config target = with_database(config, template_name);
        pqxx::connection conn(target.connectionString("tpl"));
        detail::apply_migrations(conn, set, target);
    } catch (...) {
        tx.exec("DROP DATABASE IF EXISTS " + quoted(admin, template_name));
        throw;
    }
    // Marked a template only once every migration committed: a crash or a
    // failed non-transactional migration leaves it unmarked, and the next
    // run rebuilds it.
    tx.exec("COMMENT ON DATABASE " + quoted(admin, template_name) + " IS " +
            tx.quote("testdb template: " + set.source.string() + " sha256 " + set.hash));
    tx.exec("ALTER DATABASE " + quoted(admin, template_name) + " WITH IS_TEMPLATE true");
    detail::log().info("built template database {} from {}", template_name, set.source.string());
}

}  // namespace

void TestDb::useClonedDatabase(const std::filesystem::path& schema_file) {
    if (!cloned_database_.empty()) {
        return;
    }
    throw IsolationError(
        "IsolationError: useClonedDatabase(" + schema_file.string() + ") came after getTestDb() "
        "had built its pool against " + config_.dbname + "; the pool is never replaced.\n"
        "Fix: choose the database tier before the run starts (TESTDB_ISOLATION=database, "
        "ISOLATION database on the suite, or registerSuite() before the first getTestDb()).");
}

void TestDb::cloneDatabase(const SuiteSettings& suite) {
    requireSafeToDelete(config_, "create and drop per-run databases");
    const detail::MigrationSet set = detail::suite_migrations(suite);
    // 40 of the hash's 64 hex digits: a database name holds at most 63 bytes.
    const std::string template_name = "testdb_tpl_" + set.hash.substr(0, 40);
    const std::string clone = "testdb_run_" + run_token_;
    try {
        // One connection beside the (still empty) pool, closed before the
        // pool opens any: the process never exceeds connection_limit.
        pqxx::connection admin(config_.connectionString(run_token_));
        sweep_stale_clones(admin);
        ensure_template(admin, config_, template_name, set);
        pqxx::nontransaction tx(admin, "testdb: clone");
        tx.exec("DROP DATABASE IF EXISTS " + quoted(admin, clone) + " WITH (FORCE)");
        tx.exec("CREATE DATABASE " + quoted(admin, clone) + " TEMPLATE " +
                quoted(admin, template_name) + " STRATEGY FILE_COPY");
    } catch (const pqxx::sql_error& e) {
        throw IsolationError("IsolationError: could not clone " + template_name + " into " +
                             clone + " on " + config_.endpoint() + ": " + e.what() +
                             "Fix: the configured user needs CREATEDB (or use the embedded "
                             "server, whose user has it), or choose another isolation tier.");
    }
    admin_config_ = config_;
    cloned_database_ = clone;
    config_ = with_database(config_, clone);
    detail::log().info("run {} works in database {} (cloned from {})", run_token_, clone, template_name);
}

void TestDb::dropClonedDatabase() noexcept {
    try {
        pqxx::connection admin(admin_config_->connectionString(run_token_));
        pqxx::nontransaction tx(admin, "testdb: drop clone");
        tx.exec("DROP DATABASE IF EXISTS " + admin.quote_name(cloned_database_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
        detail::log().warn("could not drop {} (the next run drops it): {}", cloned_database_, e.what());
    }
}

}  // namespace testdb
