/// @file source_location.hpp
/// @brief Where in the test code a lease was acquired (C++17 stand-in for
/// std::source_location, filled in by a defaulted argument).
#pragma once

#include <string>

namespace testdb {

/// A file and line captured at the call site through a defaulted argument.
struct SourceLocation {
    const char* file = "";  ///< source file of the caller, as the compiler spells it
    int line = 0;           ///< line of the caller

    /// Captures the caller's location when used as a default argument.
    static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                            int line = __builtin_LINE()) noexcept {
        return SourceLocation{file, line};
    }

    /// "file:line", or "unknown location" when nothing was captured.
    std::string toString() const {
        if (file == nullptr || *file == '\0') {
            return "unknown location";
        }
        return std::string(file) + ":" + std::to_string(line);
    }
    /// Deprecated spelling of toString().
    [[deprecated("use toString()")]] std::string to_string() const { return toString(); }
};

}  // namespace testdb
