// Password masking and percent coding: everything that keeps a password out
// of logs and messages lives here, so there is one place to get it right.
#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "harness/config/url.hpp"
#include "testdb/config.hpp"

namespace testdb {
namespace detail {
namespace {

constexpr std::string_view kMask = "****";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 3986's unreserved characters, in ASCII whatever the locale says.
bool is_unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

// Where the password in the user info of the URI whose "://" is at `scheme`
// can be: it starts after the first ':' and ends at an '@'. libpq ends the
// user info at the first '@' before the path, and a '?' does not end it
// (postgresql://u:pa?ss@h/db has the password "pa?ss"); a password that
// itself holds an unencoded '@' or '/' would end it earlier, so the last '@'
// before the query is a possible end too. Masking takes the widest span
// (over-masking is harmless); redaction looks for each reading on its own,
// since libpq's messages quote its own reading.
struct UriPassword {
    size_t begin = 0;
    std::vector<size_t> ends;  // one per reading, each > begin - 1
};

std::optional<UriPassword> uri_password(std::string_view url, size_t scheme) {
    const size_t start = scheme + 3;
    const std::string_view rest = url.substr(start);
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    UriPassword found;
    found.begin = start + colon + 1;
    const size_t libpq_at = rest.find('@');
    if (libpq_at != std::string_view::npos && libpq_at < rest.find('/') && colon < libpq_at) {
        found.ends.push_back(start + libpq_at);
    }
    const size_t wide_at = rest.substr(0, rest.find('?')).rfind('@');
    if (wide_at != std::string_view::npos && colon < wide_at) {
        found.ends.push_back(start + wide_at);
    }
    // The same reading within the URI's line: a message or .env file may
    // quote the URI on one line and go on with more text and '@'s after it.
    const std::string_view line = rest.substr(0, rest.find_first_of("\r\n"));
    const size_t line_at = line.substr(0, line.find('?')).rfind('@');
    if (line_at != std::string_view::npos && colon < line_at && line_at != wide_at) {
        found.ends.push_back(start + line_at);
    }
    if (found.ends.empty()) return std::nullopt;
    return found;
}

// The widest span [begin, end) of that password, for masking.
std::optional<std::pair<size_t, size_t>> uri_password_span(std::string_view url, size_t scheme) {
    const auto found = uri_password(url, scheme);
    if (!found) return std::nullopt;
    return std::make_pair(found->begin, *std::max_element(found->ends.begin(), found->ends.end()));
}

// Keys whose values are secrets, in URI queries and key=value strings.
constexpr std::array<std::string_view, 2> kSecretKeys = {"password", "sslpassword"};

// Whether `text` at `pos` starts the key `key` followed by optional spaces
// and '=', with a key boundary before it. Returns the position after '='.
std::optional<size_t> secret_value_start(std::string_view text, size_t pos,
                                         std::string_view key) {
    if (text.compare(pos, key.size(), key) != 0) return std::nullopt;
    if (pos > 0) {
        const unsigned char before = static_cast<unsigned char>(text[pos - 1]);
        if (std::isalnum(before) != 0 || before == '_') return std::nullopt;
    }
    // libpq allows any whitespace around '=' ("password =\tsecret").
    const auto space = [&](size_t at) {
        return at < text.size() && std::isspace(static_cast<unsigned char>(text[at])) != 0;
    };
    size_t p = pos + key.size();
    while (space(p)) ++p;
    if (p >= text.size() || text[p] != '=') return std::nullopt;
    ++p;
    while (space(p)) ++p;
    return p;
}

// Whether position `p` lies in a URI's query string ("...://...?k=v&k=v"
// with no whitespace since the '?'), where '&' separates parameters. In a
// libpq key=value string only whitespace ends a value: "password=a&b" there
// is the password "a&b".
bool in_uri_query(std::string_view text, size_t p) {
    const size_t question = text.rfind('?', p);
    if (question == std::string_view::npos || text.rfind("://", question) == std::string_view::npos) {
        return false;
    }
    const std::string_view between = text.substr(question, p - question);
    return between.find_first_of(" \t\r\n\v\f") == std::string_view::npos;
}

// End of a secret value starting at `p`: a quoted conninfo value runs to its
// closing quote; anything else to whitespace or the end, and in a URI query
// also to the next '&'. A backslash escapes the next character, as in libpq.
size_t secret_value_end(std::string_view text, size_t p) {
    if (p < text.size() && text[p] == '\'') {
        size_t q = p + 1;
        while (q < text.size() && text[q] != '\'') q += (text[q] == '\\') ? 2 : 1;
        return std::min(q + 1, text.size());
    }
    const bool query = in_uri_query(text, p);
    size_t q = p;
    while (q < text.size() && !(query && text[q] == '&') &&
           std::isspace(static_cast<unsigned char>(text[q])) == 0) {
        q += (text[q] == '\\') ? 2 : 1;
    }
    return std::min(q, text.size());
}

void add_candidate(std::vector<std::string>& out, std::string_view raw) {
    if (raw.empty()) return;
    std::string value(raw);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        value = value.substr(1, value.size() - 2);
    }
    // As written, decoded and encoded: a message may quote any of them (the
    // URL's own text, libpq's decoded reading, a URL testdb built from it).
    out.push_back(value);
    out.push_back(percent_decode(value));
    out.push_back(percent_encode(out.back()));
}

}  // namespace

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (is_unreserved(byte)) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4U]);
            out.push_back(kHex[byte & 0x0FU]);
        }
    }
    return out;
}

