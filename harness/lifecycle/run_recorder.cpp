#include "harness/lifecycle/run_recorder.hpp"

#include <algorithm>

#include "testdb/run_token.hpp"

namespace testdb::detail {

void RunRecorder::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = std::chrono::steady_clock::now();
    report_.run_token = runToken();
}

void RunRecorder::testEnded(const std::string& name, const std::string& file,
                            const std::string& slug, bool passed, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    tests_.push_back({name, file, passed, seconds});
    auto found = std::find_if(report_.files.begin(), report_.files.end(),
                              [&](const FileRecord& f) { return f.file == file; });
    if (found == report_.files.end()) {
        report_.files.push_back({file, slug, 0, 0, 0.0});
        found = std::prev(report_.files.end());
    }
    found->tests += 1;
    found->failed += passed ? 0 : 1;
    found->seconds += seconds;
}

void RunRecorder::addLeak(std::string message) {
    std::lock_guard<std::mutex> lock(mutex_);
    report_.leaks.push_back(std::move(message));
}

void RunRecorder::testFailed(FailureRecord failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (report_.failures.size() < kMaxFailures) {
        report_.failures.push_back(std::move(failure));
    }
}

void RunRecorder::setFacts(RunFacts facts, LeaseTimeline timeline) {
    std::lock_guard<std::mutex> lock(mutex_);
    report_.facts = std::move(facts);
    if (report_.facts.server_version == 0) {
        report_.facts.server_version = timeline.server_version;
    }
    if (timeline.enabled) {
        report_.timeline = std::move(timeline);
    }
}

void RunRecorder::setStaleSwept(std::vector<std::string> slugs) {
    std::lock_guard<std::mutex> lock(mutex_);
    report_.stale_swept = std::move(slugs);
}

RunReport& RunRecorder::finish(const PoolStats& pool, int connection_limit,
                               std::string application_name,
                               std::vector<LeftoverRecord> leftovers) {
    std::lock_guard<std::mutex> lock(mutex_);
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    report_.pool = pool;
    report_.connection_limit = connection_limit;
    report_.application_name = std::move(application_name);
    report_.leftovers = std::move(leftovers);
    report_.tests_total = static_cast<int>(tests_.size());
    report_.tests_failed = static_cast<int>(
        std::count_if(tests_.begin(), tests_.end(), [](const TestRecord& t) { return !t.passed; }));
    std::vector<TestRecord> by_time = tests_;
    std::sort(by_time.begin(), by_time.end(),
              [](const TestRecord& a, const TestRecord& b) { return a.seconds > b.seconds; });
    by_time.resize(std::min<std::size_t>(by_time.size(), 5));
    report_.slowest = std::move(by_time);
    return report_;
}

RunRecorder& recorder() {
    static RunRecorder instance;
    return instance;
}

}  // namespace testdb::detail
