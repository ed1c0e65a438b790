#include "harness/pool/lease_log.hpp"

#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {

const char* leaseEndName(LeaseEnd end) {
    switch (end) {
        case LeaseEnd::Returned: return "returned";
        case LeaseEnd::TimedOut: return "timed_out";
        case LeaseEnd::Leaked: return "leaked";
        case LeaseEnd::Broken: return "broken";
        case LeaseEnd::Open: break;
    }
    return "open";
}

}  // namespace testdb

namespace testdb::detail {
namespace {

// Recording is on unless TESTDB_RECORD_LEASES=0 (the bench measures both).
bool leaseRecordingEnabled() { return setting("TESTDB_RECORD_LEASES").value_or("1") != "0"; }

std::size_t leaseEventsCap() {
    const auto text = setting("TESTDB_LEASE_EVENTS_CAP");
    if (!text) {
        return LeaseLog::kDefaultCap;
    }
    try {
        return static_cast<std::size_t>(std::stoul(*text));
    } catch (const std::exception&) {
        throw ConfigError("ConfigError: TESTDB_LEASE_EVENTS_CAP=\"" + *text +
                          "\" is not a whole number.\nFix: set it to how many lease events "
                          "to keep in full (default " + std::to_string(LeaseLog::kDefaultCap) +
                          "), or unset it.");
    }
}

}  // namespace

LeaseLog LeaseLog::fromSettings(int connection_limit) {
    return LeaseLog(leaseRecordingEnabled(), leaseEventsCap(), connection_limit);
}


LeaseLog::LeaseLog(bool enabled, std::size_t cap, int connection_limit)
    : origin_(Clock::now()) {
    timeline_.enabled = enabled;
    timeline_.cap = cap;
    timeline_.connection_limit = connection_limit;
    if (enabled) {
        // Reserved once (2 MB at the default cap; pages are touched only as
        // events arrive): growing by reallocation touched every page again
        // and cost more than the rest of the recording (recording_bench).
        timeline_.events.reserve(cap + LeaseTimeline::kExtra);
    }
    timeline_.origin_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
}

std::int64_t LeaseLog::us(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - origin_).count();
}

std::uint32_t LeaseLog::intern(std::unordered_map<std::string, std::uint32_t>& ids,
                               std::vector<std::string>& names, const std::string& name) {
    const auto found = ids.find(name);
    if (found != ids.end()) {
        return found->second;
    }
    const auto id = static_cast<std::uint32_t>(names.size());
    names.push_back(name);
    ids.emplace(name, id);
    return id;
}

bool LeaseLog::room_for(LeaseEnd end) const {
    const std::size_t size = timeline_.events.size();
    if (end == LeaseEnd::Returned || end == LeaseEnd::Open) {
        return size < timeline_.cap;
    }
    return size < timeline_.cap + LeaseTimeline::kExtra;
}

std::size_t LeaseLog::push(LeaseEvent event) {
    timeline_.events.push_back(event);
    return timeline_.events.size() - 1;
}

LeaseEvent LeaseLog::event_for(const std::string& label, const std::string& file, int line,
                               std::size_t slot) {
    LeaseEvent event;
    event.label = intern(label_ids_, timeline_.labels, label);
    event.file = intern(file_ids_, timeline_.files, file);
    event.line = line;
    event.slot = static_cast<std::int16_t>(slot);
    return event;
}

std::size_t LeaseLog::granted(const std::string& label, const SourceLocation& where,
                              std::size_t slot, Clock::time_point asked, Clock::time_point now) {
    if (!timeline_.enabled) {
        return kNone;
    }
    if (!room_for(LeaseEnd::Open)) {
        ++timeline_.dropped;
        timeline_.dropped_wait_us += static_cast<std::uint64_t>(us(now) - us(asked));
        return kNone;
    }
    LeaseEvent event;
    // Most leases come from the call sites before them: the label compared
    // and the file's pointer (a string literal) looked up, nothing built.
    if (timeline_.labels.empty() || label != last_label_) {
        last_label_ = label;
        last_label_id_ = intern(label_ids_, timeline_.labels, label);
    }
    const auto file = file_by_pointer_.find(where.file);
    event.file = file != file_by_pointer_.end()
                     ? file->second
                     : file_by_pointer_[where.file] =
                           intern(file_ids_, timeline_.files, where.file);
    event.label = last_label_id_;
    event.line = where.line;
    event.slot = static_cast<std::int16_t>(slot);
    event.asked_us = us(asked);
    event.granted_us = us(now);
    return push(event);
}

void LeaseLog::returned(std::size_t index, LeaseEnd end, bool in_transaction,
                        Clock::time_point now, const std::string& label, const std::string& file,
                        int line, std::size_t slot, Clock::time_point granted_at) {
    if (!timeline_.enabled) {
        return;
    }
    if (index == kNone) {
        // Counted as dropped when granted; a bad ending is still worth a mark.
        if (end == LeaseEnd::Returned || !room_for(end)) {
            return;
        }
        LeaseEvent event = event_for(label, file, line, slot);
        event.asked_us = event.granted_us = us(granted_at);
        index = push(event);
    }
    LeaseEvent& event = timeline_.events[index];
    event.returned_us = us(now);
    event.in_transaction = in_transaction;
    // A lease already marked leaked at shutdown stays leaked.
    if (event.end != LeaseEnd::Leaked) {
        event.end = end;
    }
}

void LeaseLog::timedOut(const std::string& label, const SourceLocation& where,
                        Clock::time_point asked, Clock::time_point now) {
    if (!timeline_.enabled || !room_for(LeaseEnd::TimedOut)) {
        return;
    }
    LeaseEvent event = event_for(label, where.file, where.line, static_cast<std::size_t>(-1));
    event.asked_us = us(asked);
    event.returned_us = us(now);
    event.end = LeaseEnd::TimedOut;
    push(event);
}

std::size_t LeaseLog::leaked(std::size_t index, const std::string& label, const std::string& file,
                      int line, std::size_t slot, Clock::time_point granted_at) {
    if (!timeline_.enabled) {
        return kNone;
    }
    if (index == kNone) {
        if (!room_for(LeaseEnd::Leaked)) {
            return kNone;
        }
        LeaseEvent event = event_for(label, file, line, slot);
        event.asked_us = event.granted_us = us(granted_at);
        index = push(event);
    }
    timeline_.events[index].end = LeaseEnd::Leaked;
    return index;
}

void LeaseLog::serverVersion(int version) {
    if (timeline_.server_version == 0) {
        timeline_.server_version = version;
    }
}

LeaseTimeline LeaseLog::snapshot() const {
    LeaseTimeline copy = timeline_;
    copy.taken_us = us(Clock::now());
    return copy;
}

}  // namespace testdb::detail
