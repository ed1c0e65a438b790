/// @file webhooks.hpp
/// @brief Payment provider webhooks: each event processed once per tenant,
/// however often (and however concurrently) the provider delivers it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "booking/tenants.hpp"

namespace booking {

/// What processing a payment event did. Stored with the event, so a replay
/// reports exactly what the first delivery did.
enum class PaymentOutcome {
    Applied,           ///< the booking is now paid
    AlreadyPaid,       ///< another event paid it before; nothing changed
    BookingCancelled,  ///< the booking was cancelled; nothing changed
    UnknownBooking,    ///< no such booking for this tenant; nothing changed
    AmountMismatch     ///< amount differs from the booking's total; nothing changed
};

/// `applied`, `already_paid`, ... (the values stored in the database).
const char* to_string(PaymentOutcome outcome) noexcept;

/// One delivery of a provider's "payment succeeded" event.
struct PaymentEvent {
    std::string provider;       ///< e.g. "stripe"; non-empty
    std::string event_id;       ///< the provider's id, unique per provider; non-empty
    long long booking_id = 0;   ///< the booking the payment is for
    long long amount_cents = 0; ///< amount paid, zero or more
};

/// The stored result of processing one event.
struct WebhookResult {
    long long event_row_id = 0;           ///< payment_events.id of the first delivery
    std::string provider;                 ///< as first delivered
    std::string event_id;                 ///< as first delivered
    PaymentOutcome outcome = PaymentOutcome::UnknownBooking;  ///< what the first delivery did
    std::optional<long long> booking_id;  ///< the booking it applied to (none when unknown)
    long long amount_cents = 0;           ///< amount of the first delivery
    bool replayed = false;                ///< true when this delivery was a repeat
};

/// Processes and reads payment events, inside the caller's transaction.
class WebhookRepository {
public:
    /// Records the event and applies its payment, or, when this tenant has
    /// already recorded the same (provider, event id), returns that first
    /// result with `replayed` set and changes nothing. Safe under concurrent
    /// deliveries: the unique key decides who is first, and the booking row
    /// lock makes "paid" flip exactly once. Throws InvalidInput.
    WebhookResult process(pqxx::transaction_base& tx, TenantId tenant, const PaymentEvent& event) const;
    /// The stored result of (provider, event id) for this tenant, if any.
    std::optional<WebhookResult> find(pqxx::transaction_base& tx, TenantId tenant,
                                      const std::string& provider, const std::string& event_id) const;
    /// The tenant's stored events in arrival order.
    std::vector<WebhookResult> list(pqxx::transaction_base& tx, TenantId tenant) const;
};

}  // namespace booking
