// Private: the shared state behind testdb::Pool and every Lease it hands out.
//
// Leases hold a shared_ptr to this core (as taopq's deleter does), so a lease
// that outlives the Pool object or its shutdown() gives its connection back
// to something that still exists, and is reported instead of crashing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "harness/pool/lease_log.hpp"
#include "harness/pool/pooled_connection.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/lease.hpp"
#include "testdb/pool.hpp"

namespace testdb::detail {

class PoolCore : public std::enable_shared_from_this<PoolCore> {
public:
    PoolCore(Config config, std::string run_token);

    Lease acquire(std::string label, SourceLocation where);
    void release(std::size_t slot) noexcept;
    Lease pin(std::string label, SourceLocation where);
    void unpin();
    void give_back_borrowed(std::size_t slot) noexcept;
    bool server_in_transaction(std::size_t slot);
    pqxx::connection& connection(std::size_t slot);
    LeaseInfo info(std::size_t slot) const;
    int backend_pid(std::size_t slot);
    void set_in_transaction(std::size_t slot, bool in_transaction) noexcept;

    PoolStats stats() const;
    LeaseTimeline timeline() const;
    std::vector<LeaseInfo> holders() const;
    ShutdownReport shutdown(SourceLocation where);
    bool is_shut_down() const;
    SourceLocation shut_down_at() const;
    void set_label_provider(std::function<std::string()> provider);
    void set_acquire_check(std::function<void(const std::string&, SourceLocation)> check);

    const Config& config() const { return config_; }
    const std::string& run_token() const { return run_token_; }
    std::string application_name() const { return config_.application_name + "-" + run_token_; }

private:
    struct Slot {
        std::unique_ptr<PooledConnection> conn;
        bool busy = false;
        bool replace_on_open = false;  // its last connection broke
        LeaseInfo info;
        std::chrono::steady_clock::time_point released_at{};  // when it came back
        // The pinned connection's borrower kept its Lease past unpin(): the
        // borrower holds the slot now, and the pin owner's release leaves it.
        bool held_by_borrower = false;
        std::size_t event = LeaseLog::kNone;  // its lease in lease_log_
    };

    // Index of the slot the caller at the head of the queue may take, or -1.
    // Prefers an idle open connection; opens a new one only when none is idle.
    int pick_free_slot_locked() const;
    bool caller_holds_every_slot_locked() const;
    // Connections that are open and lent out right now (the peak's measure).
    int open_and_held_locked() const;
    std::vector<LeaseInfo> holders_locked() const;
    void leave_queue_locked(std::uint64_t ticket);
    std::string held_by_lines_locked(std::chrono::steady_clock::time_point now) const;
    // The holders as PoolTimeout and PoolDeadlock carry them.
    std::vector<LeaseHolder> lease_holders_locked(std::chrono::steady_clock::time_point now) const;
    std::unique_ptr<PooledConnection> open_connection();
    // Decides, on release, whether the connection can be reused; rolls back an
    // open transaction. Runs without the lock: only the holder touches it.
    // `in_transaction` tells whether it came back inside one.
    bool reusable_after_use(Slot& slot, bool& in_transaction) noexcept;

    const Config config_;
    const std::string run_token_;
    const std::string conninfo_;

    mutable std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<Slot> slots_;
    std::deque<std::uint64_t> queue_;  // tickets of waiting callers, FIFO
    std::uint64_t next_ticket_ = 0;
    PoolStats stats_;
    bool shut_down_ = false;
    SourceLocation shut_down_at_;  // the first shutdown() call
    std::function<std::string()> label_provider_;
    std::function<void(const std::string&, SourceLocation)> acquire_check_;
    LeaseLog lease_log_;  // guarded by mutex_

    // The rollback tier's pinned connection: lent to one borrower at a time.
    struct Pin {
        std::size_t slot = 0;
        std::thread::id thread;
        bool borrowed = false;
        int nested = 0;  // borrows inside the borrower's withTransaction()
        LeaseInfo borrower;
    };
    std::optional<Pin> pin_;
    // Lends the pinned connection or throws IsolationError (lock held).
    Lease borrow_pinned_locked(std::string label, SourceLocation where);
};

}  // namespace testdb::detail
