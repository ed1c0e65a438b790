// `testdb run --jobs N`: N `testdb run --shard i/N` processes of one suite
// at once against one server, merged (see run_jobs.hpp).
#include "run_jobs.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "activity_sampler.hpp"
#include "harness/server/process.hpp"
#include "run_report.hpp"
#include "shard.hpp"
#include "support.hpp"
#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"
#include "testdb/report.hpp"
#include "testdb/run_token.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kMaxJobs = 64;

// `testdb run --shard i/N ... -- suite args` for shard `index`.
// The shard takes the parent's split from `plan` instead of listing the suite.
std::vector<std::string> shard_command(const RunOptions& options, int index, const fs::path& plan,
                                       const fs::path& report) {
    std::vector<std::string> argv = {"testdb", "run", "--shard",
                                     std::to_string(index) + "/" + std::to_string(options.jobs),
                                     "--shard-plan", plan.string(), "--report", report.string(),
                                     "--"};
    argv.insert(argv.end(), options.command.begin(), options.command.end());
    return argv;
}

// Fills `shard` from its --report file; returns its suite report, if any.
std::optional<RunReport> read_shard_report(const fs::path& path, ShardResult& shard) {
    try {
        const json j = json::parse(read_text(path));
        if (!j.contains("report") || j["report"].is_null()) {
            shard.report_error = j.value("report_error", std::string("the shard wrote no report"));
            return std::nullopt;
        }
        RunReport report = RunReport::fromJson(j["report"].dump(), path.string());
        shard.tests = report.tests_total;
        shard.failed = report.tests_failed;
        for (const FileRecord& f : report.files) {
            if (f.failed > 0) {
                shard.failed_files.push_back(fs::path(f.file).stem().string() + " (" +
                                             std::to_string(f.failed) + " of " +
                                             std::to_string(f.tests) + " failed)");
            }
        }
        return report;
    } catch (const std::exception& e) {
        shard.report_error = std::string("no readable shard report: ") + e.what();
        return std::nullopt;
    }
}

// One suite report of the whole run: the shards' counts summed, their files,
// leftovers and leaks together (what --balance-from reads next time).
RunReport merge_reports(const std::vector<RunReport>& reports, const std::string& token,
                        double seconds) {
    RunReport merged;
    merged.run_token = token;
    merged.seconds = seconds;
    for (const RunReport& r : reports) {
        merged.application_name = r.application_name;
        merged.connection_limit = r.connection_limit;
        merged.tests_total += r.tests_total;
        merged.tests_failed += r.tests_failed;
        merged.pool.peak_in_use = std::max(merged.pool.peak_in_use, r.pool.peak_in_use);
        merged.files.insert(merged.files.end(), r.files.begin(), r.files.end());
        merged.slowest.insert(merged.slowest.end(), r.slowest.begin(), r.slowest.end());
        merged.leftovers.insert(merged.leftovers.end(), r.leftovers.begin(), r.leftovers.end());
        merged.leaks.insert(merged.leaks.end(), r.leaks.begin(), r.leaks.end());
        merged.stale_swept.insert(merged.stale_swept.end(), r.stale_swept.begin(),
                                  r.stale_swept.end());
    }
    return merged;
}

void write_json(const fs::path& path, const json& j) {
    const fs::path temp = path.string() + ".tmp";
    std::ofstream(temp) << j.dump(2) << '\n';
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        throw Error("Error: cannot write the --report file " + path.string() + ": " +
                    ec.message() + ".\nFix: pass --report with a writable path.");
    }
}

// Starts one shard with its output in `log`; returns its pid.
pid_t start_shard(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const fs::path& log) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error("Error: cannot create " + log.string() + ": " + errno_text(errno));
    }
    detail::ChildSetup setup;
    setup.program = "/proc/self/exe";
    setup.environment = &env;
    setup.stdout_fd = fd;
    setup.stderr_fd = fd;
    const detail::StartedChild child = detail::start_child(argv, setup);
    ::close(fd);
    if (child.failure) {
        throw Error("Error: cannot start a shard of `testdb run` (" + child.failure->step +
                    ": " + errno_text(child.failure->error) + ").");
    }
    return child.pid;
}

