#include "testdb/report.hpp"

#include <cstdint>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/lifecycle/report_json.hpp"
#include "harness/report_html/html_report.hpp"

#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/run_token.hpp"

namespace testdb {

using nlohmann::json;

namespace {

// A value of the right JSON type but unusable (a count that is not a whole
// number in range, a negative or enormous duration). nlohmann's get<int>()
// would convert 1e300 or -1.5 with a static_cast, which is undefined
// behaviour for out-of-range floating values: check first, then convert.
struct BadValue : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <typename Int>
Int whole_number(const json& j, const char* key) {
    const json& v = j.at(key);
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
    std::uint64_t n = 0;
    bool whole = false;
    if (v.is_number_unsigned()) {
        n = v.get<std::uint64_t>();
        whole = true;
    } else if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
        n = static_cast<std::uint64_t>(v.get<std::int64_t>());
        whole = true;
    }
    if (!whole || n > kMax) {
        throw BadValue(std::string("\"") + key + "\" must be a whole number from 0 to " +
                       std::to_string(kMax) + ", not " + v.dump());
    }
    return static_cast<Int>(n);
}

// Seconds or milliseconds: a number from 0 up to what nanoseconds can hold.
double duration_value(const json& j, const char* key, double max) {
    const json& v = j.at(key);
    const double d = v.is_number() ? v.get<double>() : -1.0;
    if (!v.is_number() || !(d >= 0.0 && d <= max)) {
        throw BadValue(std::string("\"") + key + "\" must be a number from 0 to " +
                       std::to_string(max) + ", not " + v.dump());
    }
    return d;
}

constexpr double kMaxMs = 9.0e12;       // nanoseconds fit in 64 bits up to ~9.2e12 ms
constexpr double kMaxSeconds = 9.0e9;

}  // namespace

void to_json(json& j, const TestRecord& t) {
    j = json{{"name", t.name}, {"file", t.file}, {"passed", t.passed}, {"seconds", t.seconds}};
}
void from_json(const json& j, TestRecord& t) {
    j.at("name").get_to(t.name);
    j.at("file").get_to(t.file);
    j.at("passed").get_to(t.passed);
    t.seconds = duration_value(j, "seconds", kMaxSeconds);
}
void to_json(json& j, const FileRecord& f) {
    j = json{{"file", f.file}, {"slug", f.slug}, {"tests", f.tests}, {"failed", f.failed},
             {"seconds", f.seconds}};
}
void from_json(const json& j, FileRecord& f) {
    j.at("file").get_to(f.file);
    j.at("slug").get_to(f.slug);
    f.tests = whole_number<int>(j, "tests");
    f.failed = whole_number<int>(j, "failed");
    f.seconds = duration_value(j, "seconds", kMaxSeconds);
}
void to_json(json& j, const LeftoverRecord& l) { j = json{{"table", l.table}, {"rows", l.rows}}; }
void from_json(const json& j, LeftoverRecord& l) {
    j.at("table").get_to(l.table);
    l.rows = whole_number<long long>(j, "rows");
}

namespace {

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }
std::chrono::nanoseconds from_ms(double v) {
    // Nearest, not truncated: 0.518446 ms must read back as 518446 ns (the
    // double is 518445.99999...), or every write and read loses a nanosecond.
    return std::chrono::round<std::chrono::nanoseconds>(
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
    s.acquires = whole_number<std::uint64_t>(j, "acquires");
    s.waits = whole_number<std::uint64_t>(j, "waits");
    s.total_wait = from_ms(duration_value(j, "total_wait_ms", kMaxMs));
    s.max_wait = from_ms(duration_value(j, "max_wait_ms", kMaxMs));
    s.timeouts = whole_number<std::uint64_t>(j, "timeouts");
    s.deadlocks = whole_number<std::uint64_t>(j, "deadlocks");
    s.peak_in_use = whole_number<int>(j, "peak_in_use");
    s.opened = whole_number<std::uint64_t>(j, "opened");
    s.replaced = whole_number<std::uint64_t>(j, "replaced");
    s.rolled_back = whole_number<std::uint64_t>(j, "rolled_back");
    return s;
}

}  // namespace

std::string RunReport::toJson() const {
    json j{{"format", format},
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
                 {"stale_swept", stale_swept},
                 {"startup_error", startup_error ? json{{"kind", startup_error->kind},
                                                         {"message", startup_error->message},
                                                         {"url", startup_error->url}}
                                                   : json(nullptr)}};
    detail::addVersion2Fields(j, *this);
    return detail::dumpReport(j, *this);
}

RunReport RunReport::fromJson(const std::string& text, const std::string& origin) {
    try {
        const json j = json::parse(text);
        RunReport r;
        r.format = whole_number<int>(j, "format");
        j.at("run_token").get_to(r.run_token);
        j.at("application_name").get_to(r.application_name);
        r.connection_limit = whole_number<int>(j, "connection_limit");
        r.tests_total = whole_number<int>(j.at("tests"), "total");
        r.tests_failed = whole_number<int>(j.at("tests"), "failed");
        r.seconds = duration_value(j, "seconds", kMaxSeconds);
        r.pool = pool_from_json(j.at("pool"));
        j.at("files").get_to(r.files);
        j.at("slowest").get_to(r.slowest);
        j.at("leftovers").get_to(r.leftovers);
        j.at("leaks").get_to(r.leaks);
        j.at("stale_swept").get_to(r.stale_swept);
        // Absent from reports written before it existed; null when the run started.
        if (j.contains("startup_error") && !j.at("startup_error").is_null()) {
            const json& e = j.at("startup_error");
            r.startup_error = StartupFailure{e.at("kind").get<std::string>(),
                                             e.at("message").get<std::string>(),
                                             e.at("url").get<std::string>()};
        }
        detail::readVersion2Fields(j, r);
        return r;
    } catch (const std::exception& e) {  // json::exception or BadValue
        throw Error("Error: the testdb report " + origin + " is not valid: " + e.what() +
                    "\nFix: point at a file written through TESTDB_REPORT by a testdb suite.");
    }
}

void RunReport::write(const std::filesystem::path& path) const {
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp);
        out << toJson() << '\n';
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
    return fromJson(text.str(), path.string());
}

std::string RunReport::summaryLine() const {
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

namespace {

// The class name every testdb message starts with ("ConfigError: ...").
std::string kind_of(const std::exception& error) {
    if (dynamic_cast<const Error*>(&error) == nullptr) return "exception";
    const std::string text = error.what();
    return text.substr(0, text.find(':'));
}

// The URL the run meant to use, masked; "" for the embedded server.
std::string masked_configured_url() {
    try {
        return loadConfig().maskedUrl();
    } catch (const std::exception&) {  // a bad URL: mask it as written
        try {
            return maskPassword(setting("DATABASE_URL_TEST").value_or(""));
        } catch (const std::exception&) {  // an unreadable .env.test
            return "";
        }
    }
}

}  // namespace

void writeStartupFailureReport(const std::exception& error) noexcept {
    try {
        const auto path = setting("TESTDB_REPORT");
        RunReport report;
        report.run_token = runToken();
        report.startup_error =
            StartupFailure{kind_of(error), maskPassword(error.what()), masked_configured_url()};
        report.facts.url = report.startup_error->url;
        if (path) {
            report.write(*path);
        }
        if (const auto html = setting("TESTDB_REPORT_HTML")) {
            detail::writeHtmlReport(*html, report, {});
        }
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort by contract
    }
}

}  // namespace testdb
