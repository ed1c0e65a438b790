// Pinning: the rollback tier keeps one connection (and its open transaction)
// for a whole test case and lends it to every acquire() of that test.
#include "harness/pool/pool_core.hpp"
#include "testdb/errors.hpp"
#include "testdb/test_db.hpp"

namespace testdb::detail {

Lease PoolCore::pin(std::string label, SourceLocation where) {
    Lease owner = acquire(std::move(label), where);
    std::lock_guard<std::mutex> lock(mutex_);
    pin_ = Pin{owner.slot_, std::this_thread::get_id(), false, 0, {}};
    return owner;
}

void PoolCore::unpin() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pin_ && pin_->borrowed) {
        // A Lease borrowed inside the test outlives it (kept in a static, say):
        // it becomes the slot's holder, so leak checks name it and the slot
        // is not handed to anyone else while it is still out.
        Slot& slot = slots_[pin_->slot];
        slot.held_by_borrower = true;
        slot.info = pin_->borrower;
    }
    pin_.reset();
}

Lease PoolCore::borrow_pinned_locked(std::string label, SourceLocation where) {
    Pin& pin = *pin_;
    const Slot& slot = slots_[pin.slot];
    if (std::this_thread::get_id() != pin.thread) {
        throw IsolationError(
            "IsolationError: \"" + label + "\" at " + where.toString() +
            " asked for a connection from another thread inside a rollback-tier test case (" +
            slot.info.label + "). Its one connection holds the test's uncommitted "
            "transaction, which other connections could not see anyway.\nFix: tag the test "
            "case [commits] so it runs in the tenant tier with real commits, or do the work "
            "on the test's own thread.");
    }
    if (pin.borrowed && pinnedTransaction() != nullptr) {
        // Inside the borrower's withTransaction() on this thread: a nested
        // withTransaction() (or a factory) shares the connection and runs in
        // a savepoint of its own.
        ++pin.nested;
        ++stats_.acquires;
        return Lease(shared_from_this(), pin.slot, true);
    }
    if (pin.borrowed) {
        throw IsolationError(
            "IsolationError: \"" + label + "\" at " + where.toString() +
            " asked for a second connection inside a rollback-tier test case, while \"" +
            pin.borrower.label + "\" at " + pin.borrower.file + ":" +
            std::to_string(pin.borrower.line) +
            " still holds the test's one connection.\nFix: release that Lease first, pass "
            "it along (withTransaction(lease, fn), factory.create(tx, tenant)), or tag the "
            "test case [commits] to use the tenant tier.");
    }
    pin.borrowed = true;
    pin.borrower = LeaseInfo{std::move(label), where.file, where.line,
                             std::chrono::steady_clock::now(), std::this_thread::get_id(), true};
    ++stats_.acquires;
    return Lease(shared_from_this(), pin.slot, true);
}

void PoolCore::give_back_borrowed(std::size_t slot) noexcept {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (pin_ && pin_->slot == slot) {
            if (pin_->nested > 0) {
                --pin_->nested;
            } else {
                pin_->borrowed = false;
            }
            return;
        }
        if (!slots_[slot].held_by_borrower) {
            return;
        }
        slots_[slot].held_by_borrower = false;
    }
    release(slot);  // the borrower held it since unpin(): a real release
}

bool PoolCore::server_in_transaction(std::size_t slot) {
    PooledConnection* conn = slots_[slot].conn.get();
    return conn != nullptr && conn->transaction_status() != PQTRANS_IDLE;
}

}  // namespace testdb::detail
