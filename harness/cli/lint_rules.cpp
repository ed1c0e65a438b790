#include "lint_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include "testdb/context.hpp"

namespace testdb::cli {
namespace {

/// A string literal: where its opening quote is, and what it says.
struct Literal {
    std::size_t open = 0;   ///< offset of the opening quote
    std::size_t close = 0;  ///< offset of the closing quote
    std::string content;    ///< the characters between the quotes (escapes resolved)
};

/// The source with comments and literal contents blanked out (same length,
/// newlines kept, so offsets and line numbers still match) plus its literals.
struct Lexed {
    std::string code;
    std::vector<Literal> literals;
};

bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

void blank(std::string& code, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to && i < code.size(); ++i) {
        if (code[i] != '\n') {
            code[i] = ' ';
        }
    }
}

// An ordinary string or character literal starting at `quote`; returns the
// offset just past it.
std::size_t lex_quoted(const std::string& text, std::size_t quote, Lexed& out) {
    const char delimiter = text[quote];
    std::string content;
    std::size_t j = quote + 1;
    while (j < text.size() && text[j] != delimiter && text[j] != '\n') {
        if (text[j] == '\\' && j + 1 < text.size()) {
            const char e = text[j + 1];
            content += e == 'n' ? '\n' : e == 't' ? '\t' : e;
            j += 2;
        } else {
            content += text[j++];
        }
    }
    blank(out.code, quote + 1, j);
    if (delimiter == '"') {
        out.literals.push_back({quote, j, content});
    }
    return j + 1;
}

// A raw string R"delim(...)delim" whose quote is at `quote`.
std::size_t lex_raw(const std::string& text, std::size_t quote, Lexed& out) {
    const std::size_t paren = text.find('(', quote);
    if (paren == std::string::npos) {
        return quote + 1;
    }
    const std::string end = ")" + text.substr(quote + 1, paren - quote - 1) + "\"";
    std::size_t stop = text.find(end, paren);
    if (stop == std::string::npos) {
        stop = text.size();
    }
    blank(out.code, quote + 1, stop + end.size() - 1);
    out.literals.push_back(
        {quote, stop + end.size() - 1, text.substr(paren + 1, stop - paren - 1)});
    return std::min(text.size(), stop + end.size());
}

Lexed lex(const std::string& text) {
    static const std::set<std::string> kPrefixes = {"L", "u", "U", "u8"};
    static const std::set<std::string> kRawPrefixes = {"R", "LR", "uR", "UR", "u8R"};
    Lexed out{text, {}};
    std::size_t i = 0;
    bool line_start = true;
    while (i < text.size()) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (c == '\n') {
            line_start = true;
            ++i;
            continue;
        }
        if (line_start && c == '#') {  // preprocessor line: #include "x" is no literal
            const std::size_t end = text.find('\n', i);
            blank(out.code, i, end);
            i = end == std::string::npos ? text.size() : end;
            continue;
        }
        if (!std::isspace(static_cast<unsigned char>(c))) {
            line_start = false;
        }
        if (c == '/' && next == '/') {
            const std::size_t end = text.find('\n', i);
            blank(out.code, i, end == std::string::npos ? text.size() : end);
            i = end == std::string::npos ? text.size() : end;
        } else if (c == '/' && next == '*') {
            const std::size_t end = text.find("*/", i + 2);
            const std::size_t stop = end == std::string::npos ? text.size() : end + 2;
            blank(out.code, i, stop);
            i = stop;
        } else if (c == '"' || c == '\'') {
            i = lex_quoted(text, i, out);
        } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            // pp-number, so 1'000'000 is no character literal
            ++i;
            while (i < text.size() && (ident_char(text[i]) || text[i] == '.' || text[i] == '\'' ||
                                       ((text[i] == '+' || text[i] == '-') &&
                                        std::strchr("eEpP", text[i - 1]) != nullptr))) {
                ++i;
            }
        } else if (ident_char(c)) {
            std::size_t j = i;
            while (j < text.size() && ident_char(text[j])) {
                ++j;
            }
            const std::string word = text.substr(i, j - i);
            if (j < text.size() && text[j] == '"' && kRawPrefixes.count(word) != 0) {
                i = lex_raw(text, j, out);
            } else if (j < text.size() && (text[j] == '"' || text[j] == '\'') &&
                       kPrefixes.count(word) != 0) {
                i = lex_quoted(text, j, out);
            } else {
                i = j;
            }
        } else {
            ++i;
        }
    }
    return out;
}

/// Line numbers of offsets.
class Lines {
public:
    explicit Lines(const std::string& text) {
        starts_.push_back(0);
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\n') {
                starts_.push_back(i + 1);
            }
        }
    }
    int of(std::size_t offset) const {
        return static_cast<int>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                                starts_.begin());
    }

