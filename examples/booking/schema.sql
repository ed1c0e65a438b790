-- Schema of the booking example. Applied once per schema hash by testdb's
-- listener (in one transaction), so every statement is idempotent.
--
-- The tenant table is exactly the one testdb expects by default (TenantTable:
-- table `tenants`, key `id`, slug `slug`) and the one the harness suites use,
-- so several suites can share one database. Every other table carries
-- tenant_id REFERENCES tenants(id): that foreign key is how testdb discovers
-- the table and deletes a finished test's rows (children first).
--
-- Table names are prefixed (catalog_*) so they cannot collide with another
-- suite's `packages` table on a shared test database.

CREATE TABLE IF NOT EXISTS tenants (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS catalog_packages (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    slug text NOT NULL CHECK (slug <> ''),
    name text NOT NULL CHECK (name <> ''),
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    UNIQUE (tenant_id, slug),
    -- Target of the composite foreign keys below: a child row can only point
    -- at a parent of the same tenant, whatever the application code does.
    UNIQUE (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS catalog_addons (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    package_id bigint NOT NULL,
    slug text NOT NULL CHECK (slug <> ''),
    name text NOT NULL CHECK (name <> ''),
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    UNIQUE (tenant_id, slug),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, package_id) REFERENCES catalog_packages (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS catalog_addons_by_package ON catalog_addons (package_id);

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
