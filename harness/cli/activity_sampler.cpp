#include "activity_sampler.hpp"

#include <algorithm>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "testdb/query.hpp"

#include "support.hpp"

namespace testdb::cli {
namespace {

// `text` as a LIKE pattern that matches it literally (escape character '\').
std::string like_literal(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == '%' || c == '_') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

// The tag in the sampler's own application_name (its backend is excluded
// by pid anyway).
constexpr const char* kSamplerTag = "clisampler";

}  // namespace

ActivitySampler::ActivitySampler(Config config, const std::string& run_token,
                                 std::chrono::milliseconds interval)
    : config_(std::move(config)),
      pattern_(like_literal(config_.application_name + "-" + run_token) + "%"),
      interval_(interval) {}

ActivitySampler::~ActivitySampler() {
    stop();
}

void ActivitySampler::start() {
    connection_ = open_connection(config_, kSamplerTag);
    sample_once();
    thread_ = std::thread([this] { loop(); });
}

void ActivitySampler::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ && !thread_.joinable()) {
            return;
        }
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
        sample_once();  // the backends still around when the suite ended
        note_other_clients();
    }
    connection_.reset();
}

ActivitySample ActivitySampler::result() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return result_;
}

void ActivitySampler::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
        if (stopping_) {
            break;
        }
        lock.unlock();
        sample_once();
        lock.lock();
    }
}

void ActivitySampler::sample_once() {
    try {
        if (!connection_) {
            const auto now = std::chrono::steady_clock::now();
            if (now < next_reconnect_) {
                return;
            }
            next_reconnect_ = now + std::chrono::seconds(1);
            connection_ = open_connection(config_, kSamplerTag);
        }
        pqxx::nontransaction tx(*connection_);
        const int count =
            testdb::queryRow(tx, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE " +
                     tx.quote(pattern_) + " ESCAPE '\\' AND pid <> pg_backend_pid()")[0]
                .as<int>();
        std::lock_guard<std::mutex> lock(mutex_);
        result_.peak = std::max(result_.peak, count);
        auto& series = result_.series;
        if (series.size() >= ActivitySample::kMaxSeries) {
            // A long run: keep every other point (peaks stay in `peak`).
            std::size_t kept = 0;
            for (std::size_t i = 0; i < series.size(); i += 2) {
                series[kept++] = series[i];
            }
            series.resize(kept);
        }
        series.emplace_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count(),
                            count);
        ++result_.samples;
    } catch (const std::exception& e) {
        connection_.reset();  // reconnect at most once a second
        std::lock_guard<std::mutex> lock(mutex_);
        ++result_.errors;
        result_.last_error = redact(e.what(), config_);
    }
}

void ActivitySampler::note_other_clients() {
    if (!connection_) return;
    try {
        pqxx::nontransaction tx(*connection_);
        const pqxx::row r = testdb::queryRow(tx, 
            "SELECT coalesce(string_agg(name || ' x' || n, ', ' ORDER BY n DESC, name), '')"
            " FROM (SELECT coalesce(nullif(application_name, ''), '(no application_name)') AS name,"
            " count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND application_name NOT LIKE " +
            tx.quote(pattern_) + " ESCAPE '\\' GROUP BY 1) AS others");
        std::lock_guard<std::mutex> lock(mutex_);
        result_.other_clients = r[0].as<std::string>();
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort by contract
    }
}

}  // namespace testdb::cli
