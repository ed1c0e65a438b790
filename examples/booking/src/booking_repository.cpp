// BookingRepository: the date rule lives in the database (a partial unique
// index); this file only translates its verdict into DateUnavailable.
#include <cctype>
#include <set>
#include <sstream>

#include <pqxx/except>
#include <pqxx/result>

#include "booking/bookings.hpp"
#include "booking/errors.hpp"
#include "sql_support.hpp"
#include "testdb/query.hpp"

namespace booking {
namespace {

// The partial unique index of migrations/3_bookings.sql that decides the date race.
const char* const kOneConfirmedPerDate = "bookings_one_confirmed_per_date";

const char* const kSelectBooking =
    "SELECT b.id, b.tenant_id, b.package_id,"
    "       to_char(b.booking_date, 'YYYY-MM-DD') AS booking_date, b.customer_email,"
    "       b.status, b.total_cents, b.paid_cents, b.paid_at IS NOT NULL AS paid,"
    "       COALESCE((SELECT string_agg(ba.addon_id::text, ',' ORDER BY ba.addon_id)"
    "                   FROM booking_addons ba WHERE ba.booking_id = b.id), '') AS addon_ids"
    "  FROM bookings b";

std::vector<long long> splitIds(const std::string& text) {
    std::vector<long long> ids;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        ids.push_back(std::stoll(part));
    }
    return ids;
}

// Callers pass pqxx::row(...): indexing or iterating a pqxx::result gives a
// pqxx::row in libpqxx 6 and 7 but a pqxx::row_ref in 8.
Booking bookingFrom(const pqxx::row& row) {
    Booking b;
    b.id = row["id"].as<long long>();
    b.tenant = TenantId{row["tenant_id"].as<long long>()};
    b.package_id = row["package_id"].as<long long>();
    b.date = row["booking_date"].as<std::string>();
    b.customer_email = row["customer_email"].as<std::string>();
    b.status = row["status"].as<std::string>() == "cancelled" ? BookingStatus::Cancelled
                                                              : BookingStatus::Confirmed;
    b.total_cents = row["total_cents"].as<long long>();
    b.paid_cents = row["paid_cents"].as<long long>();
    b.paid = row["paid"].as<bool>();
    b.addon_ids = splitIds(row["addon_ids"].as<std::string>());
    return b;
}

// YYYY-MM-DD only. PostgreSQL alone would also accept "today", "infinity"
// or "Jan 5 2030", which a booking API should not; it still judges whether
// the day exists (2030-02-30 does not).
void requireIsoDate(const std::string& date) {
    const bool shaped = date.size() == 10 && date[4] == '-' && date[7] == '-';
    bool digits = shaped;
    for (std::size_t i = 0; digits && i < date.size(); ++i) {
        digits = (i == 4 || i == 7) || std::isdigit(static_cast<unsigned char>(date[i])) != 0;
    }
    if (!digits) {
        throw InvalidInput("date \"" + date + "\" is not an ISO date (YYYY-MM-DD)");
    }
}

void validate(const BookingRequest& request) {
    detail::requireNonEmpty(request.package_slug, "package_slug");
    requireIsoDate(request.date);
    if (request.customer_email.find('@') == std::string::npos) {
        throw InvalidInput("customer_email \"" + request.customer_email + "\" is not an address");
    }
    // A repeated add-on would hit booking_addons' primary key: a unique
    // violation that must never be mistaken for a taken date.
    std::set<std::string> seen;
    for (const std::string& slug : request.addon_slugs) {
        if (!seen.insert(slug).second) {
            throw InvalidInput("add-on \"" + slug + "\" is listed twice");
        }
    }
}

}  // namespace

const char* to_string(BookingStatus status) noexcept {
    return status == BookingStatus::Cancelled ? "cancelled" : "confirmed";
}

