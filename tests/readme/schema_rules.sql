-- The schema rules README.md states, one table per rule.
CREATE TABLE IF NOT EXISTS tenants (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE);
-- Referenced BY a tenant-scoped table: not tenant-scoped itself.
CREATE TABLE IF NOT EXISTS countries (code text PRIMARY KEY);
INSERT INTO countries VALUES ('NL') ON CONFLICT DO NOTHING;
-- One hop: a foreign key to the tenant table.
CREATE TABLE IF NOT EXISTS packages (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    slug text NOT NULL,
    country text NOT NULL REFERENCES countries (code),
    UNIQUE (tenant_id, slug)
);
-- Two and three hops, without a tenant_id column.
CREATE TABLE IF NOT EXISTS bookings (
    id bigserial PRIMARY KEY,
    package_id bigint NOT NULL REFERENCES packages (id)
);
CREATE TABLE IF NOT EXISTS booking_notes (
    id bigserial PRIMARY KEY,
    booking_id bigint NOT NULL REFERENCES bookings (id),
    note text NOT NULL
);
-- A tenant_id column but no foreign key: outside testdb's cleanup.
CREATE TABLE IF NOT EXISTS audit_log (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL,
    message text NOT NULL
);
