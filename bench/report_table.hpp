// bench_report's one table: each figure of bench/figures.json looked up in
// the merged parts, judged against its goal, printed for the terminal and as
// the markdown docs/PERFORMANCE.md opens with.
//
// bench/figures.json is the one list of figures: an array, in table order,
// of objects with
//   section  group heading ("issue 19", "pool", ...)
//   figure   what the table calls it
//   part     the benchmark that measures it ("isolation", "build", "jobs" ...)
//   row      the name of a row in that part's "rows" (the C++ benches), or
//   pointer  a JSON pointer into the part (the shell benches' JSON)
//   unit     shown after the value ("s", "ms", "x", ...; optional)
//   goal     [op, threshold]: op one of <= >= < ==; threshold a number, or a
//            JSON pointer into the part for a bound the run computes
//            (optional: without it the figure is context, judged nothing)
//   detail   for pointer figures, the spread column, each {/pointer} in it
//            replaced by that number of the part (optional)
// A figure whose part was not run, or whose row or pointer the part lacks,
// shows "not run": the goal is judged here, from the value, not by the bench.
#pragma once

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

/// One figure of one run: its value if the run measured it, and the verdict.
struct Judged {
    nlohmann::json figure;  ///< its entry of bench/figures.json
    std::optional<double> value;  ///< empty: "not run"
    std::string spread;
    std::string goal;  ///< "<= 2 s", or "" without a goal
    std::string met;   ///< "yes", "no", "" (no goal) or "not run"
    bool quick = false;
};

/// The part a document belongs to: its "bench" member, else its file name.
inline std::string part_name(const nlohmann::json& doc, const std::string& path) {
    if (doc.contains("bench")) return doc["bench"].get<std::string>();
    return std::filesystem::path(path).stem().string();
}

/// Three significant figures at most, no exponent: 0.583, 7.42, 61.2, 1641.
inline std::string number(double v) {
    const double a = std::fabs(v);
    const char* format = a >= 100 || v == std::floor(v) ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, v);
    return buffer;
}

inline std::optional<double> number_at(const nlohmann::json& part, const std::string& pointer) {
    const nlohmann::json::json_pointer ptr(pointer);
    if (!part.contains(ptr) || !part.at(ptr).is_number()) return std::nullopt;
    return part.at(ptr).get<double>();
}

/// `text` with each {/pointer} replaced by that number of `part` ("?" if absent).
inline std::string expand(const std::string& text, const nlohmann::json& part) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t open; (open = text.find('{', at)) != std::string::npos;) {
        const std::size_t close = text.find('}', open);
        if (close == std::string::npos) break;
        out += text.substr(at, open - at);
        const std::optional<double> v = number_at(part, text.substr(open + 1, close - open - 1));
        out += v ? number(*v) : "?";
        at = close + 1;
    }
    return out + text.substr(at);
}

inline bool meets(double value, const std::string& op, double goal) {
    if (op == "<=") return value <= goal;
    if (op == ">=") return value >= goal;
    if (op == "<") return value < goal;
    if (op == "==") return value == goal;
    throw std::runtime_error("bench/figures.json: unknown goal operator '" + op + "'");
}

inline std::string unit_suffix(const nlohmann::json& figure) {
    const std::string unit = figure.value("unit", std::string());
    return unit.empty() || unit == "x" || unit == "%" ? unit : " " + unit;
}

inline Judged judge(const nlohmann::json& f, const nlohmann::json& parts) {
    Judged j;
    j.figure = f;
    const std::string part_name = f.at("part").get<std::string>();
    const nlohmann::json goal = f.value("goal", nlohmann::json::array());
    const std::string op = goal.empty() ? "" : goal.at(0).get<std::string>();
    std::optional<double> threshold;
    if (!goal.empty() && goal.at(1).is_number()) threshold = goal.at(1).get<double>();
    if (parts.contains(part_name)) {
        const nlohmann::json& part = parts[part_name];
        j.quick = part.value("quick", false);
        if (f.contains("pointer")) {
            j.value = number_at(part, f["pointer"].get<std::string>());
            j.spread = expand(f.value("detail", std::string()), part);
        }
        const std::string row = f.value("row", std::string());
        for (const nlohmann::json& r : part.value("rows", nlohmann::json::array())) {
            if (!row.empty() && r.value("name", std::string()) == row && r["value"].is_number()) {
                j.value = r["value"].get<double>();
                j.spread = r.value("spread", std::string());
            }
        }
        if (!goal.empty() && goal.at(1).is_string()) {
            threshold = number_at(part, goal.at(1).get<std::string>());
        }
    }
    char shortest[32] = "?";
    if (threshold) std::snprintf(shortest, sizeof shortest, "%g", *threshold);
    if (!op.empty()) j.goal = op + " " + shortest + unit_suffix(f);
    if (!j.value || (!op.empty() && !threshold)) {
        j.met = "not run";
        j.spread.clear();
    } else if (!op.empty()) {
        j.met = meets(*j.value, op, *threshold) ? "yes" : "no";
    }
    return j;
}