Booking BookingRepository::create(pqxx::transaction_base& tx, TenantId tenant,
                                  const BookingRequest& request) const {
    validate(request);
    const pqxx::result package = testdb::query(tx,
        "SELECT id, price_cents FROM catalog_packages WHERE tenant_id = $1 AND slug = $2",
        tenant.value, request.package_slug);
    if (package.empty()) {
        throw NotFound("package \"" + request.package_slug + "\" not found for this tenant");
    }
    const long long package_id = package[0][0].as<long long>();
    long long total = package[0][1].as<long long>();
    std::vector<std::pair<long long, long long>> addons;  // id, price
    for (const std::string& slug : request.addon_slugs) {
        const pqxx::result addon = testdb::query(tx,
            "SELECT id, price_cents FROM catalog_addons"
            " WHERE tenant_id = $1 AND package_id = $2 AND slug = $3",
            tenant.value, package_id, slug);
        if (addon.empty()) {
            throw NotFound("add-on \"" + slug + "\" not found for package \"" +
                           request.package_slug + "\"");
        }
        addons.emplace_back(addon[0][0].as<long long>(), addon[0][1].as<long long>());
        total += addons.back().second;
    }

    long long id = 0;
    try {
        // No "is the date free?" SELECT first: two transactions could both
        // see it free. The index decides; a concurrent winner's insert makes
        // this one wait, then fail with 23505 once the winner commits.
        id = testdb::queryRow(tx, "INSERT INTO bookings (tenant_id, package_id, booking_date,"
                             " customer_email, total_cents) VALUES ($1, $2, $3::date, $4, $5)"
                             " RETURNING id",
                             tenant.value, package_id, request.date, request.customer_email, total)[0]
                 .as<long long>();
    } catch (const pqxx::unique_violation& e) {
        if (std::string(e.what()).find(kOneConfirmedPerDate) != std::string::npos) {
            throw DateUnavailable(request.date);
        }
        throw;
    } catch (const pqxx::data_exception&) {
        throw InvalidInput("date \"" + request.date + "\" does not exist");
    } catch (const pqxx::foreign_key_violation&) {
        // The package was deleted by a concurrent transaction after we read it.
        throw NotFound("package \"" + request.package_slug + "\" not found for this tenant");
    }
    for (const auto& [addon_id, price] : addons) {
        testdb::query(tx, "INSERT INTO booking_addons (tenant_id, booking_id, addon_id, price_cents)"
                       " VALUES ($1, $2, $3, $4)",
                       tenant.value, id, addon_id, price);
    }
    return *find(tx, tenant, id);
}

std::optional<Booking> BookingRepository::find(pqxx::transaction_base& tx, TenantId tenant,
                                               long long id) const {
    const pqxx::result rows = testdb::query(tx,
        std::string(kSelectBooking) + " WHERE b.tenant_id = $1 AND b.id = $2", tenant.value, id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return bookingFrom(pqxx::row(rows[0]));
}

std::vector<Booking> BookingRepository::list(pqxx::transaction_base& tx, TenantId tenant) const {
    std::vector<Booking> bookings;
    for (const auto& row : testdb::query(tx, std::string(kSelectBooking) +
                                              " WHERE b.tenant_id = $1 ORDER BY b.booking_date, b.id",
                                          tenant.value)) {
        bookings.push_back(bookingFrom(pqxx::row(row)));
    }
    return bookings;
}

Booking BookingRepository::cancel(pqxx::transaction_base& tx, TenantId tenant, long long id) const {
    // Cancelling twice is harmless; concurrent cancels queue on the row lock.
    const pqxx::result rows =
        testdb::query(tx, "UPDATE bookings SET status = 'cancelled' WHERE tenant_id = $1 AND id = $2"
                       " RETURNING id",
                       tenant.value, id);
    if (rows.empty()) {
        throw NotFound("booking " + std::to_string(id) + " not found for this tenant");
    }
    return *find(tx, tenant, id);
}

bool BookingRepository::isDateAvailable(pqxx::transaction_base& tx, TenantId tenant,
                                        const std::string& date) const {
    requireIsoDate(date);
    try {
        return testdb::queryRow(tx, "SELECT NOT EXISTS (SELECT 1 FROM bookings WHERE tenant_id = $1"
                               " AND booking_date = $2::date AND status = 'confirmed')",
                               tenant.value, date)[0]
            .as<bool>();
    } catch (const pqxx::data_exception&) {
        throw InvalidInput("date \"" + date + "\" does not exist");
    }
}

}  // namespace booking
