/// @file support.hpp
/// @brief Small helpers shared by the `testdb` subcommands: quoting, URL
/// query parameters, password redaction and opening one diagnostic connection.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "testdb/config.hpp"

namespace testdb {
class EmbeddedServer;
}  // namespace testdb

namespace testdb::cli {

/// `text` quoted for a POSIX shell: single quotes, embedded ones escaped.
std::string shell_quote(std::string_view text);

/// `url` with the query parameter `key` set to `value` (replacing every
/// existing occurrence). `value` is percent-encoded (the core's encoding).
std::string with_query_param(std::string_view url, std::string_view key, std::string_view value);

/// `text` with the password of `config` (as written, decoded and encoded)
/// replaced by "****": for echoing server and libpq error messages. The
/// core's redaction (harness/config/url.hpp) applied to config.libpq_url.
std::string redact(std::string_view text, const Config& config);

/// Where `config` came from, for messages: "DATABASE_URL_TEST (environment)",
/// "DATABASE_URL_TEST in /repo/.env.test", "--url", "nothing configured".
std::string describe_source(const Config& config);

/// Opens one connection for the tool itself, with application_name
/// `<application_name>-<tag>`. Throws ServerUnavailable naming the endpoint
/// and the masked URL (never the password) and saying what to check.
std::unique_ptr<pqxx::connection> open_connection(const Config& config, std::string_view tag);

/// The text of an errno value (thread-safe, unlike strerror).
std::string errno_text(int error);

/// The whole content of `path` ("" when it cannot be read: callers that must
/// tell a missing file apart check it first).
std::string read_text(const std::filesystem::path& path);

/// "SIGINT (interrupt)" for a signal number (thread-safe, unlike strsignal).
std::string signal_text(int signal_number);

/// Prints `testdb <command>: <message>` to stderr.
void print_error(std::string_view command, std::string_view message);

/// A private temporary directory (`$TMPDIR/testdb-run-XXXXXX`) for a run's
/// reports and logs, removed with everything in it at the end.
class TempDir {
public:
    /// Creates it; throws Error naming the path when it cannot.
    TempDir();
    /// Removes it (errors ignored).
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    /// Where it is.
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// The DATABASE_URL_TEST a suite run by `testdb run` gets: the configured
/// one (with `limit` > 0 as its connection_limit), or the embedded
/// `server`'s with the configured pool settings.
std::string suite_url(const Config& loaded, const EmbeddedServer* server, int limit);

/// "NAME=value" strings: this process's environment with `overrides`
/// ("NAME=value") replacing or adding.
std::vector<std::string> child_environment(const std::vector<std::string>& overrides);

}  // namespace testdb::cli
