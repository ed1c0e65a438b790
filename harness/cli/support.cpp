#include "support.hpp"

#include <stdlib.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <cstdlib>
#include <iostream>
#include <set>
#include <system_error>
#include <vector>

#include "harness/config/url.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"

extern char** environ;

namespace testdb::cli {

std::string shell_quote(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string with_query_param(std::string_view url, std::string_view key, std::string_view value) {
    const auto question = url.find('?');
    std::string base(url.substr(0, question));
    std::vector<std::string> kept;
    if (question != std::string_view::npos) {
        std::string_view query = url.substr(question + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view item = query.substr(0, amp);
            const std::string_view name = item.substr(0, item.find('='));
            if (!item.empty() && name != key) {
                kept.emplace_back(item);
            }
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        }
    }
    kept.push_back(std::string(key) + "=" + detail::percent_encode(value));
    std::string out = base + "?";
    for (std::size_t i = 0; i < kept.size(); ++i) {
        out += (i ? "&" : "") + kept[i];
    }
    return out;
}

std::string redact(std::string_view text, const Config& config) {
    return detail::redact(text, detail::password_candidates(config.libpq_url));
}

std::string describe_source(const Config& config) {
    switch (config.source) {
        case ConfigSource::Environment:
            return "DATABASE_URL_TEST (environment)";
        case ConfigSource::DotEnvFile:
            return "DATABASE_URL_TEST in " + config.source_file.string();
        case ConfigSource::Embedded:
            return "nothing configured (embedded server)";
        case ConfigSource::Explicit:
            break;
    }
    return "--url";
}

std::unique_ptr<pqxx::connection> open_connection(const Config& config, std::string_view tag) {
    try {
        return std::make_unique<pqxx::connection>(config.connectionString(tag));
    } catch (const std::exception& e) {
        std::string reason = redact(e.what(), config);
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        // "host:port (url" in both messages: never the password.
        const std::string server = config.endpoint() + " (" + config.maskedUrl();
        if (isConnectionRefusal(reason)) {
            throw ServerRefused("ServerRefused: " + server + ") refused a new connection: " +
                                    reason + "\nFix: wait for its other clients to end, lower "
                                    "their connection_limit or TESTDB_MAX_PROCESSES, or raise the "
                                    "server's max_connections (PgBouncer: max_client_conn).",
                                refusalSqlstate(reason), config.endpoint());
        }
        throw ServerUnavailable(
            "ServerUnavailable: cannot connect to " + server + ", from " + describe_source(config) +
            "): " + reason +
            "\nFix: check that PostgreSQL runs there and accepts this user and database "
            "(pg_isready -h " +
            (config.host.empty() ? "localhost" : config.host) + " -p " +
            (config.port.empty() ? "5432" : config.port) + ")" +
            (config.source == ConfigSource::Environment || config.source == ConfigSource::DotEnvFile
                 ? ", or unset DATABASE_URL_TEST to use the embedded server."
                 : "."));
    }
}

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

std::string signal_text(int signal_number) {
    switch (signal_number) {
        case SIGINT:
            return "SIGINT (interrupt)";
        case SIGTERM:
            return "SIGTERM (terminate)";
        case SIGKILL:
            return "SIGKILL (killed)";
        case SIGSEGV:
            return "SIGSEGV (segmentation fault)";
        case SIGABRT:
            return "SIGABRT (aborted)";
        case SIGBUS:
            return "SIGBUS (bus error)";
        case SIGFPE:
            return "SIGFPE (arithmetic exception)";
        case SIGILL:
            return "SIGILL (illegal instruction)";
        case SIGHUP:
            return "SIGHUP (hangup)";
        case SIGPIPE:
            return "SIGPIPE (broken pipe)";
        case SIGQUIT:
            return "SIGQUIT (quit)";
        default:
            break;
    }
    return "signal " + std::to_string(signal_number);
}

void print_error(std::string_view command, std::string_view message) {
    std::cerr << "testdb " << command << ": " << message << std::endl;
}

namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0) {
        return std::to_string(ms.count() / 1000);
    }
    return std::to_string(static_cast<double>(ms.count()) / 1000.0);
}

}  // namespace

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): no setenv here
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/testdb-run-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error("Error: cannot create a temporary directory " + pattern + ": " +
                    errno_text(errno) + ".\nFix: set TMPDIR to a writable directory.");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string suite_url(const Config& loaded, const EmbeddedServer* server, int limit) {
    if (server == nullptr) {
        std::string url = setting("DATABASE_URL_TEST").value_or(loaded.libpq_url);
        if (limit > 0) {
            url = with_query_param(url, "connection_limit", std::to_string(limit));
        }
        return url;
    }
    std::string url = server->url();
    url = with_query_param(url, "connection_limit",
                           std::to_string(limit > 0 ? limit : loaded.connection_limit));
    url = with_query_param(url, "pool_timeout", seconds_text(loaded.pool_timeout));
    url = with_query_param(url, "connect_timeout", std::to_string(loaded.connect_timeout));
    return with_query_param(url, "application_name", loaded.application_name);
}

std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
    std::set<std::string> names;
    for (const std::string& o : overrides) {
        names.insert(o.substr(0, o.find('=')));
    }
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        if (names.count(entry.substr(0, entry.find('='))) == 0) {
            env.push_back(entry);
        }
    }
    env.insert(env.end(), overrides.begin(), overrides.end());
    return env;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace testdb::cli
