/// @file errors.hpp
/// @brief The booking service's exception hierarchy, rooted at booking::Error.
///
/// Callers react to meanings, not to SQLSTATEs: the repositories translate
/// the database's verdicts (unique_violation, foreign_key_violation, bad
/// dates) into these types, so code above them never parses libpqxx errors.
/// Every booking exception leaves the current transaction aborted when it
/// came from the database: roll it back (testdb::withTransaction does).
#pragma once

#include <stdexcept>
#include <string>

namespace booking {

/// Root of every exception the booking library throws on purpose.
class Error : public std::runtime_error {
public:
    /// @param message what happened, naming the input that caused it.
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// An argument is malformed (empty slug, negative price, impossible date):
/// the request can never succeed as written.
class InvalidInput : public Error {
public:
    using Error::Error;
};

/// Something the request names does not exist for this tenant. Rows of other
/// tenants are reported as missing too, so a tenant cannot probe another's ids.
class NotFound : public Error {
public:
    using Error::Error;
};

/// The tenant named by a TenantRef (slug or id) does not exist.
class UnknownTenant : public NotFound {
public:
    using NotFound::NotFound;
};

/// The request is valid but collides with the current state of the data.
class Conflict : public Error {
public:
    using Error::Error;
};

/// A package or add-on slug is already taken within the tenant.
class DuplicateSlug : public Conflict {
public:
    /// @param slug the slug that was refused
    explicit DuplicateSlug(const std::string& slug)
        : Conflict("slug \"" + slug + "\" is already used by this tenant"), slug_(slug) {}
    /// The refused slug.
    const std::string& slug() const noexcept { return slug_; }

private:
    std::string slug_;
};

/// The date already has a confirmed booking for this tenant. Decided by the
/// database's partial unique index, so it also holds between racing processes.
class DateUnavailable : public Conflict {
public:
    /// @param date the ISO date (YYYY-MM-DD) that is taken
    explicit DateUnavailable(const std::string& date)
        : Conflict("date " + date + " already has a confirmed booking"), date_(date) {}
    /// The date that is taken.
    const std::string& date() const noexcept { return date_; }

private:
    std::string date_;
};

/// A row cannot be deleted because other rows still refer to it (a package
/// with bookings, an add-on that was booked): history must stay intact.
class InUse : public Conflict {
public:
    using Conflict::Conflict;
};

}  // namespace booking
