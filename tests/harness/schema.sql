-- Schema of testdb's own harness self-test suites: a tenant table, a table
-- one foreign-key hop away and one two hops away (cleanup must find both).
CREATE TABLE IF NOT EXISTS tenants (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS items (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    slug text NOT NULL,
    label text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, slug)
);
CREATE TABLE IF NOT EXISTS item_notes (
    id bigserial PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES items (id),
    body text NOT NULL
);
