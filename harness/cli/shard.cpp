// `testdb run --shard i/n`: lists a Catch2 suite's files, weighs and splits
// them, and builds the test spec that runs one part (see shard.hpp).
#include "shard.hpp"

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

std::string lower(std::string text) {
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

// The suite's command for a listing, without Catch2's output file (-o F,
// --out F, --out=F): the listing would create it empty, and a shard that then
// runs nothing would leave that empty "JUnit file" for CI to keep.
std::vector<std::string> listing_command(const std::vector<std::string>& command) {
    std::vector<std::string> list;
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (i > 0 && (command[i] == "-o" || command[i] == "--out")) {
            ++i;  // skip its value too
        } else if (i == 0 || command[i].rfind("--out=", 0) != 0) {
            list.push_back(command[i]);
        }
    }
    return list;
}

// Runs `command` with stdin from /dev/null and returns what it printed on
// stdout (stderr passes through). Throws Error naming the suite.
std::string capture_stdout(const std::vector<std::string>& command) {
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
        throw Error("Error: cannot run the suite '" + command.front() + "' to list its files: " +
                    errno_text(result.not_started->error) +
                    ".\nFix: build it first and pass its path after `--`.");
    }
    if (result.timed_out || result.term_signal != 0) {
        throw Error("Error: listing the files of the suite '" + command.front() + "' (" +
                    (result.timed_out ? std::string("no end after 120 s")
                                      : "killed by " + signal_text(result.term_signal)) +
                    ") failed.\nFix: --shard needs a Catch2 v2 suite that answers "
                    "`-# --list-tags` at once; run that yourself to see why it does not.");
    }
    return result.output;  // Catch2 exits with the number of tags listed: not an error
}

// Catch2 tag-spec text for a file name (',' separates specs, '\' escapes).
std::string tag_of(const std::string& name) {
    std::string escaped;
    for (const char c : name) {
        if (c == ',' || c == '\\') {
            escaped += '\\';
        }
        escaped += c;
    }
    return "[#" + escaped + "]";
}

std::string describe(const std::vector<SuiteFile>& files) {
    std::string text;
    for (const SuiteFile& f : files) {
        text += (text.empty() ? "" : ", ") + f.name + " " + std::to_string(f.tests);
    }
    return text.empty() ? "none" : text;
}

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
    std::ifstream in(path);
    if (!in) {
        throw ConfigError("cannot read the --balance-from file " + path + fix);
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text.str());
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
        Timing& t = timings[lower(std::filesystem::path(f.file).stem().string())];
        t.seconds += f.seconds;
        t.tests += f.tests;
    }
}

}  // namespace

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

SuiteListing parse_tag_listing(const std::string& output, const std::string& suite) {
    SuiteListing listing;
    std::istringstream lines(output);
    std::string line;
    bool header = false;
    bool footer = false;
    std::vector<std::pair<int, std::string>> entries;  // count, tag text
    while (std::getline(lines, line)) {
        if (!header) {
            header = line == "All available tags:" || line == "Tags for matching test cases:";
            listing.filtered = line == "Tags for matching test cases:";
            continue;
        }
        const auto start = line.find_first_not_of(' ');
        if (start == std::string::npos) {
            continue;
        }
        int count = 0;
        if (start == 0) {  // "9 tags": the end
            const auto space = line.find(' ');
            footer = space != std::string::npos && whole_number(line.substr(0, space), count) &&
                     (line.substr(space) == " tag" || line.substr(space) == " tags");
            break;
        }
        const auto gap = line.find("  ", start);
        if (gap != std::string::npos && whole_number(line.substr(start, gap - start), count)) {
            entries.emplace_back(count, line.substr(line.find_first_not_of(' ', gap)));
        } else if (!entries.empty()) {
            entries.back().second += line.substr(start);  // a long tag, wrapped
        }
    }
    if (!header || !footer) {
        throw ConfigError(
            "the suite '" + suite +
            "' printed no Catch2 tag list for `-# --list-tags`, so its test files are "
            "unknown.\nFix: --shard works with Catch2 v2 suites (testdb::catch2); run the "
            "suite itself with `-# --list-tags` to see what it prints.");
    }
    for (const auto& [count, text] : entries) {
        if (text.rfind("[#", 0) == 0 && text.find(']') != std::string::npos) {
            listing.files.push_back({text.substr(2, text.find(']') - 2), count, double(count)});
        }
    }
    std::sort(listing.files.begin(), listing.files.end(),
              [](const SuiteFile& a, const SuiteFile& b) { return a.name < b.name; });
    return listing;
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
        const auto found = timings.find(lower(f.name));
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

ShardPlan plan_shard(const std::vector<std::string>& command, const ShardSpec& spec,
                     const std::vector<std::string>& balance_from) {
    std::vector<std::string> list = listing_command(command);
    list.insert(list.end(), {"-#", "--list-tags"});
    const SuiteListing listing = parse_tag_listing(capture_stdout(list), command.front());
    ShardPlan plan;
    plan.spec = spec;
    plan.files = listing.files;
    plan.by_time = !balance_from.empty();
    plan.balance_note =
        plan.by_time ? weigh_by_time(plan.files, balance_from) : std::string("test count");
    plan.owner = assign_files(plan.files, spec.count);

    const std::vector<SuiteFile> mine = plan.mine();
    if (mine.empty() || mine.size() == plan.files.size()) {
        return plan;  // nothing to run, or everything: the arguments stay as they are
    }
    // Exclude the other shards' files: Catch2 ANDs this with the user's own
    // test spec; without one, hidden test cases ([.]) stay excluded as usual.
    std::string filter = listing.filtered ? "" : "~[.]";
    for (std::size_t k = 0; k < plan.files.size(); ++k) {
        if (plan.owner[k] != spec.index - 1) {
            filter += "~" + tag_of(plan.files[k].name);
        }
    }
    plan.suite_args = {"-#", filter};
    std::vector<std::string> check = listing_command(command);
    check.insert(check.end(), plan.suite_args.begin(), plan.suite_args.end());
    check.push_back("--list-tags");
    const SuiteListing selected = parse_tag_listing(capture_stdout(check), command.front());
    const auto same = [](const SuiteFile& a, const SuiteFile& b) {
        return lower(a.name) == lower(b.name) && a.tests == b.tests;
    };
    if (!std::equal(mine.begin(), mine.end(), selected.files.begin(), selected.files.end(), same)) {
        throw ConfigError(
            "the shard filter `" + filter + "` after the arguments of '" + command.front() +
            "' selects other test cases than shard " + spec.text() +
            "'s files (wanted: " + describe(mine) + "; Catch2 lists: " + describe(selected.files) +
            ").\nFix: Catch2 joins it to the last comma-separated part of a test spec "
            "only: with --shard, give the suite a test spec without commas (or none).");
    }
    return plan;
}

}  // namespace testdb::cli
