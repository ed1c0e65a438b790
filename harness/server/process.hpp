// Private: running programs for the embedded server (initdb, postgres, cp)
// without a shell, optionally as the unprivileged server user, and waiting
// for processes that may or may not be our children.
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

/// Outcome of run_program().
struct ProgramResult {
    int exit_code = -1;      ///< exit status, -1 when killed by a signal
    int term_signal = 0;     ///< signal that ended it, 0 when it exited
    bool timed_out = false;  ///< killed because it exceeded the timeout
    std::string output;      ///< stdout and stderr interleaved

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

/// The first `name` in $PATH that is an executable regular file.
std::optional<std::filesystem::path> find_in_path(const std::string& name);

}  // namespace testdb::detail
