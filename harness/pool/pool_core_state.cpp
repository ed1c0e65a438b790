// What the pool tells about itself (its holders, figures and lease
// timeline), the hooks the lifecycle installs, and how it closes. Kept apart
// from pool_core.cpp, which hands connections out and takes them back.
#include "harness/common/log.hpp"
#include "harness/pool/pool_core.hpp"

namespace testdb::detail {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

LeaseInfo PoolCore::info(std::size_t index) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return slots_[index].info;
}

int PoolCore::backend_pid(std::size_t index) { return connection(index).backendpid(); }

void PoolCore::set_in_transaction(std::size_t index, bool in_transaction) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_[index].info.in_transaction = in_transaction;
}

PoolStats PoolCore::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    PoolStats snapshot = stats_;
    snapshot.waiting = static_cast<int>(queue_.size());
    return snapshot;
}

LeaseTimeline PoolCore::timeline() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lease_log_.snapshot();
}

std::vector<LeaseInfo> PoolCore::holders() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return holders_locked();
}

ShutdownReport PoolCore::shutdown(SourceLocation where) {
    std::vector<std::unique_ptr<PooledConnection>> closing;
    ShutdownReport report;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!shut_down_) {
            shut_down_at_ = where;
        }
        report.already_shut_down = shut_down_;
        report.outstanding = holders_locked();
        if (!shut_down_) {
            shut_down_ = true;
            for (std::size_t i = 0; i < slots_.size(); ++i) {
                Slot& held = slots_[i];
                if (held.busy && !held.held_by_borrower) {
                    held.event = lease_log_.leaked(held.event, held.info.label, held.info.file,
                                                   held.info.line, i, held.info.since);
                }
            }
            for (Slot& slot : slots_) {
                if (!slot.busy && slot.conn) {
                    closing.push_back(std::move(slot.conn));
                }
            }
        }
        report.stats = stats_;
    }
    freed_.notify_all();  // waiters wake up and get PoolClosed
    if (!report.already_shut_down) {
        const auto now = Clock::now();
        for (const LeaseInfo& held : report.outstanding) {
            log().error("LeakError: a lease is still held at shutdown: {}", held.describe(now));
        }
    }
    return report;  // `closing` closes the idle connections here
}

bool PoolCore::is_shut_down() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return shut_down_;
}

SourceLocation PoolCore::shut_down_at() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return shut_down_at_;
}

void PoolCore::set_label_provider(std::function<std::string()> provider) {
    std::lock_guard<std::mutex> lock(mutex_);
    label_provider_ = std::move(provider);
}

void PoolCore::set_acquire_check(std::function<void(const std::string&, SourceLocation)> check) {
    std::lock_guard<std::mutex> lock(mutex_);
    acquire_check_ = std::move(check);
}

}  // namespace testdb::detail
