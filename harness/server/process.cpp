#include "harness/server/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/common/log.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

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
    const ServerUser* user = nullptr;
    std::string cwd;
    int out_fd = -1;
    int report_fd = -1;
    bool new_session = false;

    ChildPlan(const std::vector<std::string>& arguments, const ServerUser* as,
              const std::filesystem::path& directory)
        : args(arguments), user(as) {
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        cwd = directory.empty() ? (as != nullptr && as->switch_user ? "/" : "") : directory.string();
    }
};

[[noreturn]] void fail_in_child(int report_fd, int step) noexcept {
    const ChildFailure failure{step, errno};
    [[maybe_unused]] const ssize_t n = ::write(report_fd, &failure, sizeof failure);
    ::_exit(127);
}

[[noreturn]] void exec_child(const ChildPlan& plan) noexcept {
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
    if (plan.new_session) {
        ::setsid();
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        ::dup2(devnull, 0);
    }
    ::dup2(plan.out_fd, 1);
    ::dup2(plan.out_fd, 2);
    // Keep only 0-2 and the report pipe (moved to 3): the server must not
    // hold our sockets, lock files or signal pipe open.
    ::dup3(plan.report_fd, 3, O_CLOEXEC);
    if (::close_range(4, ~0U, 0) != 0) {
        for (int fd = 4; fd < 65536; ++fd) {
            ::close(fd);
        }
    }
    if (plan.user != nullptr && plan.user->switch_user) {
        // Order matters: groups and gid while still root, uid last.
        if (::setgroups(plan.user->groups.size(), plan.user->groups.data()) != 0) {
            fail_in_child(3, kSetgroups);
        }
        if (::setgid(plan.user->gid) != 0) {
            fail_in_child(3, kSetgid);
        }
        if (::setuid(plan.user->uid) != 0) {
            fail_in_child(3, kSetuid);
        }
    }
    if (!plan.cwd.empty() && ::chdir(plan.cwd.c_str()) != 0) {
        fail_in_child(3, kChdir);
    }
    ::execv(plan.argv[0], plan.argv.data());
    fail_in_child(3, kExec);
}

std::string describe_failure(const ChildFailure& failure, const ChildPlan& plan) {
    std::string text = "could not start " + plan.args.front() + ": " + step_name(failure.step) +
                       " failed: " + std::strerror(failure.error);
    if (plan.user != nullptr && plan.user->switch_user) {
        text += " (running as user '" + plan.user->name + "')";
    }
    if (failure.step == kChdir) {
        text += " (directory " + plan.cwd + ")";
    }
    return text;
}

// Forks and execs `plan`; returns the pid, or throws with the child's own
// report when it could not reach exec.
pid_t fork_exec(ChildPlan& plan) {
    std::array<int, 2> report{};
    if (::pipe2(report.data(), O_CLOEXEC) != 0) {
        throw EmbeddedServerError(std::string("testdb: pipe() failed: ") + std::strerror(errno) +
                                  ". Fix: raise the open-file limit (ulimit -n).");
    }
    plan.report_fd = report[1];
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        ::close(report[0]);
        ::close(report[1]);
        throw EmbeddedServerError("testdb: fork() failed while starting " + plan.args.front() + ": " +
                                  std::strerror(error) + ". Fix: check the process limit (ulimit -u).");
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
        ::waitpid(pid, &status, 0);
        throw EmbeddedServerError("testdb: " + describe_failure(failure, plan) +
                                  ". Fix: check that the file exists, is executable and is "
                                  "reachable by that user.");
    }
    return pid;
}

void fill_status(ProgramResult& result, int status) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.term_signal = WTERMSIG(status);
    }
}

}  // namespace

std::string ProgramResult::status_text() const {
    if (timed_out) {
        return "timed out and was killed";
    }
    if (term_signal != 0) {
        return "killed by signal " + std::to_string(term_signal) + " (" + ::strsignal(term_signal) + ")";
    }
    return "exit status " + std::to_string(exit_code);
}

