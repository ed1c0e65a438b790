#include "harness/lifecycle/touched_tables.hpp"

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "harness/common/log.hpp"
#include "testdb/errors.hpp"
#include "testdb/query.hpp"
#include "testdb/run_token.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {
namespace {

// The user tables: ordinary and partitioned, not temporary, not an
// extension's, not testdb's own (testdb_*, the schema below).
constexpr const char* kCreateSchema = R"sql(
CREATE SCHEMA testdb_touched;
CREATE UNLOGGED TABLE testdb_touched.log (rel oid NOT NULL);
CREATE TABLE testdb_touched.owner (run_token text NOT NULL, replica boolean NOT NULL,
                                   reset boolean NOT NULL);
CREATE TABLE testdb_touched.tables (rel oid PRIMARY KEY, leaf boolean NOT NULL);
CREATE TABLE testdb_touched.seed (rel oid PRIMARY KEY, ins text NOT NULL);
CREATE TABLE testdb_touched.plan (rel oid PRIMARY KEY, closure oid[] NOT NULL);
CREATE TABLE testdb_touched.seq (rel oid NOT NULL, seq regclass NOT NULL, value bigint NOT NULL,
                                 called boolean NOT NULL);
-- A plain INSERT, no unique key: concurrent writers never wait on each other.
CREATE FUNCTION testdb_touched.note() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO testdb_touched.log VALUES (TG_RELID);
    RETURN NULL;
END $f$;
INSERT INTO testdb_touched.tables
SELECT c.oid, c.relkind = 'r' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('information_schema', 'testdb_touched') AND n.nspname NOT LIKE 'pg\_%'
   AND c.relname NOT LIKE 'testdb\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e');
-- The trigger on every table; a copy of every table holding rows.
DO $f$
DECLARE t record; cols text; has_rows boolean;
BEGIN
    FOR t IN SELECT rel, leaf FROM testdb_touched.tables LOOP
        EXECUTE format('CREATE TRIGGER testdb_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE'
                       ' ON %s FOR EACH STATEMENT EXECUTE FUNCTION testdb_touched.note()',
                       t.rel::regclass);
        CONTINUE WHEN NOT t.leaf;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', t.rel::regclass) INTO has_rows;
        CONTINUE WHEN NOT has_rows;
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute WHERE attrelid = t.rel AND attnum > 0 AND NOT attisdropped
           AND attgenerated = '';
        EXECUTE format('CREATE UNLOGGED TABLE testdb_touched.%I AS SELECT %s FROM ONLY %s',
                       's' || t.rel, cols, t.rel::regclass);
        INSERT INTO testdb_touched.seed VALUES (t.rel,
            format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM testdb_touched.%I',
                   t.rel::regclass, cols, cols, 's' || t.rel));
    END LOOP;
END $f$;
CREATE FUNCTION testdb_touched.leaves(r oid) RETURNS SETOF oid LANGUAGE sql STABLE AS $f$
    SELECT r WHERE (SELECT relkind FROM pg_class WHERE oid = r) = 'r'
    UNION SELECT p.relid FROM pg_partition_tree(r) p WHERE p.isleaf
$f$;
-- What restoring one table takes: its leaf partitions, and every table with
-- seed rows that references them (their rows point at rows put back).
INSERT INTO testdb_touched.plan
SELECT t.rel, (WITH RECURSIVE c(rel) AS (
                   SELECT testdb_touched.leaves(t.rel)
                   UNION
                   SELECT l FROM c
                     JOIN pg_constraint k ON k.contype = 'f' AND k.confrelid = c.rel
                     CROSS JOIN LATERAL testdb_touched.leaves(k.conrelid) l
                    WHERE l IN (SELECT s.rel FROM testdb_touched.seed s))
               SELECT array_agg(rel) FROM c)
  FROM testdb_touched.tables t;
-- One statement deletes, one re-inserts: foreign keys (cycles included,
-- RESTRICT too) are checked at the end of each, when all tables agree.
CREATE FUNCTION testdb_touched.restore() RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE o record; touched oid[]; rels oid[]; stmt text; role text;
BEGIN
    SELECT * INTO o FROM testdb_touched.owner;
    WITH gone AS (DELETE FROM testdb_touched.log RETURNING rel)
    SELECT array_agg(DISTINCT rel) INTO touched FROM gone;
    IF touched IS NULL THEN RETURN 0; END IF;
    SELECT array_agg(DISTINCT c) INTO rels
      FROM testdb_touched.plan p CROSS JOIN LATERAL unnest(p.closure) c WHERE p.rel = ANY (touched);
    IF rels IS NULL THEN RETURN 0; END IF;
    role := current_setting('session_replication_role');
    IF o.replica THEN PERFORM set_config('session_replication_role', 'replica', true); END IF;
    SELECT 'WITH ' || string_agg(format('d%s AS (DELETE FROM ONLY %s)', r, r::regclass), ', ')
           || ' SELECT 1' INTO stmt FROM unnest(rels) r;
    EXECUTE stmt;
    SELECT 'WITH ' || string_agg(format('i%s AS (%s)', s.rel, s.ins), ', ') || ' SELECT 1'
      INTO stmt FROM testdb_touched.seed s WHERE s.rel = ANY (rels);
    IF stmt IS NOT NULL THEN EXECUTE stmt; END IF;
    IF o.reset THEN
        PERFORM setval(q.seq, q.value, q.called) FROM testdb_touched.seq q
         WHERE q.rel = ANY (touched) OR q.rel = ANY (rels);
    END IF;
    PERFORM set_config('session_replication_role', role, true);
    DELETE FROM testdb_touched.log;  -- without replica mode, the restore noted itself
    RETURN cardinality(rels);
