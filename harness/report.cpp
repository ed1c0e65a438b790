#include "testdb/report.hpp"

#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "testdb/errors.hpp"

namespace testdb {

using nlohmann::json;

void to_json(json& j, const TestRecord& t) {
    j = json{{"name", t.name}, {"file", t.file}, {"passed", t.passed}, {"seconds", t.seconds}};
}
void from_json(const json& j, TestRecord& t) {
    j.at("name").get_to(t.name);
    j.at("file").get_to(t.file);
    j.at("passed").get_to(t.passed);
    j.at("seconds").get_to(t.seconds);
}
void to_json(json& j, const FileRecord& f) {
    j = json{{"file", f.file}, {"slug", f.slug}, {"tests", f.tests}, {"failed", f.failed},
             {"seconds", f.seconds}};
}
void from_json(const json& j, FileRecord& f) {
    j.at("file").get_to(f.file);
    j.at("slug").get_to(f.slug);
    j.at("tests").get_to(f.tests);
    j.at("failed").get_to(f.failed);
    j.at("seconds").get_to(f.seconds);
}
void to_json(json& j, const LeftoverRecord& l) { j = json{{"table", l.table}, {"rows", l.rows}}; }
void from_json(const json& j, LeftoverRecord& l) {
    j.at("table").get_to(l.table);
    j.at("rows").get_to(l.rows);
}

namespace {

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }
std::chrono::nanoseconds from_ms(double v) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double, std::milli>(v));
}

json pool_json(const PoolStats& s) {
    return json{{"acquires", s.acquires},       {"waits", s.waits},
                {"total_wait_ms", ms(s.total_wait)}, {"max_wait_ms", ms(s.max_wait)},
                {"timeouts", s.timeouts},       {"deadlocks", s.deadlocks},
                {"peak_in_use", s.peak_in_use}, {"opened", s.opened},
                {"replaced", s.replaced},       {"rolled_back", s.rolled_back}};
}

PoolStats pool_from_json(const json& j) {
    PoolStats s;
    j.at("acquires").get_to(s.acquires);
    j.at("waits").get_to(s.waits);
    s.total_wait = from_ms(j.at("total_wait_ms").get<double>());
    s.max_wait = from_ms(j.at("max_wait_ms").get<double>());
    j.at("timeouts").get_to(s.timeouts);
    j.at("deadlocks").get_to(s.deadlocks);
    j.at("peak_in_use").get_to(s.peak_in_use);
    j.at("opened").get_to(s.opened);
    j.at("replaced").get_to(s.replaced);
    j.at("rolled_back").get_to(s.rolled_back);
    return s;
}

}  // namespace

std::string RunReport::to_json() const {
    const json j{{"format", format},
                 {"run_token", run_token},
                 {"application_name", application_name},
                 {"connection_limit", connection_limit},
                 {"tests", {{"total", tests_total}, {"failed", tests_failed}}},
                 {"seconds", seconds},
                 {"pool", pool_json(pool)},
                 {"files", files},
                 {"slowest", slowest},
                 {"leftovers", leftovers},
                 {"leaks", leaks},
                 {"stale_swept", stale_swept}};
    return j.dump(2);
}

RunReport RunReport::from_json(const std::string& text, const std::string& origin) {
    try {
        const json j = json::parse(text);
        RunReport r;
        j.at("format").get_to(r.format);
        j.at("run_token").get_to(r.run_token);
        j.at("application_name").get_to(r.application_name);
        j.at("connection_limit").get_to(r.connection_limit);
        j.at("tests").at("total").get_to(r.tests_total);
        j.at("tests").at("failed").get_to(r.tests_failed);
        j.at("seconds").get_to(r.seconds);
        r.pool = pool_from_json(j.at("pool"));
        j.at("files").get_to(r.files);
        j.at("slowest").get_to(r.slowest);
        j.at("leftovers").get_to(r.leftovers);
        j.at("leaks").get_to(r.leaks);
        j.at("stale_swept").get_to(r.stale_swept);
        return r;
    } catch (const json::exception& e) {
        throw Error("Error: the testdb report " + origin + " is not valid: " + e.what() +
                    "\nFix: point at a file written through TESTDB_REPORT by a testdb suite.");
    }
}

void RunReport::write(const std::filesystem::path& path) const {
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp);
        out << to_json() << '\n';
        if (!out) {
            throw Error("Error: cannot write the testdb report to " + temp.string() +
                        ".\nFix: set TESTDB_REPORT to a path in a writable directory.");
        }
    }
    std::filesystem::rename(temp, path);
}

RunReport RunReport::read(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw Error("Error: cannot read the testdb report " + path.string() +
                    ".\nFix: check that the suite ran with TESTDB_REPORT set to this path.");
    }
    std::stringstream text;
    text << in.rdbuf();
    return from_json(text.str(), path.string());
}

std::string RunReport::summary_line() const {
    std::ostringstream out;
    out << std::fixed << std::setprecision(2) << "testdb: " << (tests_total - tests_failed)
        << "/" << tests_total << " tests passed in " << seconds << " s; peak connections "
        << pool.peak_in_use << "/" << connection_limit << ", " << pool.waits << " waits (max "
        << ms(pool.max_wait) << " ms), " << pool.timeouts << " timeouts, " << pool.opened
        << " opened";
    long long left = 0;
    for (const auto& l : leftovers) {
        left += l.rows;
    }
    out << ", " << left << " leftover rows, " << leaks.size() << " leaks";
    if (!slowest.empty()) {
        out << "; slowest:";
        for (std::size_t i = 0; i < slowest.size() && i < 5; ++i) {
            out << (i ? ", " : " ") << '"' << slowest[i].name << "\" " << slowest[i].seconds << " s";
        }
    }
    return out.str();
}

}  // namespace testdb
