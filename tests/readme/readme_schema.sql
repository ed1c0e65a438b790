-- Schema of the README's example test file.
CREATE TABLE IF NOT EXISTS tenants (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS packages (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    slug text NOT NULL,
    name text NOT NULL,
    price_cents integer NOT NULL,
    UNIQUE (tenant_id, slug)
);
