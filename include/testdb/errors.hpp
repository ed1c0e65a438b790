/// @file errors.hpp
/// @brief The one exception hierarchy of testdb, rooted at testdb::Error.
///
/// Every message says what happened, names the input (passwords masked) and
/// says what to do about it. Catch a leaf to react to one meaning, or
/// testdb::Error to catch everything testdb throws.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

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
};

/// No connection became free within pool_timeout.
class PoolTimeout : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit PoolTimeout(const std::string& message) : Error("PoolTimeout", message) {}
};

/// The calling thread already holds every connection and asked for another:
/// it would wait on itself forever, so the pool refuses at once.
class PoolDeadlock : public Error {
public:
    /// @param message what happened, the input and the fix (prefixed with
    /// the class name unless it starts with it).
    explicit PoolDeadlock(const std::string& message) : Error("PoolDeadlock", message) {}
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

/// True when libpq's connection error `message` says the server, or a pooler
/// in front of it, has no connection slot left for this client: PostgreSQL's
/// SQLSTATE 53300 ("too many clients already", "remaining connection slots
/// are reserved ...") or PgBouncer's "no more connections allowed
/// (max_client_conn)". Every caller that opens connections classifies with
/// it: a refusal is ServerRefused, any other failure ServerUnavailable.
bool isConnectionRefusal(std::string_view message);

}  // namespace testdb
