// Private: the pool's record of its leases (testdb::LeaseTimeline).
//
// Every method runs under the pool's own mutex, at the moments the pool
// already holds it (grant, release, timeout, shutdown): recording costs one
// push of a small POD and a hash lookup of the test name, no lock of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "testdb/lease_timeline.hpp"
#include "testdb/source_location.hpp"

namespace testdb::detail {

class LeaseLog {
public:
    using Clock = std::chrono::steady_clock;
    /// Events kept in full before counting only (TESTDB_LEASE_EVENTS_CAP overrides).
    static constexpr std::size_t kDefaultCap = 50000;
    /// No event recorded for a lease (recording off or past the cap).
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    LeaseLog(bool enabled, std::size_t cap, int connection_limit);
    /// As TESTDB_RECORD_LEASES (on unless "0") and TESTDB_LEASE_EVENTS_CAP say.
    static LeaseLog fromSettings(int connection_limit);

    bool enabled() const { return timeline_.enabled; }
    /// A lease was granted; returns its event's index (kNone past the cap).
    std::size_t granted(const std::string& label, const SourceLocation& where, std::size_t slot,
                        Clock::time_point asked, Clock::time_point now);
    /// The lease of event `index` (kNone: unrecorded) came back. Unrecorded
    /// leases that ended badly are recorded now, within the extra room.
    void returned(std::size_t index, LeaseEnd end, bool in_transaction, Clock::time_point now,
                  const std::string& label, const std::string& file, int line, std::size_t slot,
                  Clock::time_point granted_at);
    /// A caller gave up after pool_timeout.
    void timedOut(const std::string& label, const SourceLocation& where, Clock::time_point asked,
                  Clock::time_point now);
    /// The lease of event `index` was still out at shutdown; returns its
    /// event's index (recorded now if it was not).
    std::size_t leaked(std::size_t index, const std::string& label, const std::string& file, int line,
                std::size_t slot, Clock::time_point granted_at);
    void serverVersion(int version);
    /// A copy, stamped with the time it was taken.
    LeaseTimeline snapshot() const;

private:
    std::int64_t us(Clock::time_point t) const;
    std::uint32_t intern(std::unordered_map<std::string, std::uint32_t>& ids,
                         std::vector<std::string>& names, const std::string& name);
    bool room_for(LeaseEnd end) const;
    std::size_t push(LeaseEvent event);
    LeaseEvent event_for(const std::string& label, const std::string& file, int line,
                         std::size_t slot);

    Clock::time_point origin_;
    LeaseTimeline timeline_;
    std::unordered_map<std::string, std::uint32_t> label_ids_;
    std::unordered_map<std::string, std::uint32_t> file_ids_;
    std::unordered_map<const char*, std::uint32_t> file_by_pointer_;
    std::string last_label_;
    std::uint32_t last_label_id_ = 0;
};

}  // namespace testdb::detail
