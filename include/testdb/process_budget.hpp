/// @file process_budget.hpp
/// @brief The cross-process connection budget: at most K test processes use
/// one database at once (`TESTDB_MAX_PROCESSES=K`), each holding one slot
/// on the server for its whole run.
///
/// A slot is a transaction-level advisory lock, `pg_try_advisory_xact_lock
/// (kSlotLockClass, slot)`, taken inside a transaction that stays open on
/// one extra connection until the process shuts down. Held that way it
/// works through PgBouncer in transaction mode too (an open transaction
/// keeps its server connection), and it frees itself when the holder dies:
/// the server (or the pooler) ends the session and the lock goes with it.
/// The holder's identity travels in that transaction's application_name,
/// so anyone can see who holds what in pg_stat_activity.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "testdb/config.hpp"

namespace testdb {

/// First key of every slot lock (the second is the slot number): "testdb"
/// in hex speak, so the locks are recognisable in pg_locks.
inline constexpr int kSlotLockClass = 0x7e57db;

/// Connections of headroom left for humans and tools (psql, doctor, the
/// runner's sampler) when the budget is derived from the server.
inline constexpr int kBudgetHeadroom = 2;

/// How many processes fit `usable` server connections when each opens
/// `connection_limit` pooled connections plus its slot's connection.
int processesThatFit(int usable, int connection_limit);

/// One process holding a slot, as the server sees it.
struct SlotHolder {
    int slot = 0;         ///< slot number, 0 .. K-1
    std::string host;     ///< host name of the holding process
    long pid = 0;         ///< its process id on that host
    std::string suite;    ///< its program name (the suite)
    std::string since;    ///< when it took the slot (server time)
    int backend_pid = 0;  ///< the server backend holding the lock
};

/// Every slot of `config`'s database that is held right now.
std::vector<SlotHolder> slotHolders(const Config& config);

/// "slot 0: pid 4242 on ci-runner-3 (booking_it) since 2026-11-26 10:00:01"
std::string describe(const SlotHolder& holder);

/// One held slot of the budget; released by release() or the destructor,
/// and by the server when this process dies.
class ProcessSlot {
public:
    /// Claims a free slot of `config.max_processes` (kAutoMaxProcesses: as
    /// many as processesThatFit() the server's max_connections), waiting
    /// up to `config.slot_timeout` with no server connection held between
    /// attempts. Throws ProcessBudgetTimeout naming every holder when none
    /// frees in time, ServerUnavailable when the server cannot be reached.
    /// `run_token` names this run in the slot's application_name.
    static std::unique_ptr<ProcessSlot> claim(const Config& config, const std::string& run_token);

    ProcessSlot(const ProcessSlot&) = delete;
    ProcessSlot& operator=(const ProcessSlot&) = delete;
    /// Releases the slot (never throws).
    ~ProcessSlot();

    /// The slot number held, 0 .. budget-1.
    int slot() const { return slot_; }
    /// The budget in force (K), after deriving it for `auto`.
    int budget() const { return budget_; }
    /// How long the claim waited for a free slot.
    std::chrono::milliseconds waited() const { return waited_; }
    /// Ends the slot's transaction and closes its connection; idempotent.
    void release() noexcept;

private:
    struct Held;  // the connection and its open transaction (libpqxx types)
    ProcessSlot(std::unique_ptr<Held> held, int slot, int budget, std::chrono::milliseconds waited);

    std::unique_ptr<Held> held_;
    int slot_;
    int budget_;
    std::chrono::milliseconds waited_;
};

}  // namespace testdb
