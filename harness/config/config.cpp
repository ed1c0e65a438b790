// Config: parsing DATABASE_URL_TEST, its testdb parameters, and the
// documented lookup order (environment, .env.test, embedded default).
#include "testdb/config.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>

#include "harness/config/url.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace {

// Where a value came from, for messages: "DATABASE_URL_TEST (from /x/.env.test)".
std::string origin_label(ConfigSource source, const std::filesystem::path& file) {
    switch (source) {
        case ConfigSource::Environment: return "DATABASE_URL_TEST (environment)";
        case ConfigSource::DotEnvFile: return "DATABASE_URL_TEST (from " + file.string() + ")";
        case ConfigSource::Embedded: return "the embedded server's URL";
        case ConfigSource::Explicit: break;
    }
    return "the database URL";
}

[[noreturn]] void bad_value(const std::string& where, std::string_view name,
                            std::string_view value, std::string_view rule) {
    std::ostringstream msg;
    msg << where << ": " << name << "=" << maskPassword(value) << " is not valid: " << rule
        << ". Fix " << name << " (see " << envExamplePath()
        << " for every setting and its default).";
    throw ConfigError(msg.str(), std::string(name), maskPassword(value));
}

// A whole number in [low, high], or a ConfigError naming the setting.
int parse_int(const std::string& where, std::string_view name, std::string_view text, int low,
              int high, std::string_view meaning) {
    const std::string rule = "it must be a whole number from " + std::to_string(low) + " to " +
                             std::to_string(high) + " (" + std::string(meaning) + ")";
    const std::string copy(text);
    if (copy.empty() || copy.find_first_not_of("0123456789+-") != std::string::npos) {
        bad_value(where, name, text, rule);
    }
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(copy.c_str(), &end, 10);
    if (errno != 0 || end == copy.c_str() || *end != '\0' || value < low || value > high) {
        bad_value(where, name, text, rule);
    }
    return static_cast<int>(value);
}

// Seconds, fractions allowed ("5", "0.5"), or milliseconds with "ms".
std::chrono::milliseconds parse_timeout(const std::string& where, std::string_view name,
                                        std::string_view text) {
    static constexpr std::string_view kRule =
        "it must be a number of seconds above 0 and at most 3600, e.g. 5 or 0.5 (or "
        "milliseconds with an ms suffix, e.g. 500ms)";
    std::string copy(text);
    double scale = 1000.0;
    if (copy.size() > 2 && copy.compare(copy.size() - 2, 2, "ms") == 0) {
        copy.resize(copy.size() - 2);
        scale = 1.0;
    } else if (copy.size() > 1 && copy.back() == 's') {
        copy.pop_back();
    }
    if (copy.empty() || copy.find_first_not_of("0123456789.") != std::string::npos) {
        bad_value(where, name, text, kRule);
    }
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    const double ms = value * scale;
    if (end == copy.c_str() || *end != '\0' || !std::isfinite(value) || ms < 1.0 ||
        ms > 3600.0 * 1000.0) {
        bad_value(where, name, text, kRule);
    }
    return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

// application_name goes into the server's pg_stat_activity (63 bytes at
// most, with "-<run token>" appended) and into LIKE patterns: keep it plain.
std::string parse_application_name(const std::string& where, std::string_view text) {
    const bool plain = !text.empty() && text.size() <= 40 &&
                       std::all_of(text.begin(), text.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                                  c == '.' || c == ':';
                       });
    if (!plain) {
        bad_value(where, "application_name", text,
                  "it must be 1 to 40 letters, digits, '-', '.' or ':'");
    }
    return std::string(text);
}

// The parameter names libpq itself understands, straight from libpq, so a
// typo is reported by testdb (with a suggestion) instead of by libpq later.
const std::set<std::string>& libpq_keywords() {
    static const std::set<std::string> keywords = [] {
        std::set<std::string> names;
        std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                              &PQconninfoFree);
        for (auto* o = defaults.get(); o != nullptr && o->keyword != nullptr; ++o) {
            names.insert(o->keyword);
        }
        return names;
    }();
    return keywords;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

