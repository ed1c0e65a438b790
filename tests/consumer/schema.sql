CREATE TABLE IF NOT EXISTS tenants (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS widgets (
    id bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants(id),
    slug text NOT NULL,
    UNIQUE (tenant_id, slug)
);
