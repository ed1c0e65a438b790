// Private: helpers shared by config.cpp, dotenv.cpp and mask.cpp, and the
// only percent-coding and password redaction of testdb (the embedded server
// and the `testdb` tool use them too).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace testdb::detail {

/// Decodes %XX sequences; a malformed sequence is kept as written.
std::string percent_decode(std::string_view text);

/// Encodes every byte but RFC 3986's unreserved characters as %XX.
std::string percent_encode(std::string_view text);

/// The passwords `text` appears to carry (URI user info, password= and
/// sslpassword= values), each as written and percent-decoded.
std::vector<std::string> password_candidates(std::string_view text);

/// `text` with every occurrence of each secret replaced by "****". For the
/// parts of an input that testdb's own messages quote (through
/// maskPassword() already), never for a whole message: masking or replacing
/// across testdb's wording can swallow it ("Expected postgresql://user@host"
/// read as a quoted URI's user info) or rewrite it (a short password).
std::string replace_secrets(std::string_view text, std::vector<std::string> secrets);

/// replace_secrets(), then passed through maskPassword(). For text that is
/// not testdb's (libpq's parse errors, server messages), which may echo
/// parts of an input in ways maskPassword alone cannot recognise.
std::string redact(std::string_view text, std::vector<std::string> secrets);

/// A setting's value and the .env.test it came from (nullopt: the environment).
struct SettingValue {
    std::string value;
    std::optional<std::filesystem::path> file;
};

/// setting() with its origin: the environment first (empty = unset), then
/// the nearest .env.test (empty = unset). Throws ConfigError on a bad file.
std::optional<SettingValue> lookup_setting(const std::string& name);

/// Where `name` is present but blank ("" or only whitespace): "environment",
/// or the path of the .env.test that has it. nullopt when it is unset (in
/// the environment and the file) or has a value. lookup_setting() treats a
/// blank value as unset; callers for whom that would hide a mistake ask here.
std::optional<std::string> blank_setting_origin(const std::string& name);

}  // namespace testdb::detail
