// The text of a failed Catch2 assertion for the report's list of failures,
// shared by the Catch2 v2 and v3 adapters (both pass their own
// Catch::AssertionResult: the two versions spell these accessors alike, but
// v3 returns StringRef where v2 returns std::string).
#pragma once

#include <string>

namespace testdb::adapters {

/// "file:line: CHECK( expr ) with expansion: value" for an assertion with
/// an expression, else its message (FAIL, an unexpected exception...).
template <typename AssertionResult>
std::string catchFailureText(const AssertionResult& result) {
    if (!result.hasExpression()) {
        return std::string(result.getMessage());
    }
    const auto where = result.getSourceInfo();
    return std::string(where.file) + ":" + std::to_string(where.line) + ": " +
           std::string(result.getExpressionInMacro()) +
           " with expansion: " + std::string(result.getExpandedExpression());
}

}  // namespace testdb::adapters
