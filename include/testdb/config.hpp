/// @file config.hpp
/// @brief testdb::Config: the parsed settings of one test process.
///
/// Read in this order, first hit wins: the environment variable
/// DATABASE_URL_TEST, then a `.env.test` file in the working directory or any
/// parent up to the repository root, then the embedded default (testdb starts
/// a throwaway PostgreSQL). See `.env.test.example` for every setting.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace testdb {

/// Where the connection settings came from.
enum class ConfigSource {
    Environment,  ///< the DATABASE_URL_TEST environment variable
    DotEnvFile,   ///< a DATABASE_URL_TEST line in a .env.test file
    Embedded,     ///< nothing configured: testdb's own throwaway server
    Explicit      ///< parsed from a string handed to Config::parse()
};

/// `TESTDB_MAX_PROCESSES=auto`: the budget is derived from the server.
inline constexpr int kAutoMaxProcesses = -1;

/// Parsed settings: a value type, printable with the password masked.
struct Config {
    /// Most connections the process opens, ever (`connection_limit`).
    int connection_limit = 3;
    /// How long a caller waits for a free connection (`pool_timeout`, seconds).
    std::chrono::milliseconds pool_timeout{5000};
    /// Seconds to establish one connection (`connect_timeout`, libpq's own).
    int connect_timeout = 5;
    /// Prefix of each connection's server-side application_name.
    std::string application_name = "testdb";
    /// `TESTDB_MAX_PROCESSES`: how many test processes may use this database
    /// at once, each holding one slot (see process_budget.hpp); 0 = no budget,
    /// kAutoMaxProcesses = derived from the server's max_connections.
    int max_processes = 0;
    /// `TESTDB_SLOT_TIMEOUT`: how long a process waits for a free slot.
    std::chrono::milliseconds slot_timeout{600000};

    /// The libpq URI with testdb's own parameters removed (contains the
    /// password if the URL had one: never print it, use toString()).
    std::string libpq_url;
    /// First host (or Unix socket directory) the URL names; empty = libpq default.
    std::string host;
    /// Port the URL names; empty = libpq default (5432).
    std::string port;
    /// Database name; empty = libpq default (the user name).
    std::string dbname;
    /// User name; empty = libpq default.
    std::string user;

    /// Where these settings came from.
    ConfigSource source = ConfigSource::Explicit;
    /// The .env.test file they came from, when source is DotEnvFile.
    std::filesystem::path source_file;

    /// Parses a libpq URI (`postgresql://user:pw@host:port/db?param=value`)
    /// with testdb's parameters; throws ConfigError naming the bad input.
    static Config parse(std::string_view url, ConfigSource source = ConfigSource::Explicit);

    /// The URL with the password masked: safe for logs and messages.
    std::string maskedUrl() const;
    /// Deprecated spelling of maskedUrl().
    [[deprecated("use maskedUrl()")]] std::string masked_url() const { return maskedUrl(); }
    /// One line describing every setting, password masked.
    std::string toString() const;
    /// Deprecated spelling of toString().
    [[deprecated("use toString()")]] std::string to_string() const { return toString(); }
    /// "host:port" (or "socket-dir:port") for messages.
    std::string endpoint() const;
    /// The libpq connection string for one connection, with application_name
    /// set to `<application_name>-<run_token>`. Contains the password.
    std::string connectionString(std::string_view run_token) const;
    /// Deprecated spelling of connectionString().
    [[deprecated("use connectionString()")]]
    std::string connection_string(std::string_view run_token) const {
        return connectionString(run_token);
    }
};

/// The names testdb itself consumes from the URL's query string.
inline constexpr std::string_view kTestdbUrlParameters[] = {
    "connection_limit", "pool_timeout", "connect_timeout", "application_name"};

/// Replaces the password in a URL or libpq key=value string with "****".
/// Safe on malformed input: it never throws and never returns the password.
std::string maskPassword(std::string_view url_or_conninfo);
/// Deprecated spelling of maskPassword().
[[deprecated("use maskPassword()")]]
inline std::string mask_password(std::string_view url_or_conninfo) {
    return maskPassword(url_or_conninfo);
}

/// Parses the text of a `.env` file: `KEY=value`, optional `export`, comments,
/// single or double quotes. Throws ConfigError naming `origin` and the line.
std::map<std::string, std::string> parseDotenv(std::string_view text,
                                               std::string_view origin = ".env.test");
/// Deprecated spelling of parseDotenv().
[[deprecated("use parseDotenv()")]]
inline std::map<std::string, std::string> parse_dotenv(std::string_view text,
                                                       std::string_view origin = ".env.test") {
    return parseDotenv(text, origin);
}

/// The nearest `.env.test` from `start` up to the repository root (the first
/// directory holding `.git`) or the filesystem root; nullopt when none.
std::optional<std::filesystem::path> findDotenvFile(
    const std::filesystem::path& start = std::filesystem::current_path());
/// Deprecated spelling of findDotenvFile().
[[deprecated("use findDotenvFile()")]]
inline std::optional<std::filesystem::path> find_dotenv_file(
    const std::filesystem::path& start = std::filesystem::current_path()) {
    return findDotenvFile(start);
}

/// A setting by name: the process environment first, then the nearest
/// `.env.test`. Used for DATABASE_URL_TEST and every TESTDB_* variable.
std::optional<std::string> setting(const std::string& name);

/// Where `.env.test.example` (every setting, with its default) is on this
/// machine: the installed copy (share/testdb/), else the source tree's copy
/// testdb was built from. Errors that refer to it name this path.
std::string envExamplePath();

/// Loads the configuration in the documented order. Returns a Config whose
/// source is Embedded (and libpq_url empty) when nothing is configured.
Config loadConfig();
/// Deprecated spelling of loadConfig().
[[deprecated("use loadConfig()")]] inline Config load_config() { return loadConfig(); }

}  // namespace testdb
