#include "harness/server/signal_cleanup.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "harness/common/log.hpp"

namespace testdb::detail {
namespace {

// SIGINT and SIGTERM as documented; also SIGHUP (the terminal went away) and
// SIGPIPE (`suite | head` exiting early), which otherwise end a run without
// any cleanup just as surely.
constexpr std::array<int, 4> kSignals{SIGINT, SIGTERM, SIGHUP, SIGPIPE};

// The write end of the self-pipe. A signal handler may only make
// async-signal-safe calls: it writes one byte and returns; the real work
// (waiting for postgres, deleting files) happens on the watcher thread.
std::atomic<int> g_write_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free int");

extern "C" void on_signal(int sig) {
    const int saved_errno = errno;
    const int fd = g_write_fd.load();
    if (fd >= 0) {
        const auto byte = static_cast<unsigned char>(sig);
        [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
    }
    errno = saved_errno;
}

bool is_ours(const struct sigaction& action) {
    return (action.sa_flags & SA_SIGINFO) == 0 && action.sa_handler == &on_signal;
}

// A forked child has no watcher thread (threads do not survive fork), so our
// handler there would swallow the signal: give the child the default back.
// It installs its own pipe and thread if it starts a server itself.
extern "C" void reset_in_forked_child() {
    g_write_fd.store(-1);
    for (int sig : kSignals) {
        struct sigaction current {};
        if (::sigaction(sig, nullptr, &current) == 0 && is_ours(current)) {
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigaction(sig, &dfl, nullptr);
        }
    }
}

struct Registry {
    std::mutex mutex;
    std::map<std::uint64_t, std::function<void()>> cleanups;
    std::uint64_t next_id = 1;
    pid_t owner_pid = 0;  ///< process whose watcher thread reads the pipe
};

// Never destroyed: the watcher thread may still use it during static
// destruction at exit.
Registry& registry() {
    static Registry* instance = new Registry;
    return *instance;
}

void run_cleanups_and_reraise(int sig) {
    Registry& reg = registry();
    {
        const std::lock_guard<std::mutex> lock(reg.mutex);
        log().warn("signal {} received: stopping {} embedded PostgreSQL server(s) before exiting",
                   sig, reg.cleanups.size());
        for (auto& [id, cleanup] : reg.cleanups) {
            try {
                cleanup();
            } catch (const std::exception& e) {
                log().error("cleanup after signal {} failed: {}", sig, e.what());
            } catch (...) {
                log().error("cleanup after signal {} failed", sig);
            }
        }
        reg.cleanups.clear();
    }
    // Default action, so the process ends the way the signal meant it to
    // and the parent (shell, ctest, CI) sees "killed by SIGTERM".
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(sig, &dfl, nullptr);
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::kill(::getpid(), sig);
}

void watch(int read_fd) {
    for (;;) {
        unsigned char byte = 0;
        const ssize_t n = ::read(read_fd, &byte, 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        run_cleanups_and_reraise(byte);
    }
}

// Creates the pipe and the watcher thread for this process (again after a
// fork), then makes sure our handler is the current one. Caller holds the lock.
void ensure_installed(Registry& reg) {
    static std::once_flag atfork_once;
    std::call_once(atfork_once, [] { ::pthread_atfork(nullptr, nullptr, &reset_in_forked_child); });

    if (reg.owner_pid != ::getpid()) {
        // First use, or a forked child: the inherited entries belong to the
        // parent's servers, which this process must not stop.
        reg.cleanups.clear();
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
            log().warn("cannot create the signal pipe ({}); the embedded server will not be "
                       "stopped on SIGINT/SIGTERM", std::strerror(errno));
            return;
        }
        // Non-blocking writes: a flood of signals must never block a handler.
        ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
        std::thread(watch, fds[0]).detach();
        g_write_fd.store(fds[1]);
        reg.owner_pid = ::getpid();
    }
    for (int sig : kSignals) {
        struct sigaction current {};
        ::sigaction(sig, nullptr, &current);
        if (is_ours(current)) {
            continue;
        }
        if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_IGN) {
            continue;  // ignored on purpose (e.g. nohup, background job): keep it so
        }
        struct sigaction action {};
        action.sa_handler = &on_signal;
        action.sa_flags = SA_RESTART;
        ::sigemptyset(&action.sa_mask);
        ::sigaction(sig, &action, nullptr);
    }
}

}  // namespace

std::uint64_t add_signal_cleanup(std::function<void()> cleanup) {
    Registry& reg = registry();
    const std::lock_guard<std::mutex> lock(reg.mutex);
    ensure_installed(reg);
    const std::uint64_t id = reg.next_id++;
    reg.cleanups.emplace(id, std::move(cleanup));
    return id;
}

void remove_signal_cleanup(std::uint64_t id) {
    Registry& reg = registry();
    const std::lock_guard<std::mutex> lock(reg.mutex);
    reg.cleanups.erase(id);
}

}  // namespace testdb::detail