[[noreturn]] void unknown_parameter(const std::string& where, const std::string& name) {
    std::string suggestion;
    size_t best = 4;
    for (const auto known : kTestdbUrlParameters) {
        if (const size_t d = edit_distance(name, known); d < best) {
            best = d;
            suggestion = std::string(known);
        }
    }
    for (const auto& known : libpq_keywords()) {
        if (const size_t d = edit_distance(name, known); d < best) {
            best = d;
            suggestion = known;
        }
    }
    std::ostringstream msg;
    const std::string shown = maskPassword(name);  // a free-form name may hold a URI
    msg << where << ": unknown parameter '" << shown << "'. ";
    if (!suggestion.empty()) msg << "Did you mean '" << suggestion << "'? ";
    msg << "testdb understands connection_limit, pool_timeout, connect_timeout and "
           "application_name; any other parameter must be one libpq knows.";
    throw ConfigError(msg.str(), shown, "");
}

// What one URL says, before the TESTDB_* fallbacks are applied.
struct ParsedUrl {
    Config config;
    std::set<std::string> given;  // testdb parameters the URL set itself
};

std::string first_of_list(const char* value) {
    if (value == nullptr) return {};
    std::string text(value);
    return text.substr(0, text.find(','));
}

// Reads host, port, dbname and user through libpq's own parser, which also
// proves the rest of the URI is well formed.
void read_libpq_fields(Config& config, const std::string& where, std::string_view original) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(config.libpq_url.c_str(), &error);
    if (options == nullptr) {
        std::string cause = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        while (!cause.empty() && cause.back() == '\n') cause.pop_back();
        throw ConfigError(where + ": malformed URL " + maskPassword(original) + ": " +
                          detail::redact(cause, detail::password_candidates(original)) +
                          ". Expected postgresql://user@host:port/dbname?param=value.");
    }
    for (auto* o = options; o->keyword != nullptr; ++o) {
        const std::string_view key = o->keyword;
        // A port that is no number never connects, and is usually part of a
        // password holding an unencoded '/' (u:sec/ret@h reads as host "u",
        // port "sec"): say so without quoting it.
        if (key == "port" && o->val != nullptr &&
            std::string_view(o->val).find_first_not_of("0123456789,") != std::string_view::npos) {
            PQconninfoFree(options);
            throw ConfigError(where + ": the port in " + maskPassword(original) +
                              " is not a number. If the password contains '/', '?', '@' or '#', "
                              "percent-encode them (%2F, %3F, %40, %23).");
        }
        if (key == "host") config.host = first_of_list(o->val);
        if (key == "port") config.port = first_of_list(o->val);
        if (key == "dbname" && o->val != nullptr) config.dbname = o->val;
        if (key == "user" && o->val != nullptr) config.user = o->val;
    }
    PQconninfoFree(options);
}

