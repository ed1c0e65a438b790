// Private to the booking library: input checks shared by the repositories.
// Checks that can be done in C++ are done before any SQL runs, so an invalid
// request never aborts the caller's transaction.
#pragma once

#include <string>

#include "booking/errors.hpp"

namespace booking::detail {

/// Throws InvalidInput naming `what` when `value` is empty.
inline void requireNonEmpty(const std::string& value, const char* what) {
    if (value.empty()) {
        throw InvalidInput(std::string(what) + " must not be empty");
    }
}

/// Throws InvalidInput naming `what` when `cents` is negative.
inline void requireNonNegative(long long cents, const char* what) {
    if (cents < 0) {
        throw InvalidInput(std::string(what) + " must be zero or more, got " + std::to_string(cents));
    }
}

}  // namespace booking::detail