int exit_code_of(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return 1;
        }
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

void print_jobs_summary(std::ostream& out, const RunOptions& options,
                        const std::vector<ShardResult>& shards, double seconds,
                        const std::optional<ActivitySample>& activity, int limit, int exit_code) {
    int tests = 0;
    int failed = 0;
    for (const ShardResult& s : shards) {
        tests += s.tests;
        failed += s.failed;
    }
    out << std::fixed << std::setprecision(2) << "\ntestdb run --jobs " << options.jobs << ": "
        << options.command.front() << "\n";
    for (const ShardResult& s : shards) {
        out << "  shard " << s.index << "/" << options.jobs << ":    exit " << s.exit_code << ", "
            << s.tests << " test cases, " << s.failed << " failed"
            << (s.report_error.empty() ? "" : " (" + s.report_error + ")") << "\n";
    }
    out << "  tests:        " << (tests - failed) << " passed, " << failed << " failed ("
        << tests << " test cases) in " << seconds << " s\n";
    if (activity) {
        out << "  connections:  peak " << activity->peak << " server-side for " << options.jobs
            << " shards (each connection_limit " << limit << " + 1 slot)\n";
    }
    out << "  verdict:      " << (exit_code == 0 ? "ok" : "failed") << " (exit " << exit_code
        << ")\n";
    out << failure_text(shards, options.jobs) << std::flush;
}

}  // namespace

std::string shard_token(const std::string& token, int index) {
    const std::string suffix = "s" + std::to_string(index);
    return token.substr(0, 16 - suffix.size()) + suffix;
}

int merged_exit_code(const std::vector<ShardResult>& shards) {
    for (const ShardResult& s : shards) {
        if (s.exit_code != 0) {
            return s.exit_code;
        }
    }
    return 0;
}

std::string failure_text(const std::vector<ShardResult>& shards, int count) {
    std::ostringstream out;
    for (const ShardResult& s : shards) {
        if (s.exit_code == 0) {
            continue;
        }
        const std::string name = "shard " + std::to_string(s.index) + "/" + std::to_string(count);
        out << "testdb run: " << name << " failed (exit " << s.exit_code << ")";
        for (const std::string& f : s.failed_files) {
            out << (&f == &s.failed_files.front() ? ": " : ", ") << f;
        }
        out << "; its output:\n";
        std::istringstream lines(s.log);
        for (std::string line; std::getline(lines, line);) {
            out << "[" << name << "] " << line << "\n";
        }
    }
    return out.str();
}