ParsedUrl parse_url_unredacted(std::string_view url, ConfigSource source,
                               const std::string& where) {
    ParsedUrl parsed;
    Config& config = parsed.config;
    config.source = source;
    const std::string_view trimmed = url.substr(0, url.find_last_not_of(" \t\r\n") + 1);
    if (trimmed.rfind("postgresql://", 0) != 0 && trimmed.rfind("postgres://", 0) != 0) {
        throw ConfigError(where + ": '" + maskPassword(trimmed) +
                          "' is not a PostgreSQL URL. Expected "
                          "postgresql://user@host:port/dbname?param=value (a password goes after the user, user:PASSWORD@) "
                          "(unset it to use testdb's embedded server).");
    }
    // libpq's user info runs to the first '@' before the path, and a '?' in
    // it belongs to the password ("u:pa?ss@h"): the query starts after it.
    const size_t authority = trimmed.find("://") + 3;
    const size_t user_info_end = trimmed.find('@', authority);
    const size_t question = trimmed.find(
        '?', user_info_end < trimmed.find('/', authority) ? user_info_end : authority);
    std::string kept(trimmed.substr(0, question));
    std::string separator = "?";
    if (question != std::string_view::npos) {
        std::string_view query = trimmed.substr(question + 1);
        while (!query.empty()) {
            const size_t amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
            if (pair.empty()) continue;
            const size_t eq = pair.find('=');
            const std::string name = detail::percent_decode(pair.substr(0, eq));
            const std::string value =
                eq == std::string_view::npos ? "" : detail::percent_decode(pair.substr(eq + 1));
            const bool ours = std::find(std::begin(kTestdbUrlParameters),
                                        std::end(kTestdbUrlParameters),
                                        name) != std::end(kTestdbUrlParameters);
            if (!ours) {
                if (libpq_keywords().count(name) == 0) unknown_parameter(where, name);
                kept += separator + std::string(pair);
                separator = "&";
                continue;
            }
            if (!parsed.given.insert(name).second) {
                throw ConfigError(where + ": parameter '" + name +
                                  "' is given twice. Keep one " + name + "=... in the URL.");
            }
            if (name == "connection_limit") {
                config.connection_limit = parse_int(where, name, value, 1, 1000,
                                                    "the most connections this process opens");
            } else if (name == "pool_timeout") {
                config.pool_timeout = parse_timeout(where, name, value);
            } else if (name == "connect_timeout") {
                config.connect_timeout = parse_int(where, name, value, 1, 3600,
                                                   "seconds to establish one connection");
            } else {
                config.application_name = parse_application_name(where, value);
            }
        }
    }
    config.libpq_url = kept;
    read_libpq_fields(config, where, trimmed);
    return parsed;
}

// Parses `url`. Its messages quote the input through maskPassword(); a
// quoted setting or value can still be, or contain, the URL's password
// written elsewhere, so the URL's secrets are replaced inside those quotes
// (the error's facts). Only there: replacing them in the whole message
// would also rewrite testdb's wording wherever a short password spells part
// of it (a password "test" turned ".env.test.example" into ".env.****.example").
ParsedUrl parse_url(std::string_view url, ConfigSource source, const std::string& where) {
    try {
        return parse_url_unredacted(url, source, where);
    } catch (const ConfigError& e) {
        const std::vector<std::string> secrets = detail::password_candidates(url);
        std::string message = e.what();
        for (const std::string& quoted : {e.setting(), e.value()}) {
            const std::string shown = detail::replace_secrets(quoted, secrets);
            if (quoted.empty() || shown == quoted) continue;
            for (size_t at = message.find(quoted); at != std::string::npos;
                 at = message.find(quoted, at + shown.size())) {
                message.replace(at, quoted.size(), shown);
            }
        }
        throw ConfigError(message, detail::replace_secrets(e.setting(), secrets),
                          detail::replace_secrets(e.value(), secrets));
    }
}

