-- Migration 4: payment provider webhooks, one row per event.

CREATE TABLE IF NOT EXISTS payment_events (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    provider text NOT NULL CHECK (provider <> ''),
    event_id text NOT NULL CHECK (event_id <> ''),
    -- The booking the payment was applied to or judged against; NULL when
    -- the tenant has no such booking (requested_booking_id keeps the ask).
    booking_id bigint,
    requested_booking_id bigint NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    outcome text NOT NULL CHECK (outcome IN ('applied', 'already_paid', 'booking_cancelled',
                                             'unknown_booking', 'amount_mismatch')),
    received_at timestamptz NOT NULL DEFAULT now(),
    -- Idempotency: one row per event and tenant; a repeat delivery finds it.
    UNIQUE (tenant_id, provider, event_id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bookings (tenant_id, id)
);
