-- Migration 3: bookings and their add-ons.

CREATE TABLE IF NOT EXISTS bookings (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    package_id bigint NOT NULL,
    booking_date date NOT NULL,
    customer_email text NOT NULL,
    status text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    paid_cents bigint NOT NULL DEFAULT 0,
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    -- No cascade: a package with bookings cannot be deleted (history).
    FOREIGN KEY (tenant_id, package_id) REFERENCES catalog_packages (tenant_id, id)
);
-- The rule "one confirmed booking per tenant and date" lives here, not in
-- C++: concurrent inserts for one date serialise on this index, and all but
-- the first fail with unique_violation (23505), which the C++ maps to
-- booking::DateUnavailable. Cancelled bookings are outside the index, so
-- cancelling frees the date.
CREATE UNIQUE INDEX IF NOT EXISTS bookings_one_confirmed_per_date
    ON bookings (tenant_id, booking_date) WHERE status = 'confirmed';

CREATE TABLE IF NOT EXISTS booking_addons (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    booking_id bigint NOT NULL,
    addon_id bigint NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (booking_id, addon_id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bookings (tenant_id, id) ON DELETE CASCADE,
    -- No cascade: an add-on that was booked cannot be deleted.
    FOREIGN KEY (tenant_id, addon_id) REFERENCES catalog_addons (tenant_id, id)
);
