-- Schema of the booking example, migration 1 of 4: the tenants. testdb applies
-- this directory in version order, once per content hash, in one transaction.
-- Every statement is idempotent (IF NOT EXISTS) because the harness suites
-- create the same tenants table when they share a test database.
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
