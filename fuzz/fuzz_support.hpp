// Shared by testdb's libFuzzer targets: the exception contract (only
// testdb::Error may escape a parser) and the password oracle (which secrets
// an input carries, worked out independently of testdb's own masking code:
// libpq's parser where it accepts the input, plain text rules otherwise).
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testdb/errors.hpp"

namespace fuzz {

/// Reports a broken property and aborts, which libFuzzer records as a crash
/// (with the input saved as crash-<sha1>).
[[noreturn]] inline void finding(const std::string& what, std::string_view input,
                                 std::string_view output = {}) {
    std::fprintf(stderr, "\n=== testdb fuzz finding: %s\n--- input (%zu bytes):\n%.*s\n",
                 what.c_str(), input.size(), static_cast<int>(input.size()), input.data());
    if (!output.empty()) {
        std::fprintf(stderr, "--- output:\n%.*s\n", static_cast<int>(output.size()), output.data());
    }
    std::abort();
}

/// Runs `fn`; testdb::Error (and its subclasses) is the documented failure,
/// passed to `on_error`; any other exception is a finding.
template <typename Fn, typename OnError>
void expect_only_testdb_errors(std::string_view input, Fn&& fn, OnError&& on_error) {
    try {
        fn();
    } catch (const testdb::Error& e) {
        on_error(std::string(e.what()));
    } catch (const std::exception& e) {
        finding(std::string("non-testdb exception: ") + e.what(), input);
    } catch (...) {
        finding("non-std exception", input);
    }
}

inline std::string percent_decode(std::string_view text) {
    auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
            hex(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

inline std::size_t occurrences(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
         pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

/// One password an input carries: `form` is what must never be printed,
/// `raw` the text of the input it came from (empty when libpq decoded it
/// from quotes or escapes and it has no literal form in the input).
struct Candidate {
    std::string raw;
    std::string form;
};

/// True when the "password" at `pos` of `text` starts a key as libpq reads
/// one ("password" or "sslpassword" after a key boundary: not a letter,
/// digit or '_'); in "postgrespassword=x" or "p%41password=" it does not.
inline bool starts_password_key(std::string_view text, std::size_t pos) {
    std::size_t key = pos;
    if (key >= 3 && text.substr(key - 3, 3) == "ssl") key -= 3;
    return key == 0 ||
           (std::isalnum(static_cast<unsigned char>(text[key - 1])) == 0 && text[key - 1] != '_');
}

/// True when position `at` of `text` starts the value of a password key:
/// "password" (or "sslpassword") at a key boundary, optional blanks, '=',
/// optional blanks, and an optional opening quote end right before `at`.
/// Only there is a literal copy of a libpq-decoded value that value itself;
/// the same text elsewhere (a database name, a path, another line) merely
/// spells the same thing.
inline bool starts_password_value(std::string_view text, std::size_t at) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; };
    std::size_t pos = at;
    if (pos > 0 && (text[pos - 1] == '\'' || text[pos - 1] == '"')) --pos;
    while (pos > 0 && blank(text[pos - 1])) --pos;
    if (pos == 0 || text[pos - 1] != '=') return false;
    --pos;
    while (pos > 0 && blank(text[pos - 1])) --pos;
    constexpr std::string_view kKey = "password";
    return pos >= kKey.size() && text.substr(pos - kKey.size(), kKey.size()) == kKey &&
           starts_password_key(text, pos - kKey.size());
}

/// The passwords `text` carries: what libpq itself would send (when libpq
/// parses it), the user-info password of each URI by libpq's rule (first
/// ':' to first '@' before the first '/') and by the wider rule (to the last
/// '@' before the query), and every `password=` value, as written and
/// percent-decoded. Only candidates worth checking are kept: longer than 3
/// characters, no '*' (the mask itself), and neither it nor the text it was
/// decoded from occurring anywhere else in the input (the same text as the
/// host, a parameter name or a comment may legitimately stay).
inline std::vector<Candidate> password_candidates(std::string_view text) {
    std::vector<std::string> raw;
    std::vector<std::string> decoded_by_libpq;
    // libpq's reading, line by line (a .env file or a message is no single
    // conninfo string: "sslpassword=" at the end of one line does not take
    // the next line's text as its value).
    for (std::size_t line_start = 0; line_start <= text.size();) {
        const std::size_t line_end = std::min(text.find_first_of("\r\n", line_start), text.size());
        const std::string line(text.substr(line_start, line_end - line_start));
        line_start = line_end + 1;
        if (line.find('\0') != std::string::npos) continue;
        char* error = nullptr;
        if (PQconninfoOption* options = PQconninfoParse(line.c_str(), &error)) {
            for (auto* o = options; o->keyword != nullptr; ++o) {
                const std::string_view key = o->keyword;
                if ((key == "password" || key == "sslpassword") && o->val != nullptr) {
                    decoded_by_libpq.emplace_back(o->val);
                }
            }
            PQconninfoFree(options);
        }
        PQfreemem(error);
    }
    for (std::size_t scheme = text.find("://"); scheme != std::string_view::npos;
         scheme = text.find("://", scheme + 3)) {
        // A URI ends at the end of its line (.env files, multi-line messages).
        std::string_view rest = text.substr(scheme + 3);
        rest = rest.substr(0, rest.find_first_of("\r\n"));
        const std::size_t colon = rest.find(':');
        const std::size_t slash = rest.find('/');
        const std::size_t first_at = rest.find('@');
        if (colon != std::string_view::npos && first_at != std::string_view::npos &&
            colon < first_at && first_at < slash) {
            raw.emplace_back(rest.substr(colon + 1, first_at - colon - 1));
        }
        const std::size_t last_at = rest.substr(0, rest.find('?')).rfind('@');
        if (colon != std::string_view::npos && last_at != std::string_view::npos &&
            colon < last_at) {
            raw.emplace_back(rest.substr(colon + 1, last_at - colon - 1));
        }
    }
    // password= and sslpassword= values (a key boundary before them: in
    // "postgrespassword=x" the key is "postgrespassword"), up to the end of
    // the widest reading: whitespace, a quote, or '&' in a URI query.
    for (std::size_t pos = text.find("password="); pos != std::string_view::npos;
         pos = text.find("password=", pos + 1)) {
        if (!starts_password_key(text, pos)) continue;
        std::size_t start = pos + 9;
        while (start < text.size() && std::strchr(" \t\f\v", text[start]) != nullptr &&
               text[start] != '\0') {
            ++start;  // libpq skips whitespace after '=' (not line ends: .env lines)
        }
        std::size_t end = start;
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0 &&
               text[end] != '"' && text[end] != '\'') {
            ++end;
        }
        // In a key=value string only whitespace ends the value ("a&b" is one
        // password); after a '?' it may be a URI query, where '&' ends it.
        const std::string_view value = text.substr(start, end - start);
        raw.emplace_back(value.substr(0, value.find('&')));
        if (text.rfind('?', pos) == std::string_view::npos) raw.emplace_back(value);
    }
    std::vector<Candidate> kept;
    const auto keep = [&](const std::string& from, const std::string& form) {
        // The text it comes from must be unique too: the same text elsewhere
        // (a parameter name) may be printed, decoded, as what it is there.
        if (form.size() > 3 && form.find('*') == std::string::npos &&
            occurrences(text, form) <= 1 && occurrences(text, from) <= 1) {
            kept.push_back({occurrences(text, from) > 0 ? from : std::string(), form});
        }
    };
    for (const std::string& candidate : raw) {
        keep(candidate, candidate);
        keep(candidate, percent_decode(candidate));
    }
    for (const std::string& value : decoded_by_libpq) {
        // libpq decoded this value from quotes or escapes: a literal copy
        // counts only where a password key's value starts (password='a b').
        // With no literal copy at all, only the decoded form is checked.
        bool at_value = false;
        bool anywhere = false;
        for (std::size_t at = text.find(value); at != std::string_view::npos;
             at = text.find(value, at + 1)) {
            anywhere = true;
            at_value = at_value || starts_password_value(text, at);
        }
        if (anywhere && !at_value) continue;
        keep(value, value);
    }
    return kept;
}

/// True when `candidate` holds 8 or more characters of testdb's own wording
/// in a row: the fuzzer can echo the input's tail right before a message's
/// fixed text so that together they spell a "password" of the input.
inline bool shares_wording(const std::string& candidate, const std::string& wording) {
    constexpr std::size_t kRun = 8;
    for (std::size_t i = 0; i + kRun <= candidate.size(); ++i) {
        if (wording.find(candidate.c_str() + i, 0, kRun) != std::string::npos) return true;
    }
    return false;
}

/// True when some occurrence of `secret` in `printed` is not inside
/// testdb's own wording: an occurrence counts as wording when it, together
/// with the 10 characters printed before it or after it, appears in
/// `wording`. A short password ("l://") may spell part of a fixed text
/// ("Expected postgresql://user@host") that any message of that kind prints.
inline bool printed_outside_wording(const std::string& printed, const std::string& secret,
                                    const std::string& wording) {
    constexpr std::size_t kContext = 10;
    for (std::size_t at = printed.find(secret); at != std::string::npos;
         at = printed.find(secret, at + 1)) {
        const std::size_t before = std::min(at, kContext);
        const std::string left = printed.substr(at - before, before + secret.size());
        const std::string right = printed.substr(at, secret.size() + kContext);
        const bool in_wording =
            !wording.empty() && ((before == kContext && wording.find(left) != std::string::npos) ||
                                 (right.size() == secret.size() + kContext &&
                                  wording.find(right) != std::string::npos));
        if (!in_wording) return true;
    }
    return false;
}

/// A stand-in for the password text `raw`: every letter becomes one letter
/// and every digit one digit that `raw` does not hold, while punctuation and
/// blanks stay. The input keeps its shape (where a value, a URI's user info
/// or a line ends), so testdb masks it the same way; only the secret's own
/// characters change. A password of punctuation alone is replaced whole.
inline std::string stand_in_for(const std::string& raw) {
    const auto unused = [&](std::string_view choices) {
        for (char c : choices) {
            if (raw.find(c) == std::string::npos) return c;
        }
        return choices.front();
    };
    const char letter = unused("QZXJ");
    const char digit = unused("7395");
    std::string out = raw;
    bool changed = false;
    for (char& c : out) {
        if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
            c = letter;
            changed = true;
        } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            c = digit;
            changed = true;
        }
    }
    return changed ? out : std::string(raw.size(), letter);
}

