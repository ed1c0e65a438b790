// Starting a child: fork, set it up (descriptors, signals, identity,
// directory) and exec, reporting the failed step through a close-on-exec
// pipe; and capturing a child's output with a deadline (process.hpp).
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "harness/server/process.hpp"

namespace testdb::detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What the child reports through its close-on-exec pipe when it cannot get
// as far as exec: the step that failed and errno. Nothing arrives on success.
struct ChildFailure {
    int step = 0;
    int error = 0;
};
enum ChildStep : int { kSetgroups = 1, kSetgid, kSetuid, kChdir, kExec };

const char* step_name(int step) {
    switch (step) {
        case kSetgroups: return "setgroups";
        case kSetgid: return "setgid";
        case kSetuid: return "setuid";
        case kChdir: return "chdir";
        default: return "exec";
    }
}

// Everything the child needs, prepared before fork: between fork and exec
// only async-signal-safe calls are allowed (other threads may have held the
// malloc or NSS locks at the moment of the fork).
struct ChildPlan {
    std::vector<std::string> args;
    std::vector<char*> argv;
    std::string program;
    std::vector<std::string> env;
    std::vector<char*> envp;  // empty = inherit ours
    const ChildSetup& setup;
    std::string cwd;
    int report_fd = -1;

    ChildPlan(const std::vector<std::string>& arguments, const ChildSetup& how)
        : args(arguments), setup(how) {
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        program = how.program.empty() ? args.front() : how.program.string();
        if (how.environment != nullptr) {
            env = *how.environment;
            for (std::string& entry : env) {
                envp.push_back(entry.data());
            }
            envp.push_back(nullptr);
        }
        const bool switching = how.user != nullptr && how.user->switch_user;
        cwd = how.cwd.empty() ? (switching ? "/" : "") : how.cwd.string();
    }
};

[[noreturn]] void fail_in_child(int report_fd, int step) noexcept {
    const ChildFailure failure{step, errno};
    [[maybe_unused]] const ssize_t n = ::write(report_fd, &failure, sizeof failure);
    ::_exit(127);
}

[[noreturn]] void exec_child(const ChildPlan& plan) noexcept {
    const ChildSetup& setup = plan.setup;
    // A child inherits the signal mask and ignored signals across exec;
    // postgres needs the defaults (it relies on SIGCHLD, SIGPIPE, SIGINT...).
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2}) {
        ::sigaction(sig, &dfl, nullptr);
    }
    if (setup.new_session) {
        ::setsid();
    }
    if (setup.stdin_fd == -1) {
        const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull >= 0) {
            ::dup2(devnull, 0);
        }
    } else if (setup.stdin_fd >= 0) {
        ::dup2(setup.stdin_fd, 0);
    }
    if (setup.stdout_fd >= 0) {
        ::dup2(setup.stdout_fd, 1);
    }
    if (setup.stderr_fd >= 0) {
        ::dup2(setup.stderr_fd, 2);
    }
    int report_fd = plan.report_fd;
    if (setup.close_other_fds) {
        // Keep only 0-2 and the report pipe (moved to 3).
        ::dup3(report_fd, 3, O_CLOEXEC);
        report_fd = 3;
        if (::close_range(4, ~0U, 0) != 0) {
            for (int fd = 4; fd < 65536; ++fd) {
                ::close(fd);
            }
        }
    }
    if (setup.user != nullptr && setup.user->switch_user) {
        // Order matters: groups and gid while still root, uid last.
        if (::setgroups(setup.user->groups.size(), setup.user->groups.data()) != 0) {
            fail_in_child(report_fd, kSetgroups);
        }
        if (::setgid(setup.user->gid) != 0) {
            fail_in_child(report_fd, kSetgid);
        }
        if (::setuid(setup.user->uid) != 0) {
            fail_in_child(report_fd, kSetuid);
        }
    }
    if (!plan.cwd.empty() && ::chdir(plan.cwd.c_str()) != 0) {
        fail_in_child(report_fd, kChdir);
    }
    if (plan.envp.empty()) {
        ::execv(plan.program.c_str(), plan.argv.data());
    } else {
        ::execve(plan.program.c_str(), plan.argv.data(), plan.envp.data());
    }
    fail_in_child(report_fd, kExec);
}

void fill_status(ProgramResult& result, int status) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.term_signal = WTERMSIG(status);
    }
}

}  // namespace

StartedChild start_child(const std::vector<std::string>& argv, const ChildSetup& setup) {
    StartedChild child;
    ChildPlan plan(argv, setup);
    std::array<int, 2> report{};
    if (::pipe2(report.data(), O_CLOEXEC) != 0) {
        child.failure = StartFailure{"pipe", errno};
        return child;
    }
    plan.report_fd = report[1];
    const pid_t pid = ::fork();
    if (pid < 0) {
        child.failure = StartFailure{"fork", errno};
        ::close(report[0]);
        ::close(report[1]);
        return child;
    }
    if (pid == 0) {
        exec_child(plan);
    }
    ::close(report[1]);
    ChildFailure failure;
    ssize_t n = 0;
    do {
        n = ::read(report[0], &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        child.failure = StartFailure{step_name(failure.step), failure.error};
        return child;
    }
    child.pid = pid;
    return child;
}

ProgramResult capture_program(const std::vector<std::string>& argv, ChildSetup setup,
                              bool with_stderr, milliseconds timeout) {
    ProgramResult result;
    std::array<int, 2> output{};
    if (::pipe2(output.data(), O_CLOEXEC) != 0) {
        result.not_started = StartFailure{"pipe", errno};
        return result;
    }
    setup.stdout_fd = output[1];
    if (with_stderr) {
        setup.stderr_fd = output[1];
    }
    const StartedChild child = start_child(argv, setup);
    ::close(output[1]);
    if (child.failure) {
        ::close(output[0]);
        result.not_started = child.failure;
        return result;
    }
    const pid_t pid = child.pid;
    const auto deadline = Clock::now() + timeout;
    std::array<char, 4096> chunk{};
    for (;;) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd fd{output[0], POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            continue;  // the deadline check above ends the loop
        }
        const ssize_t n = ::read(output[0], chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;  // EOF: the program (and anything it started) closed its output
        }
        result.output.append(chunk.data(), static_cast<std::size_t>(n));
    }
    ::close(output[0]);
    int status = 0;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (result.timed_out || !wait_for_exit(pid, std::max(left, milliseconds(0)), &status)) {
        result.timed_out = true;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return result;
    }
    fill_status(result, status);
    return result;
}

}  // namespace testdb::detail
