#include "harness/pool/pool_core.hpp"

#include <algorithm>
#include <sstream>

#include <pqxx/except>

#include "harness/common/log.hpp"
#include "testdb/errors.hpp"

namespace testdb::detail {
namespace {

using Clock = std::chrono::steady_clock;

// How long after its release a connection is handed out again without the
// liveness poll: a server restart takes far longer than this.
constexpr std::chrono::milliseconds kTrustRecentlyReleased{50};

std::string seconds_text(std::chrono::nanoseconds d) {
    std::ostringstream out;
    out.precision(d < std::chrono::seconds(10) ? 2 : 3);
    out << std::chrono::duration<double>(d).count() << " s";
    return out.str();
}

std::string first_line(std::string text) {
    // libpq messages span several lines ("FATAL: ...\n\tIs the server...").
    for (char& c : text) {
        if (c == '\n' || c == '\t') {
            c = ' ';
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

}  // namespace

PoolCore::PoolCore(Config config, std::string run_token)
    : config_(std::move(config)),
      run_token_(std::move(run_token)),
      conninfo_(config_.connectionString(run_token_)),
      slots_(static_cast<std::size_t>(config_.connection_limit)),
      lease_log_(LeaseLog::fromSettings(config_.connection_limit)) {}

Lease PoolCore::acquire(std::string label, SourceLocation where) {
    std::function<std::string()> provider;
    std::function<void(const std::string&, SourceLocation)> check;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        provider = label_provider_;
        check = acquire_check_;
    }
    if (label.empty() && provider) {
        label = provider();
    }
    if (label.empty()) {
        label = "unnamed caller";
    }
    if (check) {
        check(label, where);
    }

    std::unique_lock<std::mutex> lock(mutex_);
    if (pin_) {
        return borrow_pinned_locked(std::move(label), where);
    }
    const auto start = Clock::now();
    const auto deadline = start + config_.pool_timeout;
    const std::uint64_t ticket = next_ticket_++;
    queue_.push_back(ticket);
    bool waited = false;
    int slot_index = -1;
    for (;;) {
        if (shut_down_) {
            leave_queue_locked(ticket);
            throw PoolClosed("PoolClosed: \"" + label + "\" at " + where.toString() +
                             " asked for a connection after the pool was shut down (at " +
                             shut_down_at_.toString() + ").\n"
                             "Fix: do not use getTestDb() after shutdown() (the global teardown "
                             "calls it at the end of the run).");
        }
        if (queue_.front() == ticket) {
            slot_index = pick_free_slot_locked();
            if (slot_index >= 0) {
                break;
            }
        }
        if (caller_holds_every_slot_locked()) {
            ++stats_.deadlocks;
            const auto now = Clock::now();
            const std::string held = held_by_lines_locked(now);
            std::vector<LeaseHolder> holders = lease_holders_locked(now);
            leave_queue_locked(ticket);
            throw PoolDeadlock(
                "PoolDeadlock: \"" + label + "\" at " + where.toString() +
                " asked for a connection, but its own thread already holds all " +
                std::to_string(slots_.size()) + " (connection_limit=" +
                std::to_string(config_.connection_limit) + "); waiting would never end.\n" + held +
                "Fix: release a lease before acquiring another (pass the Lease you hold to "
                "withTransaction(lease, fn)), or raise connection_limit.",
                std::move(holders), config_.connection_limit);
        }
        waited = true;
        if (freed_.wait_until(lock, deadline) == std::cv_status::timeout &&
            !(queue_.front() == ticket && pick_free_slot_locked() >= 0) && !shut_down_) {
            ++stats_.timeouts;
            const auto now = Clock::now();
            // A wait that ended in a PoolTimeout was a wait all the same.
            ++stats_.waits;
            stats_.total_wait += now - start;
            stats_.max_wait = std::max<std::chrono::nanoseconds>(stats_.max_wait, now - start);
            lease_log_.timedOut(label, where, start, now);
            const std::size_t waiting = queue_.size();
            const std::string held = held_by_lines_locked(now);
            std::vector<LeaseHolder> holders = lease_holders_locked(now);
            leave_queue_locked(ticket);
            throw PoolTimeout(
                "PoolTimeout: no connection free after " + seconds_text(config_.pool_timeout) +
                " for \"" + label + "\" at " + where.toString() + " (limit " +
                std::to_string(config_.connection_limit) + ", " +
                std::to_string(stats_.in_use) + " in use, " + std::to_string(waiting) +
                " waiting including this caller).\n" + held +
                "Fix: release leases sooner, batch with createMany(), or raise connection_limit "
                "(pool_timeout=" + seconds_text(config_.pool_timeout) + ").",
                std::move(holders), config_.connection_limit, config_.pool_timeout);
        }
    }
    leave_queue_locked(ticket);

    Slot& slot = slots_[static_cast<std::size_t>(slot_index)];
    slot.busy = true;
    slot.info = LeaseInfo{std::move(label), where.file, where.line, Clock::now(),
                          std::this_thread::get_id(), false};
    slot.event = lease_log_.granted(slot.info.label, where, static_cast<std::size_t>(slot_index),
                                    start, slot.info.since);
    const auto waited_for = slot.info.since - start;
    ++stats_.in_use;
    if (waited) {
        ++stats_.waits;
        stats_.total_wait += waited_for;
        stats_.max_wait = std::max<std::chrono::nanoseconds>(stats_.max_wait, waited_for);
    }
    lock.unlock();

    // The slot is ours now, so nobody else touches its connection: check and
    // open it without holding the lock (connecting takes milliseconds).
    bool replacing = slot.replace_on_open;
    // A connection that came back moments ago was healthy then (release
    // checks it); only one idle for a while can have been killed behind the
    // pool's back (server restart, pg_terminate_backend), so only that one
    // costs the poll() system call.
    if (slot.conn && slot.info.since - slot.released_at > kTrustRecentlyReleased &&
        !slot.conn->alive()) {
        log().info("an idle connection died (server restart or terminated backend); replacing it");
        slot.conn.reset();
        replacing = true;
    }
    if (!slot.conn) {
        std::unique_ptr<PooledConnection> opened;
        try {
            opened = open_connection();
        } catch (...) {
            lock.lock();
            slot.busy = false;
            slot.replace_on_open = replacing;
            --stats_.in_use;
            lock.unlock();
            freed_.notify_all();
            throw;
        }
        lock.lock();
        lease_log_.serverVersion(PQserverVersion(opened->raw()));
        slot.conn = std::move(opened);
        slot.replace_on_open = false;
        ++stats_.opened;
        if (replacing) {
            ++stats_.replaced;
        }
    } else {
        lock.lock();
    }
    ++stats_.acquires;
    // Counted only now that the connection is open: an attempt the server
    // refused, or one still connecting on another thread, is no connection.
    stats_.peak_in_use = std::max(stats_.peak_in_use, open_and_held_locked());
    return Lease(shared_from_this(), static_cast<std::size_t>(slot_index));
}

std::unique_ptr<PooledConnection> PoolCore::open_connection() {
    try {
        auto conn = std::make_unique<PooledConnection>(conninfo_);
        log().debug("opened connection (backend pid {}) to {}", PQbackendPID(conn->raw()),
                    config_.endpoint());
        return conn;
    } catch (const pqxx::broken_connection& e) {
        const std::string cause = maskPassword(first_line(e.what()));
        if (isConnectionRefusal(cause)) {
            throw ServerRefused(
                "ServerRefused: the server at " + config_.endpoint() +
                " refused a new connection (SQLSTATE 53300: its max_connections, or "
                "PgBouncer's max_client_conn, is used up): " + cause +
                "\n  url: " + config_.maskedUrl() +
                "\n  this process holds " + std::to_string(stats().in_use - 1) +
                " of its own connection_limit=" + std::to_string(config_.connection_limit) +
                "; the other slots belong to other clients (`testdb doctor` names them by "
                "application_name).\n"
                "Fix: lower connection_limit (TESTDB_CONNECTION_LIMIT) so each process needs "
                "fewer; if the other clients are test processes, set TESTDB_MAX_PROCESSES to "
                "cap how many use the server at once (`testdb doctor` prints the budget that "
                "fits); or free the slots others hold, or raise the server's max_connections.",
                refusalSqlstate(cause), config_.endpoint());
        }
        throw ServerUnavailable(
            "ServerUnavailable: cannot connect to " + config_.endpoint() + " (connect_timeout=" +
            std::to_string(config_.connect_timeout) + " s): " + cause +
            "\n  url: " + config_.maskedUrl() +
            "\nFix: start that server, correct DATABASE_URL_TEST (host, port, user, password, "
            "database), or unset it so testdb starts its own PostgreSQL.");
    }
}

bool PoolCore::reusable_after_use(Slot& slot, bool& in_transaction) noexcept {
    PooledConnection& conn = *slot.conn;
    if (!conn.healthy()) {
        log().warn("connection of \"{}\" ({}:{}) came back broken; it will be replaced",
                   slot.info.label, slot.info.file, slot.info.line);
        return false;
    }
    switch (conn.transaction_status()) {
        case PQTRANS_IDLE:
            return true;
        case PQTRANS_INTRANS:
        case PQTRANS_INERROR: {
            in_transaction = true;
            // The holder opened a transaction and never closed it: roll it
            // back so the next holder starts clean, and say who did it.
            PGresult* result = PQexec(conn.raw(), "ROLLBACK");
            const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
            PQclear(result);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                ++stats_.rolled_back;
            }
            log().error("LeakError: \"{}\" at {}:{} gave its connection back inside an open "
                        "transaction; testdb rolled it back. Fix: commit or abort before the "
                        "Lease ends (withTransaction() does both)",
                        slot.info.label, slot.info.file, slot.info.line);
            return ok && conn.transaction_status() == PQTRANS_IDLE;
        }
        default:  // a query still running, or unknown: not worth trusting
            return false;
    }
}

void PoolCore::release(std::size_t index) noexcept {
    Slot& slot = slots_[index];
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (slot.held_by_borrower) {
            return;  // the pin owner lets go; the borrower still holds it
        }
    }
    std::unique_ptr<PooledConnection> discard;
    bool in_transaction = false;
    const bool reusable = slot.conn && reusable_after_use(slot, in_transaction);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = Clock::now();
        lease_log_.returned(slot.event, shut_down_ ? LeaseEnd::Leaked
                                        : reusable ? LeaseEnd::Returned
                                                   : LeaseEnd::Broken,
                            in_transaction, now, slot.info.label, slot.info.file,
                            slot.info.line, index, slot.info.since);
        slot.event = LeaseLog::kNone;
        if (!reusable) {
            discard = std::move(slot.conn);
            slot.replace_on_open = true;
        }
        if (shut_down_) {
            log().error("LeakError: the lease of \"{}\" at {}:{} outlived shutdown(); its "
                        "connection was closed when it came back",
                        slot.info.label, slot.info.file, slot.info.line);
            discard = std::move(slot.conn);
        }
        slot.busy = false;
        slot.info.in_transaction = false;
        slot.released_at = now;
        --stats_.in_use;
    }
    freed_.notify_all();
    discard.reset();  // closes the connection outside the lock
}