/// The password of `input` that `outputs(input)` (masked URLs, messages)
/// prints, if any. Text that is testdb's own wording is no leak: it appears
/// in `wording` (what testdb prints for a few fixed inputs), or it is still
/// printed once that password's characters are changed in the input.
template <typename Outputs>
std::optional<std::string> leaked_password(const std::string& input, Outputs&& outputs,
                                           const std::string& wording = {}) {
    const std::string printed = outputs(input);
    for (const Candidate& secret : password_candidates(input)) {
        if (!printed_outside_wording(printed, secret.form, wording) ||
            shares_wording(secret.form, wording)) {
            continue;
        }
        std::string other;  // nothing to replace: compare with a blank input's wording
        if (!secret.raw.empty()) {
            other = input;
            const std::string stand_in = stand_in_for(secret.raw);
            for (std::size_t pos = other.find(secret.raw); pos != std::string::npos;
                 pos = other.find(secret.raw, pos + secret.raw.size())) {
                other.replace(pos, secret.raw.size(), stand_in);
            }
        }
        if (outputs(other).find(secret.form) == std::string::npos) return secret.form;
    }
    return std::nullopt;
}

/// `text` with every byte outside printable ASCII written as \xHH, so that a
/// finding shows a password decoded to control bytes ("%00") as it is.
inline std::string escaped(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            out.push_back(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            out += hex;
        }
    }
    return out;
}

