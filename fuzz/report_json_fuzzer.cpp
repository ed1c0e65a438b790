// Fuzzes testdb::RunReport::fromJson (the TESTDB_REPORT file `testdb run`
// reads back): it may only throw testdb::Error, never crash or hit undefined
// behaviour, and what it accepts must survive toJson() and back unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "testdb/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::string written;
    fuzz::expect_only_testdb_errors(
        input,
        [&] {
            const testdb::RunReport report = testdb::RunReport::fromJson(input, "fuzz-input");
            (void)report.summaryLine();
            written = report.toJson();
        },
        [&](const std::string& message) {
            if (message.find("fuzz-input") == std::string::npos) {
                fuzz::finding("Error does not name the report's origin", input, message);
            }
        });
    if (written.empty()) {
        return 0;
    }
    // What testdb wrote itself must read back, and read back the same.
    try {
        const std::string again = testdb::RunReport::fromJson(written, "round trip").toJson();
        if (again != written) {
            fuzz::finding("to_json -> from_json -> to_json changed the report", input,
                          written + "\n--- became:\n" + again);
        }
    } catch (const std::exception& e) {
        fuzz::finding(std::string("a report testdb wrote does not read back: ") + e.what(), input,
                      written);
    }
    return 0;
}
