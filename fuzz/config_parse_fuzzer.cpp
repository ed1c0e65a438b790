// Fuzzes testdb::Config::parse (DATABASE_URL_TEST): it may only throw
// testdb::Error (ConfigError), never crash, and neither its messages nor the
// parsed config's printable forms may contain the URL's password.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "testdb/config.hpp"

namespace {

// Everything parse() lets a user see for `input`: the one-line description
// (which holds maskedUrl()), or the ConfigError's message.
std::string printed(const std::string& input) {
    std::string out;
    fuzz::expect_only_testdb_errors(
        input,
        [&] {
            const testdb::Config config = testdb::Config::parse(input);
            // What parse() accepted is a usable, bounded configuration.
            if (config.connection_limit < 1 || config.connection_limit > 1000 ||
                config.pool_timeout.count() < 1 || config.connect_timeout < 1) {
                fuzz::finding("parse() accepted out-of-range settings: " + config.toString(),
                              input);
            }
            (void)config.connectionString("fuzz01");
            out = config.toString();  // the masked URL and every setting
        },
        [&](const std::string& message) { out = message; });
    return out;
}

// Every kind of message parse() has, for its fixed wording; among them an
// unknown parameter close to each name libpq knows, whose "Did you mean
// 'password'?" spells that name whatever the input was.
std::vector<std::string> wording_inputs() {
    std::vector<std::string> inputs = {"",
                                       "x",
                                       "postgresql://[",
                                       "postgresql://h:x/d",
                                       "postgresql://h/d?bogus=1",
                                       "postgresql://h/d?connection_limit=0",
                                       "postgresql://h/d?pool_timeout=x",
                                       "postgresql://h/d?connect_timeout=0",
                                       "postgresql://h/d?application_name=%20",
                                       "postgresql://h/d?connection_limit=1&connection_limit=2"};
    PQconninfoOption* defaults = PQconndefaults();
    for (auto* o = defaults; o != nullptr && o->keyword != nullptr; ++o) {
        inputs.push_back(std::string("postgresql://h/d?") + o->keyword + "x=1");
    }
    PQconninfoFree(defaults);
    return inputs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string wording = fuzz::wording_of(printed, wording_inputs());
    return fuzz::check_printed(data, size, printed, "Config::parse's output", wording);
}
