// Private to the lifecycle: collects per-test and per-file figures during a
// run and turns them into the RunReport at the end. Knows nothing of Catch2.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "testdb/report.hpp"

namespace testdb::detail {

class RunRecorder {
public:
    void start();
    void testEnded(const std::string& name, const std::string& file, const std::string& slug,
                   bool passed, double seconds);
    void addLeak(std::string message);
    // A failed test case; the first kMaxFailures are kept with their messages.
    void testFailed(FailureRecord failure);
    static constexpr std::size_t kMaxFailures = 1000;
    void setStaleSwept(std::vector<std::string> slugs);
    // Completes the report with the pool's figures and the run's leftovers.
    RunReport& finish(const PoolStats& pool, int connection_limit, std::string application_name,
                      std::vector<LeftoverRecord> leftovers);
    // The run's settings and the pool's lease timeline (when recorded).
    void setFacts(RunFacts facts, LeaseTimeline timeline);
    const RunReport& report() const { return report_; }

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point started_;
    std::vector<TestRecord> tests_;
    RunReport report_;
};

RunRecorder& recorder();

}  // namespace testdb::detail
