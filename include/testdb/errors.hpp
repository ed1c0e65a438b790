/// @file errors.hpp
/// @brief The one exception hierarchy of testdb, rooted at testdb::Error.
///
/// Every message says what happened, names the input (passwords masked) and
/// says what to do about it. Catch a leaf to react to one meaning, or
/// testdb::Error to catch everything testdb throws.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace testdb {

namespace detail {
/// `message` starting with "<class_name>: ", so what the console printed can
/// be found in the README's error table. Kept as is when it already starts
/// so; a leading "testdb: " is replaced by the class name.
inline std::string with_class_prefix(std::string_view class_name, const std::string& message) {
    const std::string prefix = std::string(class_name) + ": ";
    if (message.compare(0, prefix.size(), prefix) == 0) return message;
    constexpr std::string_view kGeneric = "testdb: ";
    if (message.compare(0, kGeneric.size(), kGeneric) == 0) {
        return prefix + message.substr(kGeneric.size());
    }
    return prefix + message;
}

/// The facts an exception carries beside its message (a setting, holders,
/// a SQLSTATE), held by a shared pointer so that copying the exception, as
/// `throw` and `catch` by value do, cannot throw. Empty facts read as `T{}`.
template <typename T>
class SharedFacts {
public:
    SharedFacts() = default;
    /// Holds `facts`.
    explicit SharedFacts(T facts) : facts_(std::make_shared<const T>(std::move(facts))) {}
    /// The facts, or an empty `T` when there are none.
    const T& get() const noexcept {
        static const T kNone{};
        return facts_ ? *facts_ : kNone;
    }

private:
    std::shared_ptr<const T> facts_;
};
}  // namespace detail

/// Root of every exception testdb throws. Every message starts with the
/// class name of the exception (`ConfigError: ...`); the constructors add it
/// when the text does not already start with it.
class Error : public std::runtime_error {
public:
    /// @param message full text: what happened, the input, and the fix.
    explicit Error(const std::string& message) : Error("Error", message) {}

protected:
    /// For subclasses: `message` prefixed with `class_name`.
    Error(std::string_view class_name, const std::string& message)
        : std::runtime_error(detail::with_class_prefix(class_name, message)) {}
};

/// A setting (URL, parameter, environment variable, .env.test line) is invalid.
class ConfigError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit ConfigError(const std::string& message) : Error("ConfigError", message) {}

    /// @param message as above.
    /// @param setting the setting that is invalid, e.g. "connection_limit".
    /// @param value its value as given, password already masked.
    ConfigError(const std::string& message, std::string setting, std::string value)
        : Error("ConfigError", message), facts_(Facts{std::move(setting), std::move(value)}) {}

    /// The setting that is invalid ("connection_limit", "TESTDB_MAX_PROCESSES"),
    /// or "" when the error is about no single setting (a malformed URL, a
    /// .env.test line).
    const std::string& setting() const noexcept { return facts_.get().setting; }
    /// The value of setting() as given (any password masked), "" when unknown.
    const std::string& value() const noexcept { return facts_.get().value; }

private:
    struct Facts {
        std::string setting;
        std::string value;
    };
    detail::SharedFacts<Facts> facts_;
};

/// One lease a pool had lent out when it gave up: PoolTimeout::holders().
struct LeaseHolder {
    std::string label;                      ///< the holder's label, else its test's name
    std::string file;                       ///< source file that acquired the lease
    int line = 0;                           ///< source line that acquired the lease
    std::chrono::nanoseconds held_for{0};   ///< how long it had held it by then
    bool in_transaction = false;            ///< inside withTransaction()
};

/// No connection became free within pool_timeout.
class PoolTimeout : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit PoolTimeout(const std::string& message) : Error("PoolTimeout", message) {}

    /// @param message as above.
    /// @param holders the leases lent out when the wait ended.
    /// @param limit the pool's connection_limit.
    /// @param timeout the pool's pool_timeout (how long the caller waited).
    PoolTimeout(const std::string& message, std::vector<LeaseHolder> holders, int limit,
                std::chrono::milliseconds timeout)
        : Error("PoolTimeout", message), facts_(Facts{std::move(holders), limit, timeout}) {}

    /// Who held the connections when the wait ended, one entry per lease
    /// (empty when unknown).
    const std::vector<LeaseHolder>& holders() const noexcept { return facts_.get().holders; }
    /// The pool's connection_limit (0 when unknown).
    int limit() const noexcept { return facts_.get().limit; }
    /// The pool's pool_timeout: how long the caller waited (0 when unknown).
    std::chrono::milliseconds timeout() const noexcept { return facts_.get().timeout; }

private:
    struct Facts {
        std::vector<LeaseHolder> holders;
        int limit = 0;
        std::chrono::milliseconds timeout{0};
    };
    detail::SharedFacts<Facts> facts_;
};

/// The calling thread already holds every connection and asked for another:
/// it would wait on itself forever, so the pool refuses at once.
class PoolDeadlock : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit PoolDeadlock(const std::string& message) : Error("PoolDeadlock", message) {}

    /// @param message as above.
    /// @param holders the leases the calling thread holds (all of them).
    /// @param limit the pool's connection_limit.
    PoolDeadlock(const std::string& message, std::vector<LeaseHolder> holders, int limit)
        : Error("PoolDeadlock", message), facts_(Facts{std::move(holders), limit}) {}

    /// The leases the calling thread already held, one entry per lease
    /// (empty when unknown).
    const std::vector<LeaseHolder>& holders() const noexcept { return facts_.get().holders; }
    /// The pool's connection_limit (0 when unknown).
    int limit() const noexcept { return facts_.get().limit; }