pqxx::connection& PoolCore::connection(std::size_t index) {
    // Only the holder calls this; the slot cannot change under it.
    Slot& slot = slots_[index];
    if (!slot.conn) {
        throw Error("Error: lease of \"" + slot.info.label + "\" has no connection.");
    }
    return slot.conn->connection();
}

int PoolCore::pick_free_slot_locked() const {
    int unopened = -1;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].busy) {
            continue;
        }
        if (slots_[i].conn) {
            return static_cast<int>(i);
        }
        if (unopened < 0) {
            unopened = static_cast<int>(i);
        }
    }
    return unopened;
}

int PoolCore::open_and_held_locked() const {
    return static_cast<int>(std::count_if(slots_.begin(), slots_.end(),
                                          [](const Slot& s) { return s.busy && s.conn; }));
}

bool PoolCore::caller_holds_every_slot_locked() const {
    const auto me = std::this_thread::get_id();
    return std::all_of(slots_.begin(), slots_.end(),
                       [&](const Slot& s) { return s.busy && s.info.thread == me; });
}

std::vector<LeaseInfo> PoolCore::holders_locked() const {
    std::vector<LeaseInfo> result;
    for (const Slot& slot : slots_) {
        if (slot.busy) {
            result.push_back(slot.info);
        }
    }
    return result;
}

void PoolCore::leave_queue_locked(std::uint64_t ticket) {
    queue_.erase(std::remove(queue_.begin(), queue_.end(), ticket), queue_.end());
    // The next caller may now be at the head with a free slot waiting.
    freed_.notify_all();
}

std::vector<LeaseHolder> PoolCore::lease_holders_locked(Clock::time_point now) const {
    std::vector<LeaseHolder> holders;
    for (const LeaseInfo& info : holders_locked()) {
        holders.push_back(
            LeaseHolder{info.label, info.file, info.line, now - info.since, info.in_transaction});
    }
    return holders;
}

std::string PoolCore::held_by_lines_locked(Clock::time_point now) const {
    std::string lines;
    for (const LeaseInfo& held : holders_locked()) {
        lines += "  held by " + held.describe(now) + "\n";
    }
    return lines;
}

}  // namespace testdb::detail
