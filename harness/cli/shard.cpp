// `testdb run --shard i/n`: tells a suite's framework, lists its files,
// weighs and splits them, and builds the arguments that run one part (see
// shard.hpp; what each framework needs is in shard_frameworks.hpp).
#include "shard.hpp"
#include "shard_frameworks.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/server/process.hpp"
#include "support.hpp"
#include "testdb/errors.hpp"
#include "testdb/report.hpp"

namespace testdb::cli {
namespace {

constexpr int kListingTimeoutMs = 120'000;

// Per-file record of the balance reports, keyed by lower-case basename stem.
struct Timing {
    double seconds = 0.0;
    int tests = 0;
};

// Adds the file records of one `--balance-from` report to `timings`.
void read_balance_report(const std::string& path, std::map<std::string, Timing>& timings) {
    const std::string fix =
        ".\nFix: pass --balance-from a report `testdb run --report FILE` wrote (or a "
        "suite's TESTDB_REPORT file) of a run that finished.";
    if (!std::ifstream(path)) {
        throw ConfigError("cannot read the --balance-from file " + path + fix);
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(read_text(path));
    } catch (const std::exception& e) {
        throw ConfigError("the --balance-from file " + path + " is not JSON (" + e.what() + ")" +
                          fix);
    }
    const nlohmann::json suite = j.is_object() && j.contains("report") ? j["report"] : j;
    if (suite.is_null()) {
        throw ConfigError("the --balance-from file " + path +
                          " holds no suite report (its run wrote none)" + fix);
    }
    RunReport report;
    try {
        report = RunReport::fromJson(suite.dump(), path);
    } catch (const Error& e) {
        throw ConfigError(std::string(e.what()) + "\n(read as --balance-from)");
    }
    for (const FileRecord& f : report.files) {
        Timing& t = timings[lower_case(std::filesystem::path(f.file).stem().string())];
        t.seconds += f.seconds;
        t.tests += f.tests;
    }
}

}  // namespace

std::string lower_case(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool whole_number(const std::string& text, int& out) {
    if (text.empty() || text.size() > 6 ||
        !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return false;
    }
    out = std::stoi(text);
    return true;
}

std::string ShardSpec::text() const {
    return std::to_string(index) + "/" + std::to_string(count);
}

ShardSpec parse_shard(const std::string& text) {
    const std::string fix =
        "\nFix: pass --shard i/n with 1 <= i <= n, e.g. --shard 1/3, --shard 2/3 and "
        "--shard 3/3 on three runners.";
    const auto slash = text.find('/');
    ShardSpec spec;
    if (slash == std::string::npos || !whole_number(text.substr(0, slash), spec.index) ||
        !whole_number(text.substr(slash + 1), spec.count)) {
        throw ConfigError("--shard '" + text + "' is not of the form i/n (two whole numbers)." +
                          fix);
    }
    if (spec.count < 1) {
        throw ConfigError("--shard '" + text + "': the number of shards must be at least 1." + fix);
    }
    if (spec.index < 1 || spec.index > spec.count) {
        throw ConfigError("--shard '" + text + "': there is no shard " +
                          std::to_string(spec.index) + " of " + std::to_string(spec.count) +
                          "; shards are numbered 1 to " + std::to_string(spec.count) + "." + fix);
    }
    return spec;
}

std::string weigh_by_time(std::vector<SuiteFile>& files, const std::vector<std::string>& reports) {
    std::map<std::string, Timing> timings;
    for (const std::string& path : reports) {
        read_balance_report(path, timings);
    }
    Timing all;
    for (const auto& [key, t] : timings) {
        all.seconds += t.seconds;
        all.tests += t.tests;
    }
    std::string names;
    for (const std::string& path : reports) {
        names += (names.empty() ? "" : ", ") + path;
    }
    if (all.tests == 0) {
        throw ConfigError("the --balance-from report " + names +
                          " lists no test cases to take times from.\nFix: pass the report of a "
                          "run that ran tests, or leave --balance-from out to balance by test "
                          "count.");
    }
    const double average = all.seconds / all.tests;
    int timed = 0;
    for (SuiteFile& f : files) {
        const auto found = timings.find(lower_case(f.name));
        const bool known = found != timings.end() && found->second.tests > 0;
        timed += known ? 1 : 0;
        f.weight = f.tests * (known ? found->second.seconds / found->second.tests : average);
    }
    std::ostringstream note;
    note << "time from " << names << " (" << timed << " of " << files.size() << " files timed";
    if (timed < static_cast<int>(files.size())) {
        note << ", the others at " << std::fixed << std::setprecision(4) << average
             << " s per test case";
    }
    note << ")";
    return note.str();
}

std::vector<int> assign_files(const std::vector<SuiteFile>& files, int count) {
    std::vector<std::size_t> order(files.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        order[k] = k;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (files[a].weight != files[b].weight) {
            return files[a].weight > files[b].weight;
        }
        return files[a].name < files[b].name;
    });
    std::vector<double> load(static_cast<std::size_t>(count), 0.0);
    std::vector<int> owner(files.size(), 0);
    for (const std::size_t k : order) {
        const auto lightest = std::min_element(load.begin(), load.end());  // first of equals
        *lightest += files[k].weight;
        owner[k] = static_cast<int>(lightest - load.begin());
    }
    return owner;
}

std::vector<SuiteFile> ShardPlan::files_of(int index) const {
    std::vector<SuiteFile> out;
    for (std::size_t k = 0; k < files.size(); ++k) {
        if (owner[k] == index) {
            out.push_back(files[k]);
        }
    }
    return out;
}

int ShardPlan::total_tests() const {
    int total = 0;
    for (const SuiteFile& f : files) {
        total += f.tests;
    }
    return total;
}

std::string ShardPlan::balanced_by() const {
    return "balanced by " + balance_note;
}

std::string framework_name(SuiteFramework framework) {
    switch (framework) {
    case SuiteFramework::Catch2v2:
        return "Catch2 v2";
    case SuiteFramework::Catch2v3:
        return "Catch2 v3";
    case SuiteFramework::GoogleTest:
        break;
    }
    return "GoogleTest";
}

std::string capture_suite_output(const std::vector<std::string>& command, const std::string& what) {
    detail::ChildSetup setup;
    detail::ProgramResult result;
    if (const auto program = detail::find_in_path(command.front())) {
        setup.program = *program;
        result = detail::capture_program(command, setup, false,
                                         std::chrono::milliseconds(kListingTimeoutMs));
    } else {
        result.not_started = detail::StartFailure{"exec", ENOENT};
    }
    if (result.not_started) {
        throw Error("Error: cannot run the suite '" + command.front() + "' to " + what + ": " +
                    errno_text(result.not_started->error) +
                    ".\nFix: build it first and pass its path after `--`.");
    }
    if (result.timed_out || result.term_signal != 0) {
        std::string shown;
        for (const std::string& a : command) {
            shown += (shown.empty() ? "" : " ") + a;
        }
        throw Error("Error: the suite '" + command.front() + "' did not " + what + " (" +
                    (result.timed_out ? std::string("no end after 120 s")
                                      : "killed by " + signal_text(result.term_signal)) +
                    ").\nFix: --shard and --jobs need a suite that answers `" +
                    shown.substr(0, 300) + "` at once; run that yourself to see why it does not.");
    }
    return result.output;  // Catch2 v2 exits with the number of tags listed: not an error
}

SuiteFramework detect_framework(const std::string& help_output, const std::string& suite) {
    if (help_output.find("\nCatch v2.") != std::string::npos) {
        return SuiteFramework::Catch2v2;
    }
    if (help_output.find("\nCatch2 v3.") != std::string::npos) {
        return SuiteFramework::Catch2v3;
    }
    if (help_output.find("Google Test") != std::string::npos &&
        help_output.find("--gtest_list_tests") != std::string::npos) {
        return SuiteFramework::GoogleTest;
    }
    throw ConfigError("the suite '" + suite +
                      "' is neither a Catch2 v2, a Catch2 v3 nor a GoogleTest suite (its "
                      "`--help` names none of them), so its test files cannot be listed to split "
                      "it.\nFix: --shard and --jobs split suites linked with testdb::catch2, "
                      "testdb::catch2v3 or testdb::gtest; run any other suite without them "
                      "(testdb run -- SUITE), or split it with its own arguments on each runner.");
}

namespace {

// This shard's suite arguments: none when it runs nothing or everything.
std::vector<std::string> shard_args(const ShardPlan& plan, const std::vector<std::string>& command) {
    const std::vector<SuiteFile> mine = plan.mine();
    if (mine.empty() || mine.size() == plan.files.size()) {
        return {};
    }
    return plan.framework == SuiteFramework::GoogleTest ? gtest_shard_args(plan)
                                                        : catch2_shard_args(plan, command);
}

}  // namespace

ShardPlan plan_shard(const std::vector<std::string>& command, const ShardSpec& spec,
                     const std::vector<std::string>& balance_from) {
    ShardPlan plan;
    plan.spec = spec;
    plan.framework = detect_framework(
        capture_suite_output({command.front(), "--help"}, "say its framework (--help)"),
        command.front());
    plan.listing = plan.framework == SuiteFramework::GoogleTest ? list_gtest_files(command)
                                                                : list_catch2_files(command);
    plan.files = plan.listing.files;
    plan.by_time = !balance_from.empty();
    plan.balance_note =
        plan.by_time ? weigh_by_time(plan.files, balance_from) : std::string("test count");
    plan.owner = assign_files(plan.files, spec.count);
    plan.suite_args = shard_args(plan, command);
    return plan;
}

void save_plan(const ShardPlan& plan, const std::string& path) {
    nlohmann::json files = nlohmann::json::array();
    for (std::size_t k = 0; k < plan.files.size(); ++k) {
        const SuiteFile& f = plan.files[k];
        files.push_back({{"name", f.name}, {"tests", f.tests}, {"weight", f.weight},
                         {"test_names", f.test_names}, {"shard", plan.owner[k]}});
    }
    const nlohmann::json j = {{"framework", static_cast<int>(plan.framework)},
                              {"count", plan.spec.count},
                              {"filtered", plan.listing.filtered},
                              {"suite_sizes", plan.listing.suite_sizes},
                              {"by_time", plan.by_time},
                              {"balance_note", plan.balance_note},
                              {"files", files}};
    std::ofstream(path) << j.dump() << '\n';
}

ShardPlan load_plan(const std::string& path, const std::vector<std::string>& command,
                    const ShardSpec& spec) {
    ShardPlan plan;
    try {
        std::ifstream in(path);
        const nlohmann::json j = nlohmann::json::parse(in);
        if (j.at("count").get<int>() != spec.count) {
            throw std::runtime_error("it splits into " + j.at("count").dump() + " shards");
        }
        plan.framework = static_cast<SuiteFramework>(j.at("framework").get<int>());
        plan.listing.filtered = j.at("filtered").get<bool>();
        plan.listing.suite_sizes = j.at("suite_sizes").get<std::vector<std::pair<std::string, int>>>();
        plan.by_time = j.at("by_time").get<bool>();
        plan.balance_note = j.at("balance_note").get<std::string>();
        for (const auto& f : j.at("files")) {
            plan.files.push_back({f.at("name").get<std::string>(), f.at("tests").get<int>(),
                                  f.at("weight").get<double>(),
                                  f.at("test_names").get<std::vector<std::string>>()});
            plan.owner.push_back(f.at("shard").get<int>());
        }
    } catch (const std::exception& e) {
        throw ConfigError("the shard plan " + path + " of `testdb run --jobs` cannot be used for "
                          "--shard " + spec.text() + " (" + e.what() +
                          ").\nFix: let `testdb run --jobs N` start its shards itself.");
    }
    plan.spec = spec;
    plan.listing.files = plan.files;
    plan.suite_args = shard_args(plan, command);
    return plan;
}

}  // namespace testdb::cli