private:
    std::vector<std::size_t> starts_;
};

/// The rules each line allows ("all" = every rule); line 0 = the whole file.
std::map<int, std::set<std::string>> allowances(const std::string& text) {
    static const std::regex kAllow(R"(testdb-lint:\s*allow(-file)?\s+([^\n]*))");
    std::map<int, std::set<std::string>> allowed;
    std::istringstream in(text);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        std::smatch m;
        if (!std::regex_search(line, m, kAllow)) {
            continue;
        }
        std::string words = m[2].str();
        std::replace(words.begin(), words.end(), ',', ' ');
        std::istringstream list(words);
        for (std::string word; list >> word;) {
            if (word != "all" && std::find(std::begin(kLintRules), std::end(kLintRules), word) ==
                                     std::end(kLintRules)) {
                break;  // the rest is the reason
            }
            allowed[m[1].matched ? 0 : number].insert(word);
        }
    }
    return allowed;
}

// The non-space character before `pos` in `code` and its offset (npos: none).
std::size_t previous_token(const std::string& code, std::size_t pos) {
    while (pos > 0) {
        --pos;
        if (!std::isspace(static_cast<unsigned char>(code[pos]))) {
            return pos;
        }
    }
    return std::string::npos;
}

// The identifier ending at `end` (inclusive), and where it starts.
std::string identifier_before(const std::string& code, std::size_t end, std::size_t& start) {
    start = end + 1;
    while (start > 0 && ident_char(code[start - 1])) {
        --start;
    }
    return code.substr(start, end + 1 - start);
}

// Slugs nobody would give a tenant of one particular file: flagged anywhere.
constexpr std::string_view kGenericSlugs[] = {
    "test-tenant", "test-package", "test-slug", "tenant-a", "tenant-b", "tenant-1", "tenant-2"};
// Words that are generic slugs only where a slug or tenant is meant (a slug
// argument, or a line that mentions slug/tenant): "test" alone is common.
constexpr std::string_view kGenericWords[] = {"test", "default", "tenant", "slug"};
// Catch2 macros whose string arguments are names, not slugs.
constexpr std::string_view kNameMacros[] = {"TEST_CASE",
                                            "TEST_CASE_METHOD",
                                            "SECTION",
                                            "SCENARIO",
                                            "GIVEN",
                                            "WHEN",
                                            "THEN",
                                            "AND_GIVEN",
                                            "AND_WHEN",
                                            "AND_THEN",
                                            "TEMPLATE_TEST_CASE",
                                            "DYNAMIC_SECTION",
                                            "INFO",
                                            "WARN",
                                            "FAIL",
                                            "FAIL_CHECK",
                                            "SUCCEED"};

template <std::size_t N>
bool one_of(const std::string_view (&table)[N], std::string_view word) {
    return std::find(std::begin(table), std::end(table), word) != std::end(table);
}

// The code of the line holding `offset` mentions a slug or a tenant.
bool mentions_tenant(const std::string& code, std::size_t offset) {
    static const std::regex kWords(R"([Ss]lug|[Tt]enant)");
    const std::size_t begin = code.rfind('\n', offset);
    const std::size_t end = code.find('\n', offset);
    const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
    const std::string line =
        code.substr(from, (end == std::string::npos ? code.size() : end) - from);
    return std::regex_search(line, kWords);
}

enum class SlugUse { None, Name, Slug };

// How the literal is used: as a test/section name, as a slug argument, or other.
SlugUse classify(const Lexed& lexed, const Literal& literal) {
    const std::string& code = lexed.code;
    const std::size_t prev = previous_token(code, literal.open);
    if (prev == std::string::npos) {
        return SlugUse::None;
    }
    std::size_t start = 0;
    if (code[prev] == '(') {
        const std::size_t name_end = previous_token(code, prev);
        if (name_end == std::string::npos || !ident_char(code[name_end])) {
            return SlugUse::None;
        }
        const std::string name = identifier_before(code, name_end, start);
        if (one_of(kNameMacros, name)) {
            return SlugUse::Name;
        }
        if (name == "setupCompleteIntegrationTest") {
            return SlugUse::Slug;
        }
        const std::size_t before = previous_token(code, start);
        const bool member =
            before != std::string::npos &&
            (code[before] == '.' || (code[before] == '>' && before > 0 && code[before - 1] == '-'));
        return name == "slug" && member ? SlugUse::Slug : SlugUse::None;
    }
    if (code[prev] == '=' && prev > 0 && std::strchr("=!<>", code[prev - 1]) == nullptr) {
        const std::size_t name_end = previous_token(code, prev);
        if (name_end != std::string::npos && ident_char(code[name_end])) {
            const std::string name = identifier_before(code, name_end, start);
            return name == "slug" ? SlugUse::Slug : SlugUse::None;
        }
    }
    if (code[prev] == ',') {  // {"slug", "value"}
        const std::size_t quote = previous_token(code, prev);
        for (const Literal& other : lexed.literals) {
            if (other.close == quote) {
                return other.content == "slug" ? SlugUse::Slug : SlugUse::None;
            }
        }
    }
    return SlugUse::None;
}

}  // namespace