// TESTDB_CONNECTION_LIMIT and friends: the pool settings for a server whose
// URL does not carry them (always the case for the embedded server).
void apply_setting_fallbacks(ParsedUrl& parsed) {
    Config& config = parsed.config;
    const auto fallback = [&](const char* url_name, const char* variable, auto apply) {
        if (parsed.given.count(url_name) != 0) return;
        if (auto found = detail::lookup_setting(variable)) {
            const std::string where =
                found->file ? std::string(variable) + " (from " + found->file->string() + ")"
                            : std::string(variable) + " (environment)";
            apply(where, found->value);
        }
    };
    fallback("connection_limit", "TESTDB_CONNECTION_LIMIT",
             [&](const std::string& where, const std::string& value) {
                 config.connection_limit = parse_int(where, "TESTDB_CONNECTION_LIMIT", value, 1,
                                                     1000, "the most connections per process");
             });
    fallback("pool_timeout", "TESTDB_POOL_TIMEOUT",
             [&](const std::string& where, const std::string& value) {
                 config.pool_timeout = parse_timeout(where, "TESTDB_POOL_TIMEOUT", value);
             });
    fallback("connect_timeout", "TESTDB_CONNECT_TIMEOUT",
             [&](const std::string& where, const std::string& value) {
                 config.connect_timeout = parse_int(where, "TESTDB_CONNECT_TIMEOUT", value, 1,
                                                    3600, "seconds to establish a connection");
             });
    fallback("application_name", "TESTDB_APPLICATION_NAME",
             [&](const std::string& where, const std::string& value) {
                 config.application_name = parse_application_name(where, value);
             });
    // The process budget has no URL parameter ("" is never a given name):
    // it belongs to the machine or CI job, not to one database URL.
    fallback("", "TESTDB_MAX_PROCESSES", [&](const std::string& where, const std::string& value) {
        config.max_processes = value == "auto" ? kAutoMaxProcesses
                                               : parse_int(where, "TESTDB_MAX_PROCESSES", value, 0,
                                                           10000,
                                                           "test processes sharing the server at "
                                                           "once, 0 for no budget, or auto");
    });
    fallback("", "TESTDB_SLOT_TIMEOUT", [&](const std::string& where, const std::string& value) {
        config.slot_timeout = parse_timeout(where, "TESTDB_SLOT_TIMEOUT", value);
    });
}

}  // namespace

Config Config::parse(std::string_view url, ConfigSource source) {
    return parse_url(url, source, origin_label(source, {})).config;
}

std::string Config::maskedUrl() const { return maskPassword(libpq_url); }

std::string Config::endpoint() const {
    const std::string where = host.empty() ? std::string("/var/run/postgresql") : host;
    return where + ":" + (port.empty() ? std::string("5432") : port);
}

std::string Config::toString() const {
    static constexpr const char* kSources[] = {"environment", ".env.test", "embedded",
                                               "explicit"};
    std::ostringstream out;
    out << maskedUrl() << " (connection_limit=" << connection_limit
        << " pool_timeout=" << pool_timeout.count() << "ms connect_timeout=" << connect_timeout
        << "s application_name=" << application_name
        << " source=" << kSources[static_cast<int>(source)];
    if (max_processes != 0) {
        out << " max_processes="
            << (max_processes == kAutoMaxProcesses ? std::string("auto")
                                                   : std::to_string(max_processes));
    }
    if (!source_file.empty()) out << " " << source_file.string();
    out << ")";
    return out.str();
}

std::string Config::connectionString(std::string_view run_token) const {
    const char separator = libpq_url.find('?') == std::string::npos ? '?' : '&';
    return libpq_url + separator + "connect_timeout=" + std::to_string(connect_timeout) +
           "&application_name=" +
           detail::percent_encode(application_name + "-" + std::string(run_token));
}

Config loadConfig() {
    // A CI secret that did not arrive leaves the variable set but empty:
    // running on the embedded server then would pass against a database
    // nobody meant, so only an unset variable asks for the embedded server.
    if (auto blank = detail::blank_setting_origin("DATABASE_URL_TEST")) {
        throw ConfigError("ConfigError: DATABASE_URL_TEST is set but empty (" + *blank +
                              "), so there is no server to test against.\n"
                              "Fix: set it to your test server's URL, or unset it (remove the "
                              "line from .env.test) so testdb starts its own embedded PostgreSQL.",
                          "DATABASE_URL_TEST", "");
    }
    ParsedUrl parsed;
    if (auto url = detail::lookup_setting("DATABASE_URL_TEST")) {
        const ConfigSource source =
            url->file ? ConfigSource::DotEnvFile : ConfigSource::Environment;
        parsed = parse_url(url->value, source, origin_label(source, url->file.value_or("")));
        if (url->file) parsed.config.source_file = *url->file;
    } else {
        parsed.config.source = ConfigSource::Embedded;
    }
    apply_setting_fallbacks(parsed);
    return parsed.config;
}

}  // namespace testdb
