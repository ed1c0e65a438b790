// The order of a migrations directory, from its file names alone. Versions
// compare as numbers, part by part, never as text: `2_x.sql` comes before
// `10_y.sql` and Flyway's `V1.10` after `V1.9`, the traps a sorted `ls` falls in.
#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "harness/schema/migration_source.hpp"
#include "testdb/errors.hpp"

namespace testdb::detail {
namespace {

// A version: its numeric parts, each as digits without leading zeros.
using Version = std::vector<std::string>;

std::string without_leading_zeros(const std::string& digits) {
    const size_t first = digits.find_first_not_of('0');
    return first == std::string::npos ? "0" : digits.substr(first);
}

Version parse_version(const std::string& text) {
    Version parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = text.find_first_of("._", start);
        parts.push_back(without_leading_zeros(text.substr(start, end - start)));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    while (parts.size() > 1 && parts.back() == "0") parts.pop_back();  // 1.0 is 1
    return parts;
}

// Numbers of any length (timestamps overflow nothing): shorter is smaller.
bool version_less(const Version& a, const Version& b) {
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i].size() != b[i].size()) return a[i].size() < b[i].size();
        if (a[i] != b[i]) return a[i] < b[i];
    }
    return a.size() < b.size();
}

struct Classified {
    MigrationLayout layout;
    std::optional<Version> version;  // empty: ignored on purpose
    std::string reason;              // why it is ignored
};

std::optional<Classified> classify(const std::string& name) {
    static const std::regex flyway(R"(V([0-9]+(?:[._][0-9]+)*)__.+\.sql)");
    static const std::regex flyway_undo(R"(U[0-9]+(?:[._][0-9]+)*__.+\.sql)");
    static const std::regex golang(R"(([0-9]+)_.+\.(up|down)\.sql)");
    static const std::regex numbered(R"(([0-9]+)(?:[^0-9].*)?\.sql)");
    std::smatch match;
    if (std::regex_match(name, match, flyway)) {
        return Classified{MigrationLayout::Flyway, parse_version(match[1].str()), ""};
    }
    if (std::regex_match(name, match, flyway_undo)) {
        return Classified{MigrationLayout::Flyway, std::nullopt, "a Flyway undo migration"};
    }
    if (std::regex_match(name, match, golang)) {
        if (match[2].str() == "down") {
            return Classified{MigrationLayout::GolangMigrate, std::nullopt, "a down migration"};
        }
        return Classified{MigrationLayout::GolangMigrate, parse_version(match[1].str()), ""};
    }
    if (std::regex_match(name, match, numbered)) {
        return Classified{MigrationLayout::Numbered, parse_version(match[1].str()), ""};
    }
    return std::nullopt;
}

bool is_sql(const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".sql") == 0;
}

[[noreturn]] void refuse(const std::string& directory, const std::string& what,
                         const std::string& fix) {
    throw ConfigError("ConfigError: the migrations directory " + directory + " " + what +
                          ".\nFix: " + fix,
                      "SCHEMA", directory);
}

}  // namespace

const char* layoutName(MigrationLayout layout) {
    switch (layout) {
        case MigrationLayout::SingleFile: return "single file";
        case MigrationLayout::Numbered: return "numbered";
        case MigrationLayout::Flyway: return "flyway";
        case MigrationLayout::GolangMigrate: return "golang-migrate";
        case MigrationLayout::Dbmate: return "dbmate";
        case MigrationLayout::Command: return "MIGRATE_COMMAND";
    }
    return "unknown";
}

MigrationOrder orderMigrations(const std::string& directory, const std::vector<std::string>& names) {
    MigrationOrder order;
    std::map<MigrationLayout, std::string> seen;  // layout -> one file showing it
    std::vector<std::pair<Version, std::string>> versioned;
    for (const std::string& name : names) {
        if (!is_sql(name)) continue;
        if (name.rfind("R__", 0) == 0) {
            refuse(directory, "holds the Flyway repeatable migration " + name +
                                  ", which testdb does not apply (applying it once, in no "
                                  "defined place, would not be what Flyway does)",
                   "run Flyway itself through MIGRATE_COMMAND, or turn " + name +
                       " into a versioned V<n>__ migration");
        }
        const std::optional<Classified> kind = classify(name);
        if (!kind) {
            refuse(directory, "holds " + name + ", whose name carries no version",
                   "name migrations <number>_<name>.sql, V<version>__<name>.sql or "
                   "<version>_<name>.up.sql, or move other SQL out of the directory");
        }
        seen.emplace(kind->layout, name);
        if (!kind->version) {
            order.ignored.push_back(name + " (" + kind->reason + ")");
            continue;
        }
        versioned.emplace_back(*kind->version, name);
    }
    if (seen.size() > 1) {
        std::string examples;
        for (const auto& [layout, name] : seen) {
            examples += (examples.empty() ? "" : ", ") + name + " (" + layoutName(layout) + ")";
        }
        refuse(directory, "mixes layouts: " + examples,
               "keep one tool's naming in one directory");
    }
    if (!seen.empty()) order.layout = seen.begin()->first;
    // Equal versions (refused below) fall back to the file name, so the
    // order, and the refusal's message, never depend on the directory listing.
    std::sort(versioned.begin(), versioned.end(), [](const auto& a, const auto& b) {
        if (version_less(a.first, b.first)) return true;
        if (version_less(b.first, a.first)) return false;
        return a.second < b.second;
    });
    for (size_t i = 0; i < versioned.size(); ++i) {
        if (i > 0 && versioned[i].first == versioned[i - 1].first) {
            refuse(directory, "holds two migrations with the same version: " +
                                  versioned[i - 1].second + " and " + versioned[i].second,
                   "give each migration its own version");
        }
        order.apply.push_back(versioned[i].second);
    }
    if (order.apply.empty()) {
        refuse(directory, "holds no migration to apply",
               "point SCHEMA at the directory that holds the .sql migrations");
    }
    return order;
}

}  // namespace testdb::detail
