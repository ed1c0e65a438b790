// WebhookRepository: idempotent payment processing. Two mechanisms, each
// owned by the database: the unique key (tenant_id, provider, event_id)
// decides which delivery of an event is the first, and the booking's row
// lock serialises different events that pay the same booking.
#include <pqxx/except>
#include <pqxx/result>

#include "booking/errors.hpp"
#include "booking/webhooks.hpp"
#include "sql_support.hpp"
#include "testdb/query.hpp"

namespace booking {
namespace {

const char* const kEventColumns =
    "id, provider, event_id, outcome, booking_id, amount_cents";

PaymentOutcome outcomeFrom(const std::string& text) {
    if (text == "applied") return PaymentOutcome::Applied;
    if (text == "already_paid") return PaymentOutcome::AlreadyPaid;
    if (text == "booking_cancelled") return PaymentOutcome::BookingCancelled;
    if (text == "amount_mismatch") return PaymentOutcome::AmountMismatch;
    if (text == "unknown_booking") return PaymentOutcome::UnknownBooking;
    throw Error("payment_events holds an unknown outcome \"" + text + "\"");
}

// Callers pass pqxx::row(...): indexing or iterating a pqxx::result gives a
// pqxx::row in libpqxx 6 and 7 but a pqxx::row_ref in 8.
WebhookResult resultFrom(const pqxx::row& row, bool replayed) {
    WebhookResult r;
    r.event_row_id = row["id"].as<long long>();
    r.provider = row["provider"].as<std::string>();
    r.event_id = row["event_id"].as<std::string>();
    r.outcome = outcomeFrom(row["outcome"].as<std::string>());
    if (!row["booking_id"].is_null()) {
        r.booking_id = row["booking_id"].as<long long>();
    }
    r.amount_cents = row["amount_cents"].as<long long>();
    r.replayed = replayed;
    return r;
}

// What this delivery would do to the booking, judged under its row lock.
PaymentOutcome judge(const pqxx::result& booking, long long amount_cents) {
    if (booking.empty()) return PaymentOutcome::UnknownBooking;
    if (booking[0]["status"].as<std::string>() == "cancelled") return PaymentOutcome::BookingCancelled;
    if (booking[0]["paid"].as<bool>()) return PaymentOutcome::AlreadyPaid;
    if (booking[0]["total_cents"].as<long long>() != amount_cents) return PaymentOutcome::AmountMismatch;
    return PaymentOutcome::Applied;
}

}  // namespace

const char* to_string(PaymentOutcome outcome) noexcept {
    switch (outcome) {
        case PaymentOutcome::Applied: return "applied";
        case PaymentOutcome::AlreadyPaid: return "already_paid";
        case PaymentOutcome::BookingCancelled: return "booking_cancelled";
        case PaymentOutcome::AmountMismatch: return "amount_mismatch";
        case PaymentOutcome::UnknownBooking: break;
    }
    return "unknown_booking";
}

WebhookResult WebhookRepository::process(pqxx::transaction_base& tx, TenantId tenant,
                                         const PaymentEvent& event) const {
    detail::requireNonEmpty(event.provider, "provider");
    detail::requireNonEmpty(event.event_id, "event_id");
    detail::requireNonNegative(event.amount_cents, "amount_cents");

    // Lock the booking first (only if it is this tenant's): a second event
    // for the same booking waits here and then sees it paid.
    const pqxx::result booking = testdb::query(tx,
        "SELECT status, total_cents, paid_at IS NOT NULL AS paid FROM bookings"
        " WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        tenant.value, event.booking_id);
    const PaymentOutcome outcome = judge(booking, event.amount_cents);
    const bool known = outcome != PaymentOutcome::UnknownBooking;

    // The first delivery inserts; a repeat finds the key taken. A repeat
    // racing an uncommitted first delivery waits for it here, then gets
    // "nothing inserted" once it commits (or inserts itself if it rolled back).
    const pqxx::result inserted = testdb::query(tx,
        std::string("INSERT INTO payment_events (tenant_id, provider, event_id, booking_id,"
                    " requested_booking_id, amount_cents, outcome)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (tenant_id, provider, event_id) DO NOTHING RETURNING ") +
            kEventColumns,
        tenant.value, event.provider, event.event_id,
        known ? std::optional<long long>(event.booking_id) : std::nullopt, event.booking_id,
        event.amount_cents, to_string(outcome));
    if (inserted.empty()) {
        // A replay: report the first delivery's result and change nothing.
        std::optional<WebhookResult> first = find(tx, tenant, event.provider, event.event_id);
        if (!first) {
            throw Error("payment event " + event.provider + "/" + event.event_id +
                        " conflicted but cannot be read back");
        }
        first->replayed = true;
        return *first;
    }
    if (outcome == PaymentOutcome::Applied) {
        // We hold the row lock and saw it unpaid, so this flips it exactly
        // once; the paid_at condition states the invariant all the same.
        const pqxx::result paid = testdb::query(tx,
            "UPDATE bookings SET paid_cents = $3, paid_at = now()"
            " WHERE tenant_id = $1 AND id = $2 AND paid_at IS NULL RETURNING id",
            tenant.value, event.booking_id, event.amount_cents);
        if (paid.size() != 1) {
            throw Error("booking " + std::to_string(event.booking_id) +
                        " changed under its row lock while applying payment " + event.event_id);
        }
    }
    return resultFrom(pqxx::row(inserted[0]), false);
}

std::optional<WebhookResult> WebhookRepository::find(pqxx::transaction_base& tx, TenantId tenant,
                                                     const std::string& provider,
                                                     const std::string& event_id) const {
    const pqxx::result rows = testdb::query(tx,
        std::string("SELECT ") + kEventColumns +
            " FROM payment_events WHERE tenant_id = $1 AND provider = $2 AND event_id = $3",
        tenant.value, provider, event_id);
    if (rows.empty()) {
        return std::nullopt;
    }
    return resultFrom(pqxx::row(rows[0]), false);
}

std::vector<WebhookResult> WebhookRepository::list(pqxx::transaction_base& tx, TenantId tenant) const {
    std::vector<WebhookResult> results;
    for (const auto& row : testdb::query(tx, std::string("SELECT ") + kEventColumns +
                                              " FROM payment_events WHERE tenant_id = $1 ORDER BY id",
                                          tenant.value)) {
        results.push_back(resultFrom(pqxx::row(row), false));
    }
    return results;
}

}  // namespace booking
