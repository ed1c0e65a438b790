/// @file lease_timeline.hpp
/// @brief testdb::LeaseTimeline: who held which pooled connection, when, and
/// who waited, as the pool recorded it during a run (the HTML report draws
/// it). Recording is on unless TESTDB_RECORD_LEASES=0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace testdb {

/// How a lease ended.
enum class LeaseEnd : std::uint8_t {
    Open = 0,      ///< still held when the timeline was taken
    Returned = 1,  ///< given back, connection kept
    TimedOut = 2,  ///< the caller waited pool_timeout and got PoolTimeout (never granted)
    Leaked = 3,    ///< still held at the pool's shutdown (or given back after it)
    Broken = 4,    ///< given back broken (or unusable): the connection is replaced
};

/// The name LeaseEnd has in reports ("returned", "timed_out", ...).
const char* leaseEndName(LeaseEnd end);

/// One lease, or one caller that waited in vain. Times are microseconds
/// since the timeline's origin; -1 when it did not happen.
struct LeaseEvent {
    std::int64_t asked_us = -1;     ///< acquire() was called
    std::int64_t granted_us = -1;   ///< the connection was handed out (-1: timed out)
    std::int64_t returned_us = -1;  ///< it came back (-1: still out)
    std::uint32_t label = 0;        ///< index into LeaseTimeline::labels (the test case)
    std::uint32_t file = 0;         ///< index into LeaseTimeline::files (the caller's file)
    std::int32_t line = 0;          ///< the caller's line
    std::int16_t slot = -1;         ///< the connection slot (0 .. connection_limit-1); -1 none
    LeaseEnd end = LeaseEnd::Open;  ///< how it ended
    bool in_transaction = false;    ///< it came back inside an open transaction
};

/// The recorded lease events of one pool. Bounded: past `cap` events
/// ordinary leases are only counted (`dropped`, `dropped_wait_us`); timeouts,
/// leaks and broken connections are still kept, up to `cap` + `kExtra`.
struct LeaseTimeline {
    /// Room kept beyond the cap for the events a report must show.
    static constexpr std::size_t kExtra = 1000;

    bool enabled = false;              ///< false when TESTDB_RECORD_LEASES=0
    std::int64_t origin_unix_ms = 0;   ///< wall clock (ms since 1970) at time 0
    std::int64_t taken_us = 0;         ///< when this snapshot was taken
    int connection_limit = 0;          ///< lanes: one per slot
    int server_version = 0;            ///< PQserverVersion() of the first connection (0: none)
    std::size_t cap = 0;               ///< events kept in full
    std::uint64_t dropped = 0;         ///< leases past the cap, counted only
    std::uint64_t dropped_wait_us = 0; ///< their summed waiting time
    std::vector<std::string> labels;   ///< interned test case names
    std::vector<std::string> files;    ///< interned caller files
    std::vector<LeaseEvent> events;    ///< in order of asking (timeouts: of ending)
};

}  // namespace testdb
