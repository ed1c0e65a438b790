// Private: running programs without a shell, for the embedded server
// (initdb, postgres, cp, optionally as the unprivileged server user) and for
// the `testdb` tool (the suite it runs and lists), finding them on PATH, and
// waiting for processes that may or may not be our children. The one place
// testdb forks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace testdb::detail {

/// The account the server processes run as. When the process is root,
/// PostgreSQL refuses to run, so `switch_user` is true and children drop to
/// `uid`/`gid`; otherwise it is the current user and nothing changes.
struct ServerUser {
    std::string name;           ///< login name, e.g. "postgres"
    uid_t uid = 0;              ///< numeric user id
    gid_t gid = 0;              ///< primary group id
    std::vector<gid_t> groups;  ///< supplementary groups (resolved before fork)
    bool switch_user = false;   ///< children must drop to this identity
};

/// Resolves the server user: when root, TESTDB_SERVER_USER (default
/// `postgres`); otherwise the current user. Throws EmbeddedServerError when
/// the named user does not exist or is root itself, saying how to fix it.
ServerUser server_user();

/// How start_child() sets up a child between fork and exec. The child
/// always starts with an empty signal mask and default signal dispositions
/// (a child inherits both across exec; postgres and test suites need the
/// defaults).
struct ChildSetup {
    /// The file to execute, a path (no PATH search: find_in_path() first);
    /// empty = argv[0].
    std::filesystem::path program;
    /// "NAME=value" strings replacing the environment; nullptr = ours.
    const std::vector<std::string>* environment = nullptr;
    /// Becomes the child's stdin; -1 = /dev/null, kInherit = ours.
    int stdin_fd = -1;
    /// Becomes the child's stdout; kInherit = ours.
    int stdout_fd = kInherit;
    /// Becomes the child's stderr; kInherit = ours.
    int stderr_fd = kInherit;
    /// setsid(): a terminal's Ctrl-C or hangup then reaches us, not the child.
    bool new_session = false;
    /// Close every descriptor but 0-2 (a server must not hold our sockets,
    /// lock files or pipes open); false = the child inherits those not
    /// marked close-on-exec, as a shell's children do.
    bool close_other_fds = false;
    /// Drop to this identity before exec (when it says switch_user).
    const ServerUser* user = nullptr;
    /// Start in this directory; empty = ours ("/" when switching users).
    std::filesystem::path cwd;

    /// For the *_fd members: the child keeps the parent's descriptor.
    static constexpr int kInherit = -2;
};

/// Why a child did not reach exec.
struct StartFailure {
    std::string step;  ///< "pipe", "fork", "setgroups", "setgid", "setuid", "chdir" or "exec"
    int error = 0;     ///< errno of that step
};

/// A child started by start_child(): its pid, or why there is none.
struct StartedChild {
    pid_t pid = -1;                       ///< > 0 when it reached exec
    std::optional<StartFailure> failure;  ///< set when it did not (then already reaped)
};

/// Forks and execs `argv` as `setup` says. Returns the pid once the child
/// has reached exec, or the step that failed. Throws nothing of its own.
StartedChild start_child(const std::vector<std::string>& argv, const ChildSetup& setup);

/// Outcome of run_program().
struct ProgramResult {
    int exit_code = -1;      ///< exit status, -1 when killed by a signal
    int term_signal = 0;     ///< signal that ended it, 0 when it exited
    bool timed_out = false;  ///< killed because it exceeded the timeout
    std::string output;      ///< stdout and stderr interleaved
    std::optional<StartFailure> not_started;  ///< capture_program(): it never ran

    /// True when the program exited with status 0.
    bool ok() const { return exit_code == 0 && !timed_out; }
    /// "exit status 1", "killed by signal 9", "timed out after ..." for messages.
    std::string status_text() const;
};

/// Runs argv[0] (an absolute path; no shell, no PATH search) with the given
/// arguments, captures its output and waits at most `timeout` (then SIGKILL).
/// With `user`, the child drops to that identity before exec and starts in
/// `cwd` (default "/", since root's working directory is often unreadable).
/// Throws EmbeddedServerError only when the fork or pipe itself fails.
ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const ServerUser* user = nullptr,
                          const std::filesystem::path& cwd = {});

/// run_program() for any caller: runs argv as `setup` says (its stdout_fd,
/// and with `with_stderr` its stderr_fd, replaced by the capture), returns
/// what it printed, killing it after `timeout`. A program that could not be
/// started comes back with `not_started` set instead of an exception.
ProgramResult capture_program(const std::vector<std::string>& argv, ChildSetup setup,
                              bool with_stderr, std::chrono::milliseconds timeout);

/// Starts a long-running argv[0] in a new session (so a terminal's Ctrl-C or
/// hangup reaches testdb, which stops it in order, not the server directly),
/// with stdout and stderr appended to `log_file`. Returns its pid. Throws
/// EmbeddedServerError naming the program when it cannot be executed.
pid_t spawn_program(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const ServerUser* user = nullptr, const std::filesystem::path& cwd = {});

/// True while `pid` exists and is not a zombie (a zombie has finished; it
/// only waits for a parent that, in a container, may never reap it).
bool process_alive(pid_t pid);

/// Waits until `pid` has exited, reaping it when it is our child, polling
/// when it is not. Returns false when it still runs after `timeout`.
/// `status` receives the wait status when we reaped it.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr);

/// Sends `first_signal`, waits up to `grace`, then SIGKILL and waits up to
/// 5 s more. Returns true when the process is gone (or was already).
bool stop_process(pid_t pid, int first_signal, std::chrono::milliseconds grace);

/// The start time of `pid` in clock ticks since boot (/proc/<pid>/stat), to
/// tell a process from a later one that reused its pid; nullopt if unknown.
std::optional<unsigned long long> process_start_time(pid_t pid);

/// Where `name` is executed from, by testdb's one rule: a name holding a '/'
/// is that path (relative to the working directory); any other is looked up
/// in each directory of $PATH in turn. Only executable regular files count
/// (directories and files without execute permission are skipped, as execvp
/// skips them). Empty PATH entries are skipped, not read as the working
/// directory: testdb never runs a program from "." unless it is named so
/// ("./suite"). An unset PATH searches nothing. nullopt when nothing matches.
std::optional<std::filesystem::path> find_in_path(const std::string& name);

}  // namespace testdb::detail
