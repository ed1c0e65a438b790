// Fuzzes testdb::parseDotenv (.env.test files): it may only throw
// testdb::Error (ConfigError naming the file and line), never crash, and its
// messages never quote a password from the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "testdb/config.hpp"

namespace {

// The ConfigError message for `input`, or "" when it parses.
std::string printed(const std::string& input) {
    std::string out;
    fuzz::expect_only_testdb_errors(
        input,
        [&] {
            for (const auto& [key, value] : testdb::parseDotenv(input, ".env.test")) {
                if (key.empty()) fuzz::finding("an empty key was accepted", input);
                (void)value;
            }
        },
        [&](const std::string& message) {
            if (message.rfind("ConfigError: .env.test:", 0) != 0) {
                fuzz::finding("ConfigError does not start with file:line", input, message);
            }
            out = message;
        });
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Every kind of message parseDotenv() has, for its fixed wording.
    static const std::string wording =
        fuzz::wording_of(printed, {"x", "1A=b", "A='x", "A='x' y", "A=\"x"});
    return fuzz::check_printed(data, size, printed, "parse_dotenv's ConfigError", wording);
}