END $f$;
)sql";

constexpr const char* kSnapshotSequences = R"sql(
INSERT INTO testdb_touched.seq
SELECT d.refobjid, d.objid::regclass, coalesce(s.last_value, s.start_value), s.last_value IS NOT NULL
  FROM pg_depend d
  JOIN pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'
  JOIN pg_sequences s ON format('%I.%I', s.schemaname, s.sequencename)::regclass = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
   AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT rel FROM testdb_touched.tables)
)sql";

// A schema left by another run: refuse while that run lives, else put its
// tables back (a crash mid-test left rows) and drop it.
void take_over_leftover_schema(pqxx::work& tx) {
    if (tx.exec("SELECT to_regnamespace('testdb_touched')")[0][0].is_null()) {
        return;
    }
    const pqxx::result owner = tx.exec(
        "SELECT o.run_token, EXISTS (SELECT 1 FROM pg_stat_activity a"
        " WHERE a.application_name LIKE '%-' || o.run_token) FROM testdb_touched.owner o");
    if (!owner.empty() && owner[0][1].as<bool>()) {
        throw IsolationError(
            "IsolationError: another testdb process (run " + std::string(owner[0][0].c_str()) +
            ") uses the touched tier in database " + tx.conn().dbname() +
            "; it restores whole tables, so only one process per database may use it.\n"
            "Fix: give the suite a SCHEMA (the touched tier then works in a clone of its own), "
            "run the suites one after another (ctest RESOURCE_LOCK testdb), or choose the "
            "database tier.");
    }
    if (!owner.empty()) {
        tx.exec("SELECT testdb_touched.restore()");
        log().warn("restored the tables a crashed run (run {}) left written in the touched tier",
                   owner[0][0].c_str());
    }
    tx.exec("DROP SCHEMA testdb_touched CASCADE");
}

}  // namespace

TouchedSetup installTouchedTables(Pool& pool, bool reset_sequences) try {
    return withConnection(
        pool,
        [&](pqxx::connection& conn) {
            pqxx::work tx(conn, "testdb: touched tier setup");
            tx.exec("SELECT pg_advisory_xact_lock(hashtext('testdb_touched'))");
            take_over_leftover_schema(tx);
            TouchedSetup setup;
            setup.replica = tx.exec("SELECT current_setting('is_superuser')")[0][0].as<std::string>() == "on";
            tx.exec(kCreateSchema);
            testdb::query(tx, "INSERT INTO testdb_touched.owner VALUES ($1, $2, $3)", runToken(),
                          setup.replica, reset_sequences);
            if (reset_sequences) {
                tx.exec(kSnapshotSequences);
            }
            const pqxx::result counts = tx.exec(
                "SELECT (SELECT count(*) FROM testdb_touched.tables),"
                " (SELECT count(*) FROM testdb_touched.seed)");
            setup.tables = counts[0][0].as<int>();
            setup.seeded = counts[0][1].as<int>();
            tx.commit();
            return setup;
        },
        "testdb: touched tier setup");
} catch (const pqxx::sql_error& e) {
    throw IsolationError("IsolationError: the touched tier could not put its triggers and seed "
                         "copies into database " + pool.config().dbname + ": " + e.what() +
                         "Fix: the test user must own the tables (CREATE TRIGGER) and may "
                         "create schemas; or choose the rollback or database tier.");
}

int restoreTouchedTables(Pool& pool) {
    return withConnection(
        pool,
        [](pqxx::connection& conn) {
            pqxx::nontransaction tx(conn, "testdb: restore touched tables");
            // A lease kept past its test inside a transaction may hold locks
            // on these rows: wait for it 10 s, not forever (SET LOCAL: only
            // this one implicit transaction, one round trip).
            try {
                return tx.exec("SET LOCAL lock_timeout = '10s'; SELECT testdb_touched.restore()")[0][0]
                    .as<int>();
            } catch (const pqxx::sql_error& e) {
                if (e.sqlstate() != "55P03") throw;
                throw LeakError("LeakError: the touched tier's restore waited 10 s for a lock "
                                "another transaction holds (" + std::string(e.what()) + ").\nFix: "
                                "end every transaction before its test ends; a Lease kept past "
                                "its test inside a transaction keeps its locks.");
            }
        },
        "testdb: restore touched tables");
}

void removeTouchedTables(Pool& pool) noexcept {
    try {
        withConnection(
            pool,
            [](pqxx::connection& conn) {
                pqxx::nontransaction(conn, "testdb: touched tier teardown")
                    .exec("DROP SCHEMA IF EXISTS testdb_touched CASCADE");
            },
            "testdb: touched tier teardown");
    } catch (const std::exception& e) {
        log().warn("could not drop the touched tier's schema (the next run does): {}", e.what());
    }
}

}  // namespace testdb::detail
