/// @file bookings.hpp
/// @brief Bookings: one confirmed booking per tenant and date, decided by
/// the database rather than by a check-then-insert in C++.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "booking/tenants.hpp"

namespace booking {

/// Where a booking stands.
enum class BookingStatus {
    Confirmed,  ///< holds its date
    Cancelled   ///< kept for history; its date is free again
};

/// `confirmed` or `cancelled` (the values stored in the database).
const char* to_string(BookingStatus status) noexcept;

/// What a customer asks for.
struct BookingRequest {
    std::string package_slug;               ///< a package of the tenant
    std::string date;                       ///< ISO date, YYYY-MM-DD
    std::string customer_email;             ///< must contain '@'
    std::vector<std::string> addon_slugs;   ///< add-ons of that package (may be empty)
};

/// A booking as stored.
struct Booking {
    long long id = 0;                  ///< primary key
    TenantId tenant;                   ///< owning tenant
    long long package_id = 0;          ///< the booked package
    std::string date;                  ///< ISO date, YYYY-MM-DD
    std::string customer_email;        ///< who booked
    BookingStatus status = BookingStatus::Confirmed;  ///< confirmed or cancelled
    long long total_cents = 0;         ///< package plus add-ons, at booking time
    long long paid_cents = 0;          ///< what payments applied (0 or total_cents)
    bool paid = false;                 ///< true once a payment was applied
    std::vector<long long> addon_ids;  ///< booked add-ons, ascending
};

/// SQL access to bookings, inside the caller's transaction, always filtered
/// by tenant.
class BookingRepository {
public:
    /// Books `request.date`: prices the package and add-ons as they are now
    /// and inserts the booking. Throws InvalidInput (bad date or email),
    /// NotFound (package or add-on missing for this tenant or package) or
    /// DateUnavailable when the date already has a confirmed booking, also
    /// one committed by a concurrent transaction a moment ago.
    Booking create(pqxx::transaction_base& tx, TenantId tenant, const BookingRequest& request) const;
    /// The booking `id` of this tenant, if any.
    std::optional<Booking> find(pqxx::transaction_base& tx, TenantId tenant, long long id) const;
    /// The tenant's bookings, ordered by date then id.
    std::vector<Booking> list(pqxx::transaction_base& tx, TenantId tenant) const;
    /// Cancels a booking and so frees its date. Cancelling a cancelled
    /// booking changes nothing and returns it. Throws NotFound.
    Booking cancel(pqxx::transaction_base& tx, TenantId tenant, long long id) const;
    /// True when the tenant has no confirmed booking on `date`. Only a hint
    /// for display: create() is the one that decides, atomically.
    bool isDateAvailable(pqxx::transaction_base& tx, TenantId tenant, const std::string& date) const;
};

}  // namespace booking