/// bench/figures.json (or another list of the same form), checked.
inline nlohmann::json read_figures(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the figure list " + path);
    const nlohmann::json figures = nlohmann::json::parse(in);
    for (const nlohmann::json& f : figures) {
        if (!f.contains("section") || !f.contains("figure") || !f.contains("part") ||
            f.contains("row") == f.contains("pointer")) {
            throw std::runtime_error(path + ": each figure needs section, figure, part and one of row, pointer: " +
                                     f.dump());
        }
    }
    return figures;
}

inline std::vector<Judged> judge_all(const nlohmann::json& figures, const nlohmann::json& parts) {
    std::vector<Judged> table;
    for (const nlohmann::json& f : figures) table.push_back(judge(f, parts));
    return table;
}

inline std::string shown_value(const Judged& j) {
    if (!j.value) return "not run";
    return number(*j.value) + unit_suffix(j.figure) + (j.quick ? " (quick)" : "");
}

inline std::string text(const Judged& j, const char* key) { return j.figure.at(key).get<std::string>(); }

inline void print_table(const std::vector<Judged>& table, std::ostream& out) {
    char line[512];
    std::snprintf(line, sizeof line, "%-64s %16s  %-14s %-8s %s\n", "figure", "value", "goal", "met",
                  "spread");
    out << line;
    std::string section;
    int met = 0, missed = 0, not_run = 0;
    for (const Judged& j : table) {
        if (text(j, "section") != section) {
            section = text(j, "section");
            out << "\n" << section << "\n";
        }
        std::snprintf(line, sizeof line, "  %-62s %16s  %-14s %-8s %s\n", text(j, "figure").c_str(),
                      shown_value(j).c_str(), j.goal.c_str(), j.met.c_str(), j.spread.c_str());
        out << line;
        met += j.met == "yes";
        missed += j.met == "no";
        not_run += j.met == "not run";
    }
    out << "\ngoals met: " << met << ", missed: " << missed << ", figures not run: " << not_run << "\n";
}

inline nlohmann::json goals_json(const std::vector<Judged>& table) {
    nlohmann::json goals{{"met", 0}, {"missed", nlohmann::json::array()}, {"not_run", nlohmann::json::array()}};
    for (const Judged& j : table) {
        if (j.met == "yes") goals["met"] = goals["met"].get<int>() + 1;
        if (j.met == "no") goals["missed"].push_back(text(j, "figure"));
        if (j.met == "not run") goals["not_run"].push_back(text(j, "figure"));
    }
    return goals;
}

/// The markdown table, then one paragraph with the run's conditions.
inline void write_markdown(const std::vector<Judged>& table, const nlohmann::json& merged,
                           std::ostream& out) {
    out << "| figure | value | spread | goal | met |\n|---|---:|---|---|---|\n";
    std::string section;
    for (const Judged& j : table) {
        if (text(j, "section") != section) {
            section = text(j, "section");
            out << "| **" << section << "** | | | | |\n";
        }
        std::string spread = j.spread;
        for (std::size_t at; (at = spread.find('|')) != std::string::npos;) spread.replace(at, 1, "/");
        out << "| " << text(j, "figure") << " | " << shown_value(j) << " | " << spread << " | " << j.goal
            << " | " << (j.met == "no" ? "**no**" : j.met) << " |\n";
    }
    const nlohmann::json& m = merged.value("machine", nlohmann::json::object());
    out << "\nRun of " << m.value("date", std::string("?")) << ", " << m.value("cores", 0) << " cores, "
        << m.value("kernel", std::string("?")) << ". 1-minute load average at the end of each part:";
    std::string sep = " ";
    for (const auto& [name, part] : merged["parts"].items()) {
        std::string load = "?";
        if (part.contains("load_average_at_end")) load = number(part["load_average_at_end"][0].get<double>());
        if (part.contains("load_average")) {  // the shell benches': "1min 5min 15min"
            const std::string three = part["load_average"].get<std::string>();
            load = three.substr(0, three.find(' '));
        }
        out << sep << name << " " << load << (part.value("quick", false) ? " (quick)" : "");
        sep = ", ";
    }
    out << ".\n";
}

}  // namespace bench