ServerUser server_user() {
    ServerUser user;
    const std::optional<std::string> configured = setting("TESTDB_SERVER_USER");
    std::array<char, 16384> buffer{};
    passwd entry{};
    passwd* found = nullptr;
    if (::geteuid() != 0) {
        // Not root: the server simply runs as us; there is nothing to switch.
        user.uid = ::geteuid();
        user.gid = ::getegid();
        ::getpwuid_r(user.uid, &entry, buffer.data(), buffer.size(), &found);
        user.name = found != nullptr ? found->pw_name : "uid" + std::to_string(user.uid);
        if (configured && !configured->empty() && *configured != user.name) {
            log().warn("TESTDB_SERVER_USER={} ignored: only root switches users; the embedded "
                       "server runs as '{}'", *configured, user.name);
        }
        return user;
    }
    user.name = configured && !configured->empty() ? *configured : "postgres";
    user.switch_user = true;
    ::getpwnam_r(user.name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) {
        throw EmbeddedServerError(
            "testdb: running as root, so the embedded PostgreSQL must run as an unprivileged user "
            "(PostgreSQL refuses root), but user '" + user.name + "' " +
            (configured ? "(TESTDB_SERVER_USER) " : "(the default) ") +
            "does not exist. Fix: apt-get install postgresql-15 (creates 'postgres'), or "
            "`useradd --system --no-create-home " + user.name +
            "`, or set TESTDB_SERVER_USER to an existing unprivileged user.");
    }
    if (found->pw_uid == 0) {
        throw EmbeddedServerError("testdb: TESTDB_SERVER_USER='" + user.name +
                                  "' has uid 0, and PostgreSQL refuses to run as root. Fix: set "
                                  "TESTDB_SERVER_USER to an unprivileged user such as postgres.");
    }
    user.uid = found->pw_uid;
    user.gid = found->pw_gid;
    // Resolved here, not in the child: getgrouplist reads /etc/group and
    // allocates, which a forked child of a threaded process must not do.
    int count = 64;
    user.groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count) < 0) {
        user.groups.resize(static_cast<std::size_t>(count));
        ::getgrouplist(user.name.c_str(), user.gid, user.groups.data(), &count);
    }
    user.groups.resize(static_cast<std::size_t>(count));
    return user;
}

ProgramResult run_program(const std::vector<std::string>& argv, milliseconds timeout,
                          const ServerUser* user, const std::filesystem::path& cwd) {
    ChildPlan plan(argv, user, cwd);
    std::array<int, 2> output{};
    if (::pipe2(output.data(), O_CLOEXEC) != 0) {
        throw EmbeddedServerError(std::string("testdb: pipe() failed: ") + std::strerror(errno) +
                                  ". Fix: raise the open-file limit (ulimit -n).");
    }
    plan.out_fd = output[1];
    pid_t pid = 0;
    try {
        pid = fork_exec(plan);
    } catch (...) {
        ::close(output[0]);
        ::close(output[1]);
        throw;
    }
    ::close(output[1]);

    ProgramResult result;
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

pid_t spawn_program(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const ServerUser* user, const std::filesystem::path& cwd) {
    ChildPlan plan(argv, user, cwd);
    plan.new_session = true;
    const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        throw EmbeddedServerError("testdb: cannot open the server log " + log_file.string() + ": " +
                                  std::strerror(errno) + ". Fix: check that the directory exists "
                                  "and is writable.");
    }
    if (user != nullptr && user->switch_user) {
        // The server user should be able to read its own log.
        [[maybe_unused]] const int rc = ::fchown(log_fd, user->uid, user->gid);
    }
    plan.out_fd = log_fd;
    pid_t pid = 0;
    try {
        pid = fork_exec(plan);
    } catch (...) {
        ::close(log_fd);
        throw;
    }
    ::close(log_fd);
    return pid;
}

std::optional<unsigned long long> process_start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!in || !std::getline(in, line)) {
        return std::nullopt;
    }
    // The command name (field 2) may hold spaces and parentheses: fields
    // are counted from the last ')'. Field 3 is the state, field 22 starttime.
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    for (int index = 3; index <= 22 && fields >> field; ++index) {
        if (index == 22) {
            return std::strtoull(field.c_str(), nullptr, 10);
        }
    }
    return std::nullopt;
}

bool process_alive(pid_t pid) {
    if (pid <= 0) {
        return false;
    }
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (in && std::getline(in, line)) {
        const auto close = line.rfind(')');
        if (close != std::string::npos && close + 2 < line.size()) {
            const char state = line[close + 2];
            return state != 'Z' && state != 'X';
        }
    }
    return true;
}

bool wait_for_exit(pid_t pid, milliseconds timeout, int* status) {
    if (pid <= 0) {
        return true;
    }
    const auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::microseconds(500);
    for (;;) {
        int raw = 0;
        const pid_t reaped = ::waitpid(pid, &raw, WNOHANG);
        if (reaped == pid) {
            if (status != nullptr) {
                *status = raw;
            }
            return true;
        }
        if (reaped < 0 && errno == ECHILD && !process_alive(pid)) {
            return true;  // not our child (another process's server), and gone
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
}

bool stop_process(pid_t pid, int first_signal, milliseconds grace) {
    if (wait_for_exit(pid, milliseconds(0))) {
        return true;
    }
    ::kill(pid, first_signal);
    if (wait_for_exit(pid, grace)) {
        return true;
    }
    log().warn("process {} did not exit within {} ms of signal {}; sending SIGKILL", pid,
               grace.count(), first_signal);
    ::kill(pid, SIGKILL);
    return wait_for_exit(pid, milliseconds(5000));
}

std::optional<std::filesystem::path> find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) {
        return std::nullopt;
    }
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) {
            continue;  // "" means the working directory: never run a binary from there
        }
        const std::filesystem::path candidate = std::filesystem::path(dir) / name;
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

}  // namespace testdb::detail
