// Applying a suite's migrations once per content hash, recorded in the test
// database itself, and reporting a failure at its file and line.
#include <algorithm>
#include <regex>

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "harness/common/log.hpp"
#include "harness/schema/schema_apply.hpp"
#include "testdb/errors.hpp"
#include "testdb/query.hpp"
#include "testdb/safety.hpp"

namespace testdb::detail {
namespace {

// The key every testdb process takes before touching the schema.
constexpr const char* kLockKey = "7318281";

enum class Recorded { Nothing, Same, Changed, Incomplete };

Recorded read_state(pqxx::transaction_base& tx, const std::string& source, const std::string& hash) {
    tx.exec(
        "CREATE TABLE IF NOT EXISTS testdb_schema_state ("
        " source text PRIMARY KEY, hash text NOT NULL, complete boolean NOT NULL,"
        " files integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const pqxx::result row =
        testdb::query(tx, "SELECT hash, complete FROM testdb_schema_state WHERE source = $1", source);
    if (row.empty()) return Recorded::Nothing;
    if (!row[0][1].as<bool>()) return Recorded::Incomplete;
    return row[0][0].as<std::string>() == hash ? Recorded::Same : Recorded::Changed;
}

void write_state(pqxx::transaction_base& tx, const MigrationSet& set, const std::string& source,
                 bool complete) {
    testdb::query(tx,
                  "INSERT INTO testdb_schema_state (source, hash, complete, files) VALUES ($1, $2, $3, $4)"
                  " ON CONFLICT (source) DO UPDATE SET hash = EXCLUDED.hash,"
                  " complete = EXCLUDED.complete, files = EXCLUDED.files, applied_at = now()",
                  source, set.hash, complete, static_cast<int>(set.files.size()));
}

// Migrations never run on top of another version of themselves: every
// schema but the system ones goes, then the set applies from its first file.
void rebuild_database(pqxx::transaction_base& tx, const std::string& database,
                      const MigrationSet& set) {
    requireSafeToDelete(database, "rebuild the schema from " + set.source.string());
    const pqxx::result schemas = tx.exec(
        "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'");
    for (const auto& row : schemas) {
        tx.exec("DROP SCHEMA " + tx.quote_name(row[0].c_str()) + " CASCADE");
    }
    tx.exec("CREATE SCHEMA public");
    log().warn("rebuilt database {}: the schema from {} changed, or its last apply did not "
               "complete", database, set.source.string());
}

bool needs_rebuild(Recorded recorded, const MigrationSet& set) {
    return recorded == Recorded::Incomplete ||
           (recorded == Recorded::Changed && set.layout != MigrationLayout::SingleFile);
}

[[noreturn]] void throw_failure(const MigrationFile& file, const pqxx::sql_error& e,
                                const std::string& database, bool rolled_back) {
    const int line = error_line(e.what());
    const int file_line = line == 0 ? 0 : file.first_line + line - 1;
    const std::string statement = statement_at(file.sql, line);
    const std::string where =
        file.path.string() + (file_line == 0 ? "" : ":" + std::to_string(file_line));
    throw SchemaError(
        "SchemaError: the migration " + where + " failed on the test database " + database +
            ": " + e.what() + (statement.empty() ? "" : "Statement: " + statement + "\n") +
            (rolled_back ? "Nothing of this schema version stayed applied (it ran in one transaction)."
                         : "The database is marked incomplete and is rebuilt on the next run.") +
            "\nFix: correct the SQL at " + where + ".",
        file.path.string(), file_line, statement);
}

template <typename Transaction>
void run_file(Transaction& tx, const MigrationFile& file, bool rolled_back) {
    try {
        tx.exec(file.sql);
    } catch (const pqxx::sql_error& e) {
        throw_failure(file, e, tx.conn().dbname(), rolled_back);
    }
}

std::string source_key(const MigrationSet& set) {
    if (set.layout == MigrationLayout::Command) return "command: " + set.command;
    std::error_code error;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(set.source, error);
    return (error ? set.source : canonical).string();
}

// Some file cannot run in a transaction (dbmate's transaction:false), or a
// command of its own applies them: each file commits on its own, under a
// session lock, and the state says "incomplete" until the last one did.
// libpqxx allows one transaction object per connection at a time, so each
// step opens its own.
bool apply_in_steps(pqxx::connection& conn, const MigrationSet& set, const std::string& source,
                    const Config& target) {
    pqxx::nontransaction(conn, "testdb: schema lock")
        .exec(std::string("SELECT pg_advisory_lock(") + kLockKey + ")");
    struct Unlock {
        pqxx::connection& conn;
        ~Unlock() {
            try {
                pqxx::nontransaction(conn, "testdb: schema unlock")
                    .exec(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")");
            } catch (...) {  // NOLINT(bugprone-empty-catch): the session's end releases it too
            }
        }
    } unlock{conn};
    {
        pqxx::work tx(conn, "testdb: schema state");
        const Recorded recorded = read_state(tx, source, set.hash);
        if (recorded == Recorded::Same) return false;
        if (recorded != Recorded::Nothing) {
            rebuild_database(tx, conn.dbname(), set);
            read_state(tx, source, set.hash);
        }
        write_state(tx, set, source, false);
        tx.commit();
    }
    if (set.layout == MigrationLayout::Command) run_migrate_command(set, target);
    for (const MigrationFile& file : set.files) {
        if (file.transactional) {
            pqxx::work tx(conn, "testdb: migration");
            run_file(tx, file, false);
            tx.commit();
        } else {
            pqxx::nontransaction tx(conn, "testdb: migration");
            run_file(tx, file, false);
        }
    }
    pqxx::work tx(conn, "testdb: schema state");
    write_state(tx, set, source, true);
    tx.commit();
    log().info("applied schema {} ({} layout, in steps, sha256 {})", set.source.string(),
               layoutName(set.layout), set.hash);
    return true;
}

// The hash hit every later run takes: one round trip, no lock and no
// transaction. Taking the lock first would tell no more: a process that
// rebuilds the database after we looked can do so after we let go of the
// lock as well.
bool recorded_complete(pqxx::connection& conn, const std::string& source, const std::string& hash) {
    try {
        pqxx::nontransaction tx(conn, "testdb: schema hit");
        return !testdb::query(tx, "SELECT 1 FROM testdb_schema_state WHERE source = $1"
                                  " AND hash = $2 AND complete", source, hash).empty();
    } catch (const pqxx::sql_error&) {
        return false;  // no state table yet: the locked path creates it
    }
}

}  // namespace

int error_line(const std::string& message) {
    static const std::regex line(R"(LINE ([0-9]+):)");
    std::smatch match;
    return std::regex_search(message, match, line) ? std::stoi(match[1].str()) : 0;
}

std::string statement_at(const std::string& sql, int line) {
    if (line <= 0) return {};
    size_t line_start = 0;
    for (int i = 1; i < line && line_start != std::string::npos; ++i) {
        line_start = sql.find('\n', line_start);
        if (line_start != std::string::npos) ++line_start;
    }
    if (line_start == std::string::npos || line_start > sql.size()) return {};
    const size_t before = line_start == 0 ? std::string::npos : sql.rfind(';', line_start - 1);
    const size_t begin = before == std::string::npos ? 0 : before + 1;
    const size_t after = sql.find(';', line_start);
    const std::string text = sql.substr(begin, after == std::string::npos ? std::string::npos
                                                                          : after + 1 - begin);
    const size_t first = text.find_first_not_of(" \t\r\n");
    const size_t last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first, last + 1 - first);
}

bool apply_migrations(pqxx::connection& conn, const MigrationSet& set, const Config& target) {
    const std::string source = source_key(set);
    if (recorded_complete(conn, source, set.hash)) return false;
    const bool one_transaction =
        set.layout != MigrationLayout::Command &&
        std::all_of(set.files.begin(), set.files.end(),
                    [](const MigrationFile& f) { return f.transactional; });
    if (!one_transaction) return apply_in_steps(conn, set, source, target);
    pqxx::work tx(conn, "testdb: apply schema");
    // Concurrent processes wait here; the first applies, the rest find the
    // hash recorded. The lock ends with the transaction, so it also works
    // through a transaction-mode pooler.
    tx.exec(std::string("SELECT pg_advisory_xact_lock(") + kLockKey + ")");
    const Recorded recorded = read_state(tx, source, set.hash);
    if (recorded == Recorded::Same) return false;
    if (needs_rebuild(recorded, set)) {
        rebuild_database(tx, conn.dbname(), set);
        read_state(tx, source, set.hash);
    }
    for (const MigrationFile& file : set.files) {
        run_file(tx, file, true);
    }
    write_state(tx, set, source, true);
    tx.commit();
    log().info("applied schema {} ({} file(s), {} layout, sha256 {})", set.source.string(),
               set.files.size(), layoutName(set.layout), set.hash);
    return true;
}

}  // namespace testdb::detail
