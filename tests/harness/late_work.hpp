// Work a test's thread does after its test ended, at a known moment: the
// bad suites (Catch2 and GoogleTest) start it in a test, and their own
// listener releases it once testdb's end-of-test checks for that test ran.
#pragma once

#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>

namespace selftest::late_work {

inline std::promise<void> g_test_ended;
inline std::promise<std::string> g_result;
inline std::string g_test;  // the test whose end releases the thread

/// Starts a thread that waits until test `test_name` has ended, then runs
/// `work` and keeps what it threw.
inline void start(const std::string& test_name, std::function<void()> work) {
    g_test = test_name;
    std::thread([work = std::move(work)] {
        g_test_ended.get_future().wait();
        try {
            work();
            g_result.set_value("no error");
        } catch (const std::exception& e) {
            g_result.set_value(e.what());
        }
    }).detach();
}

/// A test ended: when it is the one, releases the thread and prints
/// "late work: <what it threw>" to stderr.
inline void testEnded(const std::string& test_name) {
    if (!g_test.empty() && test_name == g_test) {
        g_test_ended.set_value();
        std::cerr << "late work: " << g_result.get_future().get() << std::endl;
    }
}

}  // namespace selftest::late_work