/// Finding when what `outputs(input)` prints contains a password of `input`
/// (see leaked_password()).
template <typename Outputs>
void expect_no_password(const std::string& input, Outputs&& outputs, const std::string& what,
                        const std::string& wording = {}) {
    if (const auto secret = leaked_password(input, outputs, wording)) {
        finding(what + " contains the password \"" + escaped(*secret) + "\"", input,
                outputs(input));
    }
}

/// The body of a message fuzzer: `printed(input)` (what testdb prints for
/// one input) may only throw testdb errors, and never prints a password of
/// the input unless it is testdb's own `wording`. Returns 0 for libFuzzer.
template <typename Printed>
int check_printed(const std::uint8_t* data, std::size_t size, Printed&& printed,
                  const std::string& what, const std::string& wording) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (input.find('\0') != std::string::npos) {
        // Messages travel as what() (a C string), so text after a NUL is cut
        // off and the template-text check cannot see it: parse only (no
        // environment variable or C string can hold a NUL anyway).
        (void)printed(input);
        return 0;
    }
    expect_no_password(input, printed, what, wording);
    return 0;
}

/// What `outputs` prints for each of `inputs`: testdb's fixed wording.
template <typename Outputs>
std::string wording_of(Outputs&& outputs, const std::vector<std::string>& inputs) {
    std::string all;
    for (const std::string& input : inputs) {
        all += outputs(input) + "\n";
    }
    return all;
}

}  // namespace fuzz
