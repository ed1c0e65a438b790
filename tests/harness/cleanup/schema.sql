-- Schema of the tenant-cleanup self-test suite (cleanup_cases_test.cpp):
-- tenant-scoped tables that reference each other in cycles, a table cleaned
-- by its tenant column (an audit log filled by a trigger), a table the
-- cleanup cannot reach, and a link that can hold a tenant's row from outside.
-- In a schema of its own, with its own tenant table, so that it never meets
-- the other self-test suites' tables on a shared test database.
DO $schema$
BEGIN
IF to_regclass('cleanup_cases.tenants') IS NOT NULL THEN
    RETURN;
END IF;
CREATE SCHEMA IF NOT EXISTS cleanup_cases;
CREATE TABLE cleanup_cases.tenants (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE);

-- Two tables, nullable keys, neither deferrable: users.team_id -> teams and
-- teams.owner_id -> users.
CREATE TABLE cleanup_cases.teams (id bigserial PRIMARY KEY,
                    tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id), owner_id bigint);
CREATE TABLE cleanup_cases.users (id bigserial PRIMARY KEY,
                    tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id),
                    team_id bigint REFERENCES cleanup_cases.teams (id));
ALTER TABLE cleanup_cases.teams ADD CONSTRAINT teams_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES cleanup_cases.users (id);

-- Three tables, keys NOT NULL, one edge deferrable: projects -> tasks ->
-- members -> projects.
CREATE TABLE cleanup_cases.projects (id bigserial PRIMARY KEY,
                       tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id), lead_id bigint NOT NULL);
CREATE TABLE cleanup_cases.members (id bigserial PRIMARY KEY,
                      tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id),
                      project_id bigint NOT NULL REFERENCES cleanup_cases.projects (id));
CREATE TABLE cleanup_cases.tasks (id bigserial PRIMARY KEY,
                    tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id),
                    member_id bigint NOT NULL REFERENCES cleanup_cases.members (id));
ALTER TABLE cleanup_cases.projects ADD CONSTRAINT projects_lead_id_fkey FOREIGN KEY (lead_id)
    REFERENCES cleanup_cases.tasks (id) DEFERRABLE INITIALLY DEFERRED;

-- ON DELETE RESTRICT on one edge of a cycle: invoices -> customers
-- (RESTRICT), customers.last_invoice_id -> invoices.
CREATE TABLE cleanup_cases.customers (id bigserial PRIMARY KEY,
                        tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id), last_invoice_id bigint);
CREATE TABLE cleanup_cases.invoices (id bigserial PRIMARY KEY,
                       tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id),
                       customer_id bigint NOT NULL REFERENCES cleanup_cases.customers (id) ON DELETE RESTRICT);
ALTER TABLE cleanup_cases.customers ADD CONSTRAINT customers_last_invoice_id_fkey FOREIGN KEY (last_invoice_id)
    REFERENCES cleanup_cases.invoices (id);

-- The tenant column without a foreign key, filled by a trigger on users
-- (also when the cleanup deletes them).
CREATE TABLE cleanup_cases.audit_log (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, what text NOT NULL);
CREATE FUNCTION cleanup_cases.audit_users() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO cleanup_cases.audit_log (tenant_id, what) VALUES (OLD.tenant_id, 'user deleted');
        RETURN OLD;
    END IF;
    INSERT INTO cleanup_cases.audit_log (tenant_id, what) VALUES (NEW.tenant_id, 'user added');
    RETURN NEW;
END
$fn$;
CREATE TRIGGER users_audit AFTER INSERT OR DELETE ON cleanup_cases.users
    FOR EACH ROW EXECUTE FUNCTION cleanup_cases.audit_users();

-- No foreign key to the tenants, no tenant column: cleanup cannot reach it.
CREATE TABLE cleanup_cases.counters (name text PRIMARY KEY, n integer NOT NULL);

-- A link owned by one tenant that may point at another tenant's user: the
-- cleanup of the user's tenant then fails on links_user_id_fkey.
CREATE TABLE cleanup_cases.links (id bigserial PRIMARY KEY,
                    tenant_id bigint NOT NULL REFERENCES cleanup_cases.tenants (id),
                    user_id bigint NOT NULL REFERENCES cleanup_cases.users (id));
END
$schema$;
