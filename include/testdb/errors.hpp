/// @file errors.hpp
/// @brief The one exception hierarchy of testdb, rooted at testdb::Error.
///
/// Every message says what happened, names the input (passwords masked) and
/// says what to do about it. Catch a leaf to react to one meaning, or
/// testdb::Error to catch everything testdb throws.
#pragma once

#include <stdexcept>
#include <string>

namespace testdb {

/// Root of every exception testdb throws.
class Error : public std::runtime_error {
public:
    /// @param message full text: what happened, the input, and the fix.
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A setting (URL, parameter, environment variable, .env.test line) is invalid.
class ConfigError : public Error {
public:
    using Error::Error;
};

/// No connection became free within pool_timeout.
class PoolTimeout : public Error {
public:
    using Error::Error;
};

/// The calling thread already holds every connection and asked for another:
/// it would wait on itself forever, so the pool refuses at once.
class PoolDeadlock : public Error {
public:
    using Error::Error;
};

/// The pool was shut down; no further connections are handed out.
class PoolClosed : public Error {
public:
    using Error::Error;
};

/// The server could not be reached (nothing listening, DNS, auth, timeout).
class ServerUnavailable : public Error {
public:
    using Error::Error;
};

/// The server refused a new connection because its own slots are exhausted
/// (SQLSTATE 53300, "too many connections"): distinct from PoolTimeout,
/// which is testdb's own limit.
class ServerRefused : public ServerUnavailable {
public:
    using ServerUnavailable::ServerUnavailable;
};

/// Every slot of the cross-process budget (TESTDB_MAX_PROCESSES) stayed
/// taken for TESTDB_SLOT_TIMEOUT; the message names each holder.
class ProcessBudgetTimeout : public Error {
public:
    using Error::Error;
};

/// The throwaway PostgreSQL could not be found, initialised, started or stopped.
class EmbeddedServerError : public Error {
public:
    using Error::Error;
};

/// Refused to delete anything in a database that does not look like a test
/// database, or in a production environment.
class SafetyGuardError : public Error {
public:
    using Error::Error;
};

/// A test asked for something its isolation tier cannot give: a second
/// connection, or a connection from another thread, inside a rollback-tier
/// test case (tag it [commits]), or a database clone that failed.
class IsolationError : public Error {
public:
    using Error::Error;
};

/// A test kept a lease, left a transaction open or left rows behind.
class LeakError : public Error {
public:
    using Error::Error;
};

}  // namespace testdb
