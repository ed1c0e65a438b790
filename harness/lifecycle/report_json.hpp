// Private: JSON of the report's parts added in schema version 2 (facts,
// failures, the lease timeline), kept apart from report.cpp's older fields.
#pragma once

#include <nlohmann/json.hpp>

#include "testdb/report.hpp"

namespace testdb {

void to_json(nlohmann::json& j, const RunFacts& facts);
void from_json(const nlohmann::json& j, RunFacts& facts);
void to_json(nlohmann::json& j, const FailureRecord& failure);
void from_json(const nlohmann::json& j, FailureRecord& failure);
void to_json(nlohmann::json& j, const LeaseTimeline& timeline);
void from_json(const nlohmann::json& j, LeaseTimeline& timeline);

namespace detail {
/// Adds facts, failures and timeline to `j`.
void addVersion2Fields(nlohmann::json& j, const RunReport& report);
/// The report's JSON text: indented, with the timeline's rows compact.
std::string dumpReport(const nlohmann::json& j, const RunReport& report);
/// Reads them back; absent in reports of schema version 1.
void readVersion2Fields(const nlohmann::json& j, RunReport& report);
}  // namespace detail

}  // namespace testdb
