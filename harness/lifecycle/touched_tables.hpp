// Private: the touched tier's machinery. At run start every user table gets a
// statement-level trigger that notes its oid in a small testdb-owned log, and
// the tables that hold rows (seed data) are copied aside. After a test case
// one call puts every table it wrote back to its run-start contents. All of
// it lives in the schema testdb_touched, dropped at run end.
#pragma once

#include <string>

#include "testdb/pool.hpp"

namespace testdb::detail {

/// The schema holding the log, the seed copies and the functions.
inline constexpr const char* kTouchedSchema = "testdb_touched";

/// What install() set up.
struct TouchedSetup {
    int tables = 0;         ///< user tables that got the trigger
    int seeded = 0;         ///< of them, tables with rows at run start (copied aside)
    bool replica = false;   ///< restores skip user triggers (session_replication_role)
};

/// Sets the machinery up in the pool's database (one transaction). A
/// schema left by a crashed run is restored from and rebuilt; one owned by
/// a live process throws IsolationError (one process per database).
/// `reset_sequences`: restores also put the tables' sequences back.
TouchedSetup installTouchedTables(Pool& pool, bool reset_sequences);

/// Puts every table written since the last call back to its run-start
/// contents, children and cycles included, in one round trip. Returns the
/// number of tables restored.
int restoreTouchedTables(Pool& pool);

/// Drops the triggers, the log and the seed copies (run end). Never throws;
/// a failure is logged and the next run's install cleans up.
void removeTouchedTables(Pool& pool) noexcept;

}  // namespace testdb::detail
