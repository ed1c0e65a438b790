#include "harness/lifecycle/test_phase.hpp"

#include <mutex>
#include <thread>

#include "testdb/errors.hpp"

namespace testdb::detail {
namespace {

struct Phase {
    std::mutex mutex;
    std::string last_test;  // the running one, or the one that ended last
    bool running = false;
    bool ended = false;  // a test case ended and no other started since
    std::thread::id adapter_thread;
    std::vector<std::string> failures;
};

Phase& phase() {
    static Phase instance;
    return instance;
}

}  // namespace

void testCaseStarted(const std::string& name) {
    Phase& p = phase();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.last_test = name;
    p.running = true;
    p.ended = false;
    p.adapter_thread = std::this_thread::get_id();
}

void testCaseEnded() {
    Phase& p = phase();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.running = false;
    p.ended = true;
    p.adapter_thread = std::this_thread::get_id();
}

std::string runningTest() {
    Phase& p = phase();
    std::lock_guard<std::mutex> lock(p.mutex);
    return p.running ? p.last_test : std::string();
}

void requireRunningTest(const std::string& what, SourceLocation where) {
    Phase& p = phase();
    std::unique_lock<std::mutex> lock(p.mutex);
    if (!p.ended || std::this_thread::get_id() == p.adapter_thread) {
        return;
    }
    const std::string message =
        "IsolationError: " + what + " at " + where.toString() + " after test \"" +
        p.last_test + "\" ended: the work of that test outlived it (a thread it started, or a "
        "lease or tenant used after its end-of-test checks), so no check would see its rows "
        "or leases.\nFix: join every thread a test starts before the test ends, and finish "
        "its database work inside the test case.";
    p.failures.push_back(message);
    lock.unlock();
    throw IsolationError(message);
}

void addRunFailure(std::string message) {
    Phase& p = phase();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.failures.push_back(std::move(message));
}

std::vector<std::string> runFailures() {
    Phase& p = phase();
    std::lock_guard<std::mutex> lock(p.mutex);
    return p.failures;
}

}  // namespace testdb::detail
