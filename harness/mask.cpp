// Password masking and percent coding: everything that keeps a password out
// of logs and messages lives here, so there is one place to get it right.
#include <algorithm>
#include <array>
#include <cctype>

#include "harness/detail/url.hpp"
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

bool is_unreserved(unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

// The span [begin, end) of the password in a URI's user info, if any.
// libpq ends the user info at the first '@' before the path; a password that
// itself holds an unencoded '@' or '/' would end it earlier, so we take the
// last '@' before the query to be conservative: over-masking is harmless.
std::optional<std::pair<size_t, size_t>> uri_password_span(std::string_view url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return std::nullopt;
    const size_t start = scheme + 3;
    const size_t query = url.find('?', start);
    const std::string_view head = url.substr(start, query == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : query - start);
    const size_t at = head.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    const size_t colon = head.find(':');
    if (colon == std::string_view::npos || colon > at) return std::nullopt;
    return std::make_pair(start + colon + 1, start + at);
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
    size_t p = pos + key.size();
    while (p < text.size() && text[p] == ' ') ++p;
    if (p >= text.size() || text[p] != '=') return std::nullopt;
    ++p;
    while (p < text.size() && text[p] == ' ') ++p;
    return p;
}

// End of a secret value starting at `p`: a quoted conninfo value runs to its
// closing quote, anything else to the next '&', whitespace or end.
size_t secret_value_end(std::string_view text, size_t p) {
    if (p < text.size() && text[p] == '\'') {
        size_t q = p + 1;
        while (q < text.size() && text[q] != '\'') q += (text[q] == '\\') ? 2 : 1;
        return std::min(q + 1, text.size());
    }
    size_t q = p;
    while (q < text.size() && text[q] != '&' && text[q] != ' ' && text[q] != '\t' &&
           text[q] != '\n') {
        ++q;
    }
    return q;
}

void add_candidate(std::vector<std::string>& out, std::string_view raw) {
    if (raw.empty()) return;
    std::string value(raw);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        value = value.substr(1, value.size() - 2);
    }
    out.push_back(value);
    out.push_back(percent_decode(value));
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
    if (auto span = uri_password_span(text)) {
        add_candidate(out, text.substr(span->first, span->second - span->first));
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

std::string redact(std::string_view text, std::vector<std::string> secrets) {
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
    return mask_password(out);
}

}  // namespace detail

std::string mask_password(std::string_view url_or_conninfo) {
    std::string out(url_or_conninfo);
    if (auto span = detail::uri_password_span(out)) {
        out.replace(span->first, span->second - span->first, detail::kMask);
    }
    for (size_t pos = 0; pos < out.size(); ++pos) {
        for (const auto key : detail::kSecretKeys) {
            if (auto start = detail::secret_value_start(out, pos, key)) {
                const size_t end = detail::secret_value_end(out, *start);
                if (out.compare(*start, end - *start, detail::kMask) != 0) {
                    out.replace(*start, end - *start, detail::kMask);
                }
            }
        }
    }
    return out;
}

}  // namespace testdb
