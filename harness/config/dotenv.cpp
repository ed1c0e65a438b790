// The .env.test file: finding it, parsing it, and reading settings through it.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "harness/config/url.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
        s.remove_suffix(1);
    }
    return s;
}

bool valid_key(std::string_view key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front())) != 0) return false;
    for (const char c : key) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
    }
    return true;
}

[[noreturn]] void bad_line(std::string_view origin, size_t line_no, std::string_view line,
                           std::string_view cause) {
    std::ostringstream msg;
    msg << origin << ":" << line_no << ": " << cause << " in `" << maskPassword(line)
        << "`. Write one setting per line as KEY=value (quotes optional, # starts a "
           "comment); see "
        << envExamplePath() << ".";
    throw ConfigError(msg.str());
}

// A double-quoted value: backslash escapes \n, \t, \", \\ are understood.
std::string unescape_double_quoted(std::string_view body) {
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\\' && i + 1 < body.size()) {
            const char next = body[++i];
            out.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
        } else {
            out.push_back(body[i]);
        }
    }
    return out;
}

// Parses the value part of one line (after '='), reporting errors for it.
std::string parse_value(std::string_view raw, std::string_view origin, size_t line_no,
                        std::string_view line) {
    std::string_view value = trim(raw);
    if (value.empty()) return {};
    const char quote = value.front();
    if (quote == '"' || quote == '\'') {
        size_t close = 1;
        while (close < value.size() && value[close] != quote) {
            close += (quote == '"' && value[close] == '\\') ? 2 : 1;
        }
        if (close >= value.size()) bad_line(origin, line_no, line, "unterminated quote");
        const std::string_view rest = trim(value.substr(close + 1));
        if (!rest.empty() && rest.front() != '#') {
            bad_line(origin, line_no, line, "text after the closing quote");
        }
        const std::string_view body = value.substr(1, close - 1);
        return quote == '"' ? unescape_double_quoted(body) : std::string(body);
    }
    // Unquoted: a '#' after whitespace starts a comment (a '#' inside a
    // password such as pa#ss stays part of the value).
    for (size_t i = 1; i < value.size(); ++i) {
        if (value[i] == '#' && std::isspace(static_cast<unsigned char>(value[i - 1])) != 0) {
            value = trim(value.substr(0, i));
            break;
        }
    }
    return std::string(value);
}

// Parsed .env.test files, re-read only when the file changes: settings are
// read on every getTestDb(), log level and report lookups.
struct DotenvCache {
    std::mutex mutex;
    std::filesystem::path path;
    std::filesystem::file_time_type mtime;
    std::map<std::string, std::string> values;
};

std::map<std::string, std::string> read_dotenv(const std::filesystem::path& path) {
    // Never destroyed: settings are read during exit too (the first log line
    // of a Lease released from static storage reads TESTDB_LOG_LEVEL).
    static DotenvCache& cache = *new DotenvCache;
    const auto mtime = std::filesystem::last_write_time(path);
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (cache.path == path && cache.mtime == mtime) return cache.values;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError("cannot read " + path.string() +
                          ": check its permissions, or remove it to use the environment only");
    }
    std::ostringstream text;
    text << in.rdbuf();
    cache.values = parseDotenv(text.str(), path.string());
    cache.path = path;
    cache.mtime = mtime;
    return cache.values;
}

}  // namespace

std::map<std::string, std::string> parseDotenv(std::string_view text, std::string_view origin) {
    std::map<std::string, std::string> values;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::string_view body = trim(line);
        if (body.empty() || body.front() == '#') continue;
        if (body.substr(0, 7) == "export " || body.substr(0, 7) == "export\t") {
            body = trim(body.substr(7));
        }
        const size_t eq = body.find('=');
        if (eq == std::string_view::npos) bad_line(origin, line_no, line, "missing '='");
        const std::string_view key = trim(body.substr(0, eq));
        if (!valid_key(key)) {
            // The "name" may be a whole URL that lacks its key: mask it too.
            bad_line(origin, line_no, line, "invalid name '" + maskPassword(key) + "'");
        }
        values[std::string(key)] = parse_value(body.substr(eq + 1), origin, line_no, line);
        if (end == text.size()) break;
    }
    return values;
}

std::optional<std::filesystem::path> findDotenvFile(const std::filesystem::path& start) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::absolute(start, ec);
    if (ec) return std::nullopt;
    while (true) {
        const auto candidate = dir / ".env.test";
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
        // The repository root is the last directory looked at: a .env.test
        // above it belongs to something else.
        if (std::filesystem::exists(dir / ".git", ec) || !dir.has_parent_path() ||
            dir.parent_path() == dir) {
            return std::nullopt;
        }
        dir = dir.parent_path();
    }
}

namespace detail {
namespace {

// The nearest .env.test above the working directory, and its settings.
std::optional<std::pair<std::filesystem::path, std::map<std::string, std::string>>>
nearest_dotenv() {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (ec) return std::nullopt;
    const auto file = findDotenvFile(cwd);
    if (!file) return std::nullopt;
    return std::make_pair(*file, read_dotenv(*file));
}

}  // namespace

std::optional<SettingValue> lookup_setting(const std::string& name) {
    if (const char* value = std::getenv(name.c_str()); value != nullptr && *value != '\0') {
        return SettingValue{value, std::nullopt};
    }
    const auto dotenv = nearest_dotenv();
    if (!dotenv) return std::nullopt;
    const auto it = dotenv->second.find(name);
    if (it == dotenv->second.end() || it->second.empty()) return std::nullopt;
    return SettingValue{it->second, dotenv->first};
}

std::optional<std::string> blank_setting_origin(const std::string& name) {
    if (const char* value = std::getenv(name.c_str()); value != nullptr) {
        return trim(value).empty() ? std::optional<std::string>("environment") : std::nullopt;
    }
    const auto dotenv = nearest_dotenv();
    if (!dotenv) return std::nullopt;
    const auto it = dotenv->second.find(name);
    if (it == dotenv->second.end() || !trim(it->second).empty()) return std::nullopt;
    return dotenv->first.string();
}

}  // namespace detail

std::string envExamplePath() {
    std::error_code ec;
    for (const char* candidate : {TESTDB_ENV_EXAMPLE_INSTALLED, TESTDB_ENV_EXAMPLE_SOURCE}) {
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    }
    return ".env.test.example (in testdb's source tree)";
}

std::optional<std::string> setting(const std::string& name) {
    if (auto found = detail::lookup_setting(name)) return found->value;
    return std::nullopt;
}

}  // namespace testdb
