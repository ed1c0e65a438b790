-- A tenants table whose name and slug column need SQL quoting, for the
-- names suite (TESTDB_KEEP_FAILED's psql command must quote them).
CREATE TABLE IF NOT EXISTS "Tenants" (
    id bigserial PRIMARY KEY,
    "Slug" text NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS "Widgets" (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES "Tenants" (id),
    slug text NOT NULL,
    UNIQUE (tenant_id, slug)
);
