-- Migration 2: the catalog (packages and their add-ons).

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