private:
    struct Facts {
        std::vector<LeaseHolder> holders;
        int limit = 0;
    };
    detail::SharedFacts<Facts> facts_;
};

/// The pool was shut down; no further connections are handed out.
class PoolClosed : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit PoolClosed(const std::string& message) : Error("PoolClosed", message) {}
};

/// The server could not be reached (nothing listening, DNS, auth, timeout).
class ServerUnavailable : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit ServerUnavailable(const std::string& message) : Error("ServerUnavailable", message) {}

protected:
    /// For ServerRefused: `message` prefixed with `class_name`.
    ServerUnavailable(std::string_view class_name, const std::string& message)
        : Error(class_name, message) {}
};

/// The server refused a new connection because its own slots are exhausted
/// (SQLSTATE 53300, "too many connections"): distinct from PoolTimeout,
/// which is testdb's own limit.
class ServerRefused : public ServerUnavailable {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit ServerRefused(const std::string& message)
        : ServerUnavailable("ServerRefused", message) {}

    /// @param message as above.
    /// @param sqlstate the SQLSTATE of the refusal (refusalSqlstate()).
    /// @param server the server that refused, "host:port" (never a password).
    ServerRefused(const std::string& message, std::string sqlstate, std::string server)
        : ServerUnavailable("ServerRefused", message),
          facts_(Facts{std::move(sqlstate), std::move(server)}) {}

    /// The SQLSTATE the refusal stands for: "53300" (PostgreSQL's
    /// too_many_connections) or "08P01" (PgBouncer's max_client_conn); ""
    /// when unknown.
    const std::string& sqlstate() const noexcept { return facts_.get().sqlstate; }
    /// The server that refused: "host:port" or "socket-directory:port", as
    /// Config::endpoint() names it; "" when unknown.
    const std::string& server() const noexcept { return facts_.get().server; }

private:
    struct Facts {
        std::string sqlstate;
        std::string server;
    };
    detail::SharedFacts<Facts> facts_;
};

/// Every slot of the cross-process budget (TESTDB_MAX_PROCESSES) stayed
/// taken for TESTDB_SLOT_TIMEOUT; the message names each holder.
class ProcessBudgetTimeout : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit ProcessBudgetTimeout(const std::string& message)
        : Error("ProcessBudgetTimeout", message) {}
};

/// The throwaway PostgreSQL could not be found, initialised, started or stopped.
class EmbeddedServerError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit EmbeddedServerError(const std::string& message)
        : Error("EmbeddedServerError", message) {}

    /// @param message as above.
    /// @param program the program that could not be started, as given.
    EmbeddedServerError(const std::string& message, std::string program)
        : Error("EmbeddedServerError", message), program_(std::move(program)) {}

    /// The program (initdb, postgres, pg_ctl, cp: its path) that could not be
    /// started, or "" when the error is about something else.
    const std::string& program() const noexcept { return program_.get(); }

private:
    detail::SharedFacts<std::string> program_;
};

/// Refused to delete anything in a database that does not look like a test
/// database, or in a production environment.
class SafetyGuardError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit SafetyGuardError(const std::string& message) : Error("SafetyGuardError", message) {}
};

/// A test asked for something its isolation tier cannot give: a second
/// connection, or a connection from another thread, inside a rollback-tier
/// test case (tag it [commits]), or a database clone that failed.
class IsolationError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit IsolationError(const std::string& message) : Error("IsolationError", message) {}
};

/// A test kept a lease, left a transaction open or left rows behind.
class LeakError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit LeakError(const std::string& message) : Error("LeakError", message) {}
};

/// The suite's schema could not be applied: a migration failed on the server
/// (file() and line() say where), or MIGRATE_COMMAND failed. Nothing of the
/// failed file stays applied; the next run starts the schema afresh.
class SchemaError : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit SchemaError(const std::string& message) : Error("SchemaError", message) {}

    /// @param message as above.
    /// @param file the migration file (or the command) that failed.
    /// @param line its line the server's error position points at; 0 when unknown.
    /// @param statement the statement that failed, as far as it could be found.
    SchemaError(const std::string& message, std::string file, int line, std::string statement)
        : Error("SchemaError", message),
          facts_(Facts{std::move(file), line, std::move(statement)}) {}

    /// The migration file that failed (MIGRATE_COMMAND: the command), "" when unknown.
    const std::string& file() const noexcept { return facts_.get().file; }
    /// The line of file() the error is on (1-based), 0 when the server gave no position.
    int line() const noexcept { return facts_.get().line; }
    /// The failing statement's text, "" when unknown.
    const std::string& statement() const noexcept { return facts_.get().statement; }

private:
    struct Facts {
        std::string file;
        int line = 0;
        std::string statement;
    };
    detail::SharedFacts<Facts> facts_;
};

/// True when libpq's connection error `message` says the server, or a pooler
/// in front of it, has no connection slot left for this client: PostgreSQL's
/// SQLSTATE 53300 ("too many clients already", "remaining connection slots
/// are reserved ...") or PgBouncer's "no more connections allowed
/// (max_client_conn)". Every caller that opens connections classifies with
/// it: a refusal is ServerRefused, any other failure ServerUnavailable.
bool isConnectionRefusal(std::string_view message);

/// The SQLSTATE of the refusal libpq's connection error `message` reports:
/// the one written in it when libpq was verbose, else "53300" for
/// PostgreSQL's texts and "08P01" for PgBouncer's max_client_conn; "" when
/// `message` is no refusal (isConnectionRefusal() is false).
std::string refusalSqlstate(std::string_view message);

}  // namespace testdb
