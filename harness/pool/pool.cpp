#include "testdb/pool.hpp"

#include "harness/pool/pool_core.hpp"
#include "testdb/errors.hpp"

namespace testdb {

namespace {
Config validated(Config config) {
    if (config.libpq_url.empty()) {
        throw ConfigError("ConfigError: the pool needs a server URL, but the Config has none "
                          "(source: embedded, not yet started).\n"
                          "Fix: use getTestDb(), which starts the embedded server first, or "
                          "build the Config with Config::parse(url).");
    }
    return config;
}
}  // namespace

Pool::Pool(Config config, std::string run_token)
    : core_(std::make_shared<detail::PoolCore>(validated(std::move(config)), std::move(run_token))) {}

Pool::~Pool() { core_->shutdown(SourceLocation::current()); }

Lease Pool::acquire(std::string label, SourceLocation where) {
    return core_->acquire(std::move(label), where);
}

Lease Pool::pin(std::string label, SourceLocation where) {
    return core_->pin(std::move(label), where);
}

void Pool::unpin() { core_->unpin(); }

PoolStats Pool::stats() const { return core_->stats(); }
std::vector<LeaseInfo> Pool::holders() const { return core_->holders(); }
LeaseTimeline Pool::leaseTimeline() const { return core_->timeline(); }
const Config& Pool::config() const { return core_->config(); }
const std::string& Pool::runToken() const { return core_->run_token(); }
std::string Pool::applicationName() const { return core_->application_name(); }

void Pool::setLabelProvider(std::function<std::string()> provider) {
    core_->set_label_provider(std::move(provider));
}

void Pool::setAcquireCheck(std::function<void(const std::string&, SourceLocation)> check) {
    core_->set_acquire_check(std::move(check));
}

ShutdownReport Pool::shutdown(SourceLocation where) { return core_->shutdown(where); }
SourceLocation Pool::shutDownAt() const { return core_->shut_down_at(); }
bool Pool::isShutDown() const { return core_->is_shut_down(); }

}  // namespace testdb
