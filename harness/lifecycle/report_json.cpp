#include "harness/lifecycle/report_json.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace testdb {

using nlohmann::json;

namespace {

constexpr std::array<LeaseEnd, 5> kEnds{LeaseEnd::Open, LeaseEnd::Returned, LeaseEnd::TimedOut,
                                        LeaseEnd::Leaked, LeaseEnd::Broken};

LeaseEnd end_named(const std::string& name) {
    for (LeaseEnd end : kEnds) {
        if (name == leaseEndName(end)) {
            return end;
        }
    }
    throw std::runtime_error("unknown lease end \"" + name + "\"");
}

// Events as rows of the "columns" below: a timeline of 50,000 leases stays a
// few megabytes instead of repeating every key 50,000 times.
// A function, not a static json: building it may throw, and a throw during
// static initialisation could not be caught.
json timeline_columns() {
    return {"asked_us", "granted_us", "returned_us", "label", "file",
            "line",     "slot",       "end",         "in_transaction"};
}

}  // namespace

namespace {

// Each struct's single values, one list for writing and reading.
template <typename Facts, typename Field>
void facts_fields(Facts& f, Field&& field) {
    field("tier", f.tier), field("pool_timeout_seconds", f.pool_timeout_seconds);
    field("server_version", f.server_version), field("url", f.url), field("shard", f.shard);
}

template <typename Failure, typename Field>
void failure_fields(Failure& f, Field&& field) {
    field("name", f.name), field("file", f.file), field("line", f.line);
    field("message", f.message);
}

template <typename Timeline, typename Field>
void timeline_scalars(Timeline& t, Field&& field) {
    field("enabled", t.enabled), field("origin_unix_ms", t.origin_unix_ms);
    field("taken_us", t.taken_us), field("connection_limit", t.connection_limit);
    field("server_version", t.server_version), field("cap", t.cap);
    field("dropped", t.dropped), field("dropped_wait_us", t.dropped_wait_us);
    field("labels", t.labels), field("files", t.files);
}

// nlohmann converts 1e300 or -1 to an integer with a static_cast (undefined
// behaviour for doubles out of range): integers must be integers in range.
template <typename T>
void read_value(const json& v, T& out) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        const bool fits =
            v.is_number_unsigned()
                ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                : v.is_number_integer() && v.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                      (v.get<std::int64_t>() < 0 ||
                       static_cast<std::uint64_t>(v.get<std::int64_t>()) <=
                           static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
        if (!fits) {
            throw std::runtime_error("expected a whole number in range, not " + v.dump());
        }
        out = v.is_number_unsigned() ? static_cast<T>(v.get<std::uint64_t>())
                                     : static_cast<T>(v.get<std::int64_t>());
    } else {
        v.get_to(out);
    }
}

auto writer(json& j) {
    return [&j](const char* key, const auto& value) { j[key] = value; };
}
auto reader(const json& j) {
    return [&j](const char* key, auto& value) { read_value(j.at(key), value); };
}

}  // namespace

void to_json(json& j, const RunFacts& f) { j = json::object(); facts_fields(f, writer(j)); }
void from_json(const json& j, RunFacts& f) { facts_fields(f, reader(j)); }
void to_json(json& j, const FailureRecord& f) { j = json::object(); failure_fields(f, writer(j)); }
void from_json(const json& j, FailureRecord& f) { failure_fields(f, reader(j)); }

void to_json(json& j, const LeaseTimeline& t) {
    json events = json::array();
    for (const LeaseEvent& e : t.events) {
        events.push_back(json::array({e.asked_us, e.granted_us, e.returned_us, e.label, e.file,
                                      e.line, e.slot, leaseEndName(e.end), e.in_transaction}));
    }
    j = json::object();
    timeline_scalars(t, writer(j));
    j["columns"] = timeline_columns();
    j["events"] = std::move(events);
}

void from_json(const json& j, LeaseTimeline& t) {
    timeline_scalars(t, reader(j));
    if (j.at("columns") != timeline_columns()) {
        throw std::runtime_error("timeline columns are not " + timeline_columns().dump());
    }
    for (const json& row : j.at("events")) {
        LeaseEvent e;
        read_value(row.at(0), e.asked_us);
        read_value(row.at(1), e.granted_us);
        read_value(row.at(2), e.returned_us);
        read_value(row.at(3), e.label);
        read_value(row.at(4), e.file);
        read_value(row.at(5), e.line);
        read_value(row.at(6), e.slot);
        e.end = end_named(row.at(7).get<std::string>());
        read_value(row.at(8), e.in_transaction);
        if (e.label >= t.labels.size() || e.file >= t.files.size()) {
            throw std::runtime_error("timeline event names a label or file that is not listed");
        }
        t.events.push_back(e);
    }
}

namespace detail {

void addVersion2Fields(json& j, const RunReport& report) {
    j["schema_version"] = report.schema_version;
    j["facts"] = report.facts;
    j["failures"] = report.failures;
    j["timeline"] = nullptr;  // filled in by dumpReport()
}

std::string dumpReport(const json& j, const RunReport& report) {
    std::string text = j.dump(2);
    if (!report.timeline) {
        return text;
    }
    // The timeline compact, the rest indented: its rows pretty-printed would
    // take nine lines per lease. Both halves are nlohmann's output; the
    // marker cannot occur inside a string value, where quotes are escaped.
    const std::string marker = "\n  \"timeline\": null";
    const std::size_t at = text.rfind(marker);
    if (at == std::string::npos) {
        throw std::logic_error("the report's JSON lost its timeline key");
    }
    text.replace(at + marker.size() - 4, 4, json(*report.timeline).dump());
    return text;
}

void readVersion2Fields(const json& j, RunReport& report) {
    if (!j.contains("schema_version")) {
        report.schema_version = 1;  // written before the field existed
        return;
    }
    j.at("schema_version").get_to(report.schema_version);
    j.at("facts").get_to(report.facts);
    j.at("failures").get_to(report.failures);
    if (!j.at("timeline").is_null()) {
        report.timeline = j.at("timeline").get<LeaseTimeline>();
    }
}

}  // namespace detail
}  // namespace testdb
