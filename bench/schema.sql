-- Schema of the isolation and factory benchmarks: the booking example's six
-- tables and foreign keys, prefixed bench_ so that the TRUNCATE baseline can
-- never touch another suite's rows on a shared test database, and so that
-- testdb's cleanup DELETE (one statement per tenant-scoped table) costs what
-- it costs in a real suite. Idempotent: applied once per schema hash.

CREATE TABLE IF NOT EXISTS bench_tenants (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS bench_packages (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES bench_tenants (id),
    slug text NOT NULL,
    name text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    UNIQUE (tenant_id, slug),
    UNIQUE (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS bench_addons (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES bench_tenants (id),
    package_id bigint NOT NULL,
    slug text NOT NULL,
    price_cents bigint NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, package_id) REFERENCES bench_packages (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS bench_bookings (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES bench_tenants (id),
    package_id bigint NOT NULL,
    booking_date date NOT NULL,
    status text NOT NULL DEFAULT 'confirmed',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, package_id) REFERENCES bench_packages (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS bench_booking_addons (
    tenant_id bigint NOT NULL REFERENCES bench_tenants (id),
    booking_id bigint NOT NULL,
    addon_id bigint NOT NULL,
    PRIMARY KEY (booking_id, addon_id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bench_bookings (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, addon_id) REFERENCES bench_addons (tenant_id, id)
);

CREATE TABLE IF NOT EXISTS bench_payment_events (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES bench_tenants (id),
    booking_id bigint,
    event_id text NOT NULL,
    UNIQUE (tenant_id, event_id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bench_bookings (tenant_id, id)
);