std::vector<std::string> password_candidates(std::string_view text) {
    std::vector<std::string> out;
    for (size_t scheme = text.find("://"); scheme != std::string_view::npos;
         scheme = text.find("://", scheme + 3)) {
        if (auto found = uri_password(text, scheme)) {
            for (const size_t end : found->ends) {
                add_candidate(out, text.substr(found->begin, end - found->begin));
            }
        }
    }
    for (size_t pos = 0; pos < text.size(); ++pos) {
        for (const auto key : kSecretKeys) {
            if (auto start = secret_value_start(text, pos, key)) {
                add_candidate(out, text.substr(*start, secret_value_end(text, *start) - *start));
            }
        }
    }
    return out;
}

std::string replace_secrets(std::string_view text, std::vector<std::string> secrets) {
    // Longest first, so a secret that contains another is replaced whole.
    std::sort(secrets.begin(), secrets.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    std::string out(text);
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (size_t pos = out.find(secret); pos != std::string::npos;
             pos = out.find(secret, pos + kMask.size())) {
            out.replace(pos, secret.size(), kMask);
        }
    }
    return out;
}

std::string redact(std::string_view text, std::vector<std::string> secrets) {
    return maskPassword(replace_secrets(text, std::move(secrets)));
}

}  // namespace detail

std::string maskPassword(std::string_view url_or_conninfo) {
    const std::string_view text = url_or_conninfo;
    // Every reading that finds a secret in the original text adds its span:
    // each URI's user info (a message may quote several URIs) and each
    // password=/sslpassword= value. Masking the union means one reading can
    // never hide a secret from another (masking a URI password first used to
    // erase a "password=" key written inside it, leaving its value readable).
    std::vector<std::pair<size_t, size_t>> spans;
    for (size_t scheme = text.find("://"); scheme != std::string_view::npos;
         scheme = text.find("://", scheme + 3)) {
        if (auto span = detail::uri_password_span(text, scheme)) spans.push_back(*span);
    }
    for (size_t pos = 0; pos < text.size(); ++pos) {
        for (const auto key : detail::kSecretKeys) {
            if (auto start = detail::secret_value_start(text, pos, key)) {
                spans.emplace_back(*start, detail::secret_value_end(text, *start));
            }
        }
    }
    std::sort(spans.begin(), spans.end());
    std::string out;
    size_t copied = 0;  // text before this is in `out` (or masked)
    for (size_t i = 0; i < spans.size();) {
        size_t begin = spans[i].first;
        size_t end = spans[i].second;
        for (++i; i < spans.size() && spans[i].first <= end; ++i) {
            end = std::max(end, spans[i].second);
        }
        begin = std::max(begin, copied);
        out.append(text.substr(copied, begin - copied));
        out.append(detail::kMask);
        copied = std::max(end, begin);
    }
    out.append(text.substr(std::min(copied, text.size())));
    return out;
}

}  // namespace testdb
