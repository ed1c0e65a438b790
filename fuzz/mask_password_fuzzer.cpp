// Fuzzes testdb::maskPassword: documented never to throw, and its output
// never contains a password the input carried (URI user info, password=,
// sslpassword=) longer than 3 characters.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "testdb/config.hpp"

namespace {

std::string masked(const std::string& input) {
    try {
        return testdb::maskPassword(input);
    } catch (const std::exception& e) {
        fuzz::finding(std::string("mask_password threw: ") + e.what(), input);
    } catch (...) {
        fuzz::finding("mask_password threw", input);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    fuzz::expect_no_password(input, masked, "maskPassword()");
    return 0;
}
