#include "harness/server/process.hpp"

#include <fcntl.h>
#include <grp.h>
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

std::string describe_failure(const StartFailure& failure, const std::vector<std::string>& argv,
                             const ChildSetup& setup) {
    std::string text = "could not start " + argv.front() + ": " + failure.step +
                       " failed: " + std::strerror(failure.error);
    if (setup.user != nullptr && setup.user->switch_user) {
        text += " (running as user '" + setup.user->name + "')";
    }
    if (failure.step == "chdir") {
        text += " (directory " + (setup.cwd.empty() ? std::string("/") : setup.cwd.string()) + ")";
    }
    return text;
}

// A start_child() failure as the EmbeddedServerError the server's callers expect.
[[noreturn]] void throw_start_failure(const StartFailure& failure,
                                      const std::vector<std::string>& argv,
                                      const ChildSetup& setup) {
    if (failure.step == "pipe") {
        throw EmbeddedServerError(std::string("testdb: pipe() failed: ") +
                                      std::strerror(failure.error) +
                                      ". Fix: raise the open-file limit (ulimit -n).",
                                  argv.front());
    }
    if (failure.step == "fork") {
        throw EmbeddedServerError("testdb: fork() failed while starting " + argv.front() + ": " +
                                      std::strerror(failure.error) +
                                      ". Fix: check the process limit (ulimit -u).",
                                  argv.front());
    }
    throw EmbeddedServerError("testdb: " + describe_failure(failure, argv, setup) +
                                  ". Fix: check that the file exists, is executable and is "
                                  "reachable by that user.",
                              argv.front());
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
    ChildSetup setup;
    setup.user = user;
    setup.cwd = cwd;
    setup.close_other_fds = true;
    ProgramResult result = capture_program(argv, setup, true, timeout);
    if (result.not_started) {
        throw_start_failure(*result.not_started, argv, setup);
    }
    return result;
}

pid_t spawn_program(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const ServerUser* user, const std::filesystem::path& cwd) {
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
    ChildSetup setup;
    setup.user = user;
    setup.cwd = cwd;
    setup.new_session = true;
    setup.close_other_fds = true;
    setup.stdout_fd = log_fd;
    setup.stderr_fd = log_fd;
    const StartedChild child = start_child(argv, setup);
    ::close(log_fd);
    if (child.failure) {
        throw_start_failure(*child.failure, argv, setup);
    }
    return child.pid;
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
    const auto runnable = [](const std::filesystem::path& candidate) {
        std::error_code ec;
        return std::filesystem::is_regular_file(candidate, ec) &&
               ::access(candidate.c_str(), X_OK) == 0;
    };
    if (name.empty()) {
        return std::nullopt;
    }
    if (name.find('/') != std::string::npos) {
        return runnable(name) ? std::optional<std::filesystem::path>(name) : std::nullopt;
    }
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only
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
        if (runnable(candidate)) {
            return candidate;
        }
    }
    return std::nullopt;
}

}  // namespace testdb::detail