std::vector<LintFinding> lint_source(const std::string& path, const std::string& text) {
    static const std::regex kRawPqxx(
        R"(\bpqxx\s*::\s*(lazyconnection|asyncconnection|connection)\b(?!\s*[&*]|\s*::))");
    static const std::regex kRawLibpq(
        R"(\b(PQconnectdbParams|PQconnectdb|PQsetdbLogin|PQsetdb|PQconnectStartParams|PQconnectStart)\s*\()");
    static const std::regex kTenantUse(R"(\b(tenantA|tenantB|Tenants|Tenant|Factory)\b)");
    static const std::regex kContext(
        R"(\bcontext\s*\(\s*\)|\bsetupCompleteIntegrationTest\s*\(|\bTestContext\b)");

    const Lexed lexed = lex(text);
    const Lines lines(text);
    const auto allowed = allowances(text);
    const std::string file_slug = slugFromFileName(path);
    std::vector<LintFinding> findings;
    const auto add = [&](std::size_t offset, const std::string& rule, const std::string& message) {
        const int line = lines.of(offset);
        for (const int key : {0, line}) {
            const auto it = allowed.find(key);
            if (it != allowed.end() && (it->second.count(rule) || it->second.count("all"))) {
                return;
            }
        }
        findings.push_back({path, line, rule, message});
    };

    const std::string& code = lexed.code;
    for (std::sregex_iterator m(code.begin(), code.end(), kRawPqxx), end; m != end; ++m) {
        add(static_cast<std::size_t>(m->position()), "raw-connection",
            "pqxx::" + (*m)[1].str() +
                " opens a connection outside testdb's pool; use testdb::withTransaction(), "
                "withConnection() or getTestDb().acquire()");
    }
    for (std::sregex_iterator m(code.begin(), code.end(), kRawLibpq), end; m != end; ++m) {
        add(static_cast<std::size_t>(m->position()), "raw-connection",
            (*m)[1].str() +
                "() opens a connection outside testdb's pool; use testdb::withTransaction(), "
                "withConnection() or getTestDb().acquire()");
    }

    for (const Literal& literal : lexed.literals) {
        const SlugUse use = classify(lexed, literal);
        if (use == SlugUse::Name) {
            continue;
        }
        const bool generic = one_of(kGenericSlugs, literal.content) ||
                             (one_of(kGenericWords, literal.content) &&
                              (use == SlugUse::Slug || mentions_tenant(lexed.code, literal.open)));
        if (generic && literal.content == "slug" && use != SlugUse::Slug) {
            continue;  // the column name in {"slug", value}
        }
        if (generic) {
            std::ostringstream message;
            message << '"' << literal.content
                    << "\" is a generic slug other files use too; use the tenants of "
                       "testdb::context() or a slug starting with \""
                    << file_slug << "-\"";
            add(literal.open, "generic-slug", message.str());
        } else if (use == SlugUse::Slug && literal.content != file_slug &&
                   literal.content.rfind(file_slug + "-", 0) != 0) {
            std::ostringstream message;
            message << "slug \"" << literal.content << "\" is not derived from this file; use \""
                    << file_slug << "\" or start it with \"" << file_slug << "-\"";
            add(literal.open, "generic-slug", message.str());
        }
    }

    // Headers are exempt: they define shared factories and helpers, and the
    // test file that includes them takes the context.
    const bool header = path.size() > 4 && path.compare(path.size() - 4, 4, ".hpp") == 0;
    std::smatch use;
    if (!header && std::regex_search(code, use, kTenantUse) && !std::regex_search(code, kContext)) {
        std::string message = "uses ";
        message += use[1].str();
        message +=
            " but never takes the test context; call testdb::context() in the test (or "
            "testdb::setupCompleteIntegrationTest() at file scope) so tenants belong to this "
            "file and are cleaned up";
        add(static_cast<std::size_t>(use.position()), "no-context", message);
    }

    std::stable_sort(findings.begin(), findings.end(),
                     [](const LintFinding& a, const LintFinding& b) {
                         return std::tie(a.line, a.rule) < std::tie(b.line, b.rule);
                     });
    return findings;
}

}  // namespace testdb::cli
