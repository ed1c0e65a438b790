#include "testdb/run_token.hpp"

#include <algorithm>
#include <random>

#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace {

// Six hex digits: short enough for slugs, and two concurrent runs on one
// database collide with odds of one in sixteen million.
std::string random_token() {
    std::random_device entropy;
    std::uniform_int_distribution<unsigned> digit(0, 15);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token(6, '0');
    for (char& c : token) {
        c = kHex[digit(entropy)];
    }
    return token;
}

std::string chosen_or_random() {
    auto chosen = setting("TESTDB_RUN_TOKEN");
    if (!chosen) {
        return random_token();
    }
    const bool valid = !chosen->empty() && chosen->size() <= 16 &&
                       std::all_of(chosen->begin(), chosen->end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                       });
    if (!valid) {
        throw ConfigError("ConfigError: TESTDB_RUN_TOKEN=\"" + *chosen +
                          "\" is not a run token.\nFix: use 1 to 16 lower-case letters or "
                          "digits, or unset it to get a random one.");
    }
    return *chosen;
}

}  // namespace

const std::string& runToken() {
    static const std::string token = chosen_or_random();
    return token;
}

}  // namespace testdb
