#include "run_report.hpp"

#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "support.hpp"
#include "testdb/errors.hpp"

namespace testdb::cli {
namespace {

using nlohmann::json;

double ms(std::chrono::nanoseconds d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

std::string command_line(const std::vector<std::string>& command) {
    std::string text;
    for (const std::string& word : command) {
        text += (text.empty() ? "" : " ") + word;
    }
    return text;
}

// "12" test cases or "1.234 s".
std::string weight_text(const ShardPlan& plan, double weight) {
    std::ostringstream out;
    if (plan.by_time) {
        out << std::fixed << std::setprecision(3) << weight << " s";
    } else {
        out << static_cast<long long>(weight);
    }
    return out.str();
}

int tests_of(const std::vector<SuiteFile>& files) {
    int tests = 0;
    for (const SuiteFile& f : files) {
        tests += f.tests;
    }
    return tests;
}

std::string status_text(const RunOutcome& o) {
    if (o.killed_by != 0) {
        return "killed by " + signal_text(o.killed_by);
    }
    return "exit status " + std::to_string(o.exit_status);
}

}  // namespace

long long leftover_rows(const RunOutcome& outcome) {
    long long rows = 0;
    if (outcome.report) {
        for (const LeftoverRecord& l : outcome.report->leftovers) {
            rows += l.rows;
        }
    }
    return rows;
}

RunVerdict judge(const RunOutcome& o) {
    RunVerdict v;
    if (o.interrupted_by != 0) {
        v.exit_code = 128 + o.interrupted_by;
        v.problems.push_back("interrupted by " + signal_text(o.interrupted_by));
    } else if (o.killed_by != 0) {
        v.exit_code = 128 + o.killed_by;
        v.problems.push_back("the suite was " + status_text(o));
    } else if (o.exit_status != 0) {
        v.exit_code = o.exit_status;
        v.problems.push_back("the suite failed (" + status_text(o) + ")");
    }
    if (o.sampled && o.activity.peak > o.connection_limit) {
        v.problems.push_back("peak of " + std::to_string(o.activity.peak) +
                             " server connections exceeds connection_limit " +
                             std::to_string(o.connection_limit) +
                             ": something in the suite opens connections outside testdb's "
                             "pool with its application_name (run `testdb lint`)");
    }
    if (const long long rows = leftover_rows(o); rows > 0) {
        v.problems.push_back(std::to_string(rows) +
                             " rows of the run's tenants were left "
                             "behind (see leftovers)");
    }
    if (o.shard && o.report && o.killed_by == 0 && o.interrupted_by == 0 &&
        o.report->tests_total != tests_of(o.shard->mine())) {
        v.problems.push_back(
            "shard " + o.shard->spec.text() + " ran " + std::to_string(o.report->tests_total) +
            " test cases, but its files list " + std::to_string(tests_of(o.shard->mine())) +
            ": the shard filter did not select them");
    }
    if (o.report && !o.report->leaks.empty()) {
        v.problems.push_back(std::to_string(o.report->leaks.size()) +
                             " leaks (leases, open transactions or rows at a test's end)");
    }
    if (v.exit_code == 0 && !v.problems.empty()) {
        v.exit_code = kExitRunProblem;
    }
    return v;
}

void print_summary(std::ostream& out, const RunOutcome& o, const RunVerdict& v) {
    out << std::fixed << std::setprecision(2);
    out << "\ntestdb run: " << command_line(o.command) << "\n";
    out << "  suite:        " << status_text(o) << " after " << o.seconds << " s (run "
        << o.run_token << ", " << (o.embedded ? "embedded server " : "server ") << o.server
        << ")\n";
    if (o.shard) {
        const std::vector<SuiteFile> mine = o.shard->mine();
        out << "  shard:        " << o.shard->spec.text() << ": " << mine.size() << " of "
            << o.shard->files.size() << " files, " << tests_of(mine) << " of "
            << o.shard->total_tests() << " test cases, " << o.shard->balanced_by() << "\n";
        for (const SuiteFile& f : mine) {
            out << (&f == &mine.front() ? "  shard files:  " : "                ") << f.name << " ("
                << f.tests << " test cases, weight " << weight_text(*o.shard, f.weight) << ")\n";
        }
    }
    if (o.report) {
        const RunReport& r = *o.report;
        out << "  tests:        " << (r.tests_total - r.tests_failed) << " passed, "
            << r.tests_failed << " failed (" << r.tests_total << " test case"
            << (r.tests_total == 1 ? "" : "s") << ")\n";
    } else {
        out << "  tests:        unknown: " << o.report_error << "\n";
    }
    if (o.sampled) {
        out << "  connections:  peak " << o.activity.peak << " server-side (connection_limit "
            << o.connection_limit << "), " << o.activity.samples << " samples of "
            << o.application_name << "*";
        if (o.activity.errors != 0) {
            out << ", " << o.activity.errors << " failed samples (last: " << o.activity.last_error
                << ")";
        }
        out << "\n";
        if ((o.exit_status != 0 || o.killed_by != 0) && !o.activity.other_clients.empty()) {
            // A refused connection (ServerRefused) is about these: who they are.
            out << "  others:       " << o.activity.other_clients
                << " (the server's other connections, by application_name)\n";
        }
    } else {
        out << "  connections:  not sampled: "
            << o.sampler_error.substr(0, o.sampler_error.find('\n')) << "\n";
    }
    if (o.report) {
        const RunReport& r = *o.report;
        const PoolStats& p = r.pool;
        out << "  pool:         " << p.acquires << " acquires, " << p.waits << " waits (max "
            << ms(p.max_wait) << " ms, total " << ms(p.total_wait) << " ms), " << p.timeouts
            << " timeouts, peak in use " << p.peak_in_use << ", " << p.opened << " opened, "
            << p.replaced << " replaced\n";
        out << "  leftover rows: " << leftover_rows(o);
        for (const LeftoverRecord& l : r.leftovers) {
            out << (&l == &r.leftovers.front() ? " (" : ", ") << l.table << " " << l.rows;
        }
        out << (r.leftovers.empty() ? "" : ")") << "\n";
        for (const std::string& leak : r.leaks) {
            out << "  leak:         " << leak << "\n";
        }
        if (!r.stale_swept.empty()) {
            out << "  swept:        " << r.stale_swept.size() << " stale tenants of crashed runs\n";
        }
        for (std::size_t i = 0; i < r.slowest.size(); ++i) {
            out << (i == 0 ? "  slowest:      " : "                ") << r.slowest[i].seconds
                << " s  " << r.slowest[i].name << " (" << r.slowest[i].file << ")\n";
        }
    }
    if (v.problems.empty()) {
        out << "  verdict:      OK"
            << (o.report ? ""
                         : " as far as visible (no suite report: tests and leftover rows "
                           "unchecked)")
            << "\n";
    }
    for (const std::string& problem : v.problems) {
        out << "  verdict:      " << problem << "\n";
    }
    out << "  exit code:    " << v.exit_code << std::endl;
}

void write_combined_report(const std::filesystem::path& path, const RunOutcome& o,
                           const RunVerdict& v) {
    json j{{"format", 1},
           {"command", o.command},
           {"exit_status", o.exit_status},
           {"killed_by_signal", o.killed_by},
           {"interrupted_by_signal", o.interrupted_by},
           {"seconds", o.seconds},
           {"run_token", o.run_token},
           {"application_name", o.application_name},
           {"connection_limit", o.connection_limit},
           {"server", {{"url", o.server}, {"embedded", o.embedded}}},
           {"peak_server_connections", o.sampled ? json(o.activity.peak) : json(nullptr)},
           {"samples", o.activity.samples},
           {"sample_errors", o.activity.errors},
           {"leftover_rows", leftover_rows(o)},
           {"exit_code", v.exit_code},
           {"ok", v.problems.empty()},
           {"problems", v.problems}};
    if (o.shard) {
        json files = json::array();
        for (const SuiteFile& f : o.shard->mine()) {
            files.push_back({{"file", f.name}, {"tests", f.tests}, {"weight", f.weight}});
        }
        j["shard"] = o.shard->spec.text();
        j["shard_files"] = files;
        j["shard_tests"] = tests_of(o.shard->mine());
        j["shard_balanced_by"] = o.shard->by_time ? "time" : "test count";
        j["suite_files"] = o.shard->files.size();
        j["suite_tests"] = o.shard->total_tests();
    }
    if (o.report) {
        j["report"] = json::parse(o.report->toJson());
    } else {
        j["report"] = nullptr;
        j["report_error"] = o.report_error;
    }
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream file(temp);
        file << j.dump(2) << '\n';
        if (!file) {
            throw Error("Error: cannot write the --report file " + path.string() +
                        ".\nFix: pass --report with a path in a writable directory.");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        throw Error("Error: cannot write the --report file " + path.string() + ": " + ec.message() +
                    ".\nFix: pass --report with a writable path.");
    }
}

void print_plan(std::ostream& out, const ShardPlan& plan, const std::string& suite) {
    const std::vector<SuiteFile> mine = plan.mine();
    out << "testdb run: shard " << plan.spec.text() << " of " << suite << ": " << mine.size()
        << " of " << plan.files.size() << " files, " << tests_of(mine) << " of "
        << plan.total_tests() << " test cases, " << plan.balanced_by() << "\n";
    for (int s = 0; s < plan.spec.count; ++s) {
        double weight = 0.0;
        int shard_tests = 0;
        const std::vector<SuiteFile> files = plan.files_of(s);
        for (const SuiteFile& f : files) {
            weight += f.weight;
            shard_tests += f.tests;
        }
        out << "  shard " << (s + 1) << "/" << plan.spec.count << ": weight "
            << weight_text(plan, weight) << ", " << files.size()
            << (files.size() == 1 ? " file, " : " files, ") << shard_tests << " test cases"
            << (s + 1 == plan.spec.index ? "  <- this shard" : "") << "\n";
    }
    for (const SuiteFile& f : mine) {
        out << "  file " << f.name << ": " << f.tests << " test cases, weight "
            << weight_text(plan, f.weight) << "\n";
    }
    if (!plan.suite_args.empty()) {
        out << "  suite arguments added:";
        for (const std::string& a : plan.suite_args) {
            // A GoogleTest filter names every test: shown cut, it stays one line.
            const std::string shown = shell_quote(a);
            out << " " << (shown.size() > 300 ? shown.substr(0, 300) + "..." : shown);
        }
        out << "\n";
    }
    out << std::flush;
}

}  // namespace testdb::cli
