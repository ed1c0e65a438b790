/// @file activity_sampler.hpp
/// @brief Samples how many server-side connections a test run holds, from
/// pg_stat_activity, on one extra connection of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pqxx/connection>

#include "testdb/config.hpp"

namespace testdb::cli {

/// What the sampler saw.
struct ActivitySample {
    int peak = 0;               ///< most backends of the run seen at once
    std::uint64_t samples = 0;  ///< successful samples taken
    std::uint64_t errors = 0;   ///< samples that failed (server gone, ...)
    std::string last_error;     ///< the last failure, password redacted
    /// The server's other client connections when the run ended, by
    /// application_name ("psql x2, billing x1"): who else holds its slots
    /// (best effort; empty when none or unknown).
    std::string other_clients;
    /// (wall clock ms since 1970, backends) per sample, for the HTML
    /// report's chart; at most kMaxSeries points (thinned, never grown past).
    std::vector<std::pair<std::int64_t, int>> series;
    /// Points kept in `series`.
    static constexpr std::size_t kMaxSeries = 20000;
};

/// A background thread counting, every `interval`, the backends whose
/// application_name starts with `<application_name>-<run_token>` (exactly
/// what testdb's pool names its connections), excluding its own.
class ActivitySampler {
public:
    /// @param config     the server to watch (its application_name prefix is used)
    /// @param run_token  the run token of the process to watch
    /// @param interval   time between samples
    ActivitySampler(Config config, const std::string& run_token,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(50));
    /// Stops the thread if it still runs.
    ~ActivitySampler();
    ActivitySampler(const ActivitySampler&) = delete;
    ActivitySampler& operator=(const ActivitySampler&) = delete;

    /// Opens the sampler's connection (throws ServerUnavailable naming the
    /// endpoint) and starts sampling in the background.
    void start();
    /// Takes one last sample, stops the thread and closes the connection.
    /// Idempotent.
    void stop();
    /// What was seen so far.
    ActivitySample result() const;
    /// The LIKE pattern matched against application_name (escaped).
    const std::string& pattern() const { return pattern_; }

private:
    void loop();
    void sample_once();
    void note_other_clients();

    Config config_;
    std::string pattern_;
    std::chrono::milliseconds interval_;
    std::unique_ptr<pqxx::connection> connection_;
    std::chrono::steady_clock::time_point next_reconnect_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    ActivitySample result_;
    std::thread thread_;
};

}  // namespace testdb::cli