int run_jobs(const RunOptions& options) {
    if (options.jobs < 2 || options.jobs > kMaxJobs || !options.shard.empty() ||
        options.list_shard) {
        print_error("run", "--jobs " + std::to_string(options.jobs) +
                               (options.jobs < 2 || options.jobs > kMaxJobs
                                    ? " is not a number of shards from 2 to 64"
                                    : " splits the suite itself and cannot take --shard or "
                                      "--list-shard") +
                               ".\nFix: testdb run --jobs 2 -- ./my_suite (on one machine), or "
                               "--shard i/n on n machines.");
        return kExitUsage;
    }
    if (!options.html.empty()) {
        // The page draws the lanes of one pool; N shards have N pools.
        print_error("run", "--html " + options.html +
                               " draws the pool of one process, and --jobs runs " +
                               std::to_string(options.jobs) +
                               " processes.\nFix: drop --html (the merged --report keeps every "
                               "shard's figures), or draw one shard: testdb run --shard 1/" +
                               std::to_string(options.jobs) + " --html FILE -- ./my_suite.");
        return kExitUsage;
    }
    // Balanced by --balance-from, else by the previous --report when it is usable.
    std::vector<std::string> balance = options.balance_from;
    std::error_code ec;
    const bool previous = balance.empty() && !options.report.empty() && fs::exists(options.report, ec);
    if (previous) {
        balance.push_back(options.report);
    }
    std::optional<ShardPlan> plan;
    for (;;) {
        try {
            plan = plan_shard(options.command, ShardSpec{1, options.jobs}, balance);
            print_plan(std::cerr, *plan, options.command.front());
            break;
        } catch (const ConfigError& e) {
            if (!previous || balance.empty()) {
                print_error("run", e.what());
                return kExitUsage;
            }
            balance.clear();  // the previous report is no longer usable: by test count
        }
    }

    const Config loaded = loadConfig();
    const std::string& token = runToken();
    std::optional<EmbeddedServer> server;
    if (loaded.source == ConfigSource::Embedded) {
        EmbeddedServerOptions server_options;
        server_options.cleanup_on_signal = true;
        server.emplace(EmbeddedServer::start(server_options));
    }
    const std::string url = suite_url(loaded, server ? &*server : nullptr, options.limit);
    const Config effective =
        Config::parse(url, server ? ConfigSource::Embedded : ConfigSource::Environment);
    std::optional<ActivitySampler> sampler;
    try {
        sampler.emplace(effective, token);
        sampler->start();
    } catch (const std::exception& e) {
        sampler.reset();
        std::cerr << "testdb run: cannot sample pg_stat_activity: " << e.what() << std::endl;
    }

    TempDir scratch;
    const fs::path plan_file = scratch.path() / "plan.json";
    save_plan(*plan, plan_file.string());  // listed once here, not once per shard
    const auto started = std::chrono::steady_clock::now();
    std::vector<pid_t> pids;
    std::vector<ShardResult> shards(static_cast<std::size_t>(options.jobs));
    for (int i = 1; i <= options.jobs; ++i) {
        std::vector<std::string> overrides = {"DATABASE_URL_TEST=" + url,
                                              "TESTDB_RUN_TOKEN=" + shard_token(token, i)};
        if (!setting("TESTDB_MAX_PROCESSES")) {
            overrides.push_back("TESTDB_MAX_PROCESSES=auto");  // wait rather than exceed
        }
        const fs::path& dir = scratch.path();
        shards[static_cast<std::size_t>(i - 1)].index = i;
        pids.push_back(start_shard(
            shard_command(options, i, plan_file, dir / ("shard-" + std::to_string(i) + ".json")),
            child_environment(overrides), dir / ("shard-" + std::to_string(i) + ".log")));
    }
    std::vector<RunReport> reports;
    for (int i = 1; i <= options.jobs; ++i) {
        ShardResult& shard = shards[static_cast<std::size_t>(i - 1)];
        shard.exit_code = exit_code_of(pids[static_cast<std::size_t>(i - 1)]);
        const std::string stem = "shard-" + std::to_string(i);
        shard.log = read_text(scratch.path() / (stem + ".log"));
        if (auto report = read_shard_report(scratch.path() / (stem + ".json"), shard)) {
            reports.push_back(std::move(*report));
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::optional<ActivitySample> activity;
    if (sampler) {
        sampler->stop();
        activity = sampler->result();
    }
    if (server) {
        server->stop();
    }
    const int exit_code = merged_exit_code(shards);
    print_jobs_summary(std::cout, options, shards, seconds, activity, effective.connection_limit,
                       exit_code);
    if (!options.report.empty()) {
        json j = {{"command", options.command},
                  {"jobs", options.jobs},
                  {"seconds", seconds},
                  {"run_token", token},
                  {"connection_limit", effective.connection_limit},
                  {"peak_server_connections", activity ? json(activity->peak) : json(nullptr)},
                  {"exit_code", exit_code},
                  {"ok", exit_code == 0},
                  {"report", json::parse(merge_reports(reports, token, seconds).toJson())}};
        json list = json::array();
        for (const ShardResult& s : shards) {
            list.push_back({{"shard", std::to_string(s.index) + "/" + std::to_string(options.jobs)},
                            {"exit_code", s.exit_code},
                            {"tests", s.tests},
                            {"failed", s.failed},
                            {"failed_files", s.failed_files},
                            {"report_error", s.report_error}});
        }
        j["shards"] = list;
        write_json(options.report, j);
        std::cout << "testdb run: wrote " << options.report << std::endl;
    }
    return exit_code;
}

}  // namespace testdb::cli
