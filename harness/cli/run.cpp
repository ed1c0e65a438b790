// `testdb run -- <suite> [args]`: the single-process runner.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <set>

#include "activity_sampler.hpp"
#include "harness/server/process.hpp"
#include "commands.hpp"
#include "run_html.hpp"
#include "run_jobs.hpp"
#include "run_report.hpp"
#include "shard.hpp"
#include "support.hpp"
#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"
#include "testdb/run_token.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t g_signal = 0;        // last SIGINT/SIGTERM received
volatile sig_atomic_t g_signal_count = 0;  // how many
volatile pid_t g_child = 0;                // the suite, once started

// Forwards SIGINT/SIGTERM to the suite; the third one kills it outright.
extern "C" void forward_signal(int sig) {
    g_signal = sig;
    g_signal_count = g_signal_count + 1;
    const pid_t child = g_child;
    if (child > 0) {
        ::kill(child, g_signal_count >= 3 ? SIGKILL : sig);
    }
}

// Installs forward_signal for SIGINT and SIGTERM; restores the old handlers.
class SignalForwarding {
public:
    SignalForwarding() {
        struct sigaction action {};
        action.sa_handler = forward_signal;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &old_int_);
        ::sigaction(SIGTERM, &action, &old_term_);
    }
    ~SignalForwarding() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
    }
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// Starts the suite (`program`, found by find_in_path) with the environment
// `env`; returns its pid. Throws Error naming the suite when it cannot be
// executed. SIGINT/SIGTERM wait until g_child names it, so forward_signal
// never misses the child it must pass them on to.
pid_t start_suite(const std::vector<std::string>& command, const fs::path& program,
                  const std::vector<std::string>& env) {
    detail::ChildSetup setup;
    setup.program = program;
    setup.environment = &env;
    setup.stdin_fd = detail::ChildSetup::kInherit;  // the suite may be interactive
    sigset_t block;
    sigset_t previous;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &block, &previous);
    const detail::StartedChild child = detail::start_child(command, setup);
    if (child.pid > 0) {
        g_child = child.pid;
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (!child.failure) {
        return child.pid;
    }
    const detail::StartFailure& failure = *child.failure;
    if (failure.step == "pipe") {
        throw Error(std::string("Error: pipe2 failed: ") + errno_text(failure.error));
    }
    if (failure.step == "fork") {
        throw Error(std::string("Error: cannot fork to run the suite: ") +
                    errno_text(failure.error));
    }
    throw Error("Error: cannot run the suite '" + command.front() +
                "': " + errno_text(failure.error) +
                ".\nFix: build it first and pass its path (e.g. ./build/tests/my_suite), "
                "after `--`: testdb run -- ./my_suite [args].");
}

int wait_for(pid_t pid, RunOutcome& outcome) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw Error(std::string("Error: waitpid failed: ") + errno_text(errno));
        }
    }
    g_child = 0;
    if (WIFSIGNALED(status)) {
        outcome.killed_by = WTERMSIG(status);
    } else {
        outcome.exit_status = WEXITSTATUS(status);
    }
    return status;
}

void read_suite_report(const fs::path& path, RunOutcome& outcome) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        outcome.report_error =
            "the suite wrote no report to TESTDB_REPORT (is it linked "
            "with testdb::catch2, and did it reach the end of its run?)";
        return;
    }
    try {
        outcome.report = RunReport::read(path);
    } catch (const std::exception& e) {
        outcome.report_error = e.what();
    }
}

}  // namespace

int run(const RunOptions& options) {
    if (options.command.empty() || options.command.front().empty()) {
        print_error("run", "no suite given.\nFix: testdb run [--report FILE] -- ./my_suite [args]");
        return kExitUsage;
    }
    const std::optional<fs::path> program = detail::find_in_path(options.command.front());
    if (!program) {
        print_error("run", "the suite '" + options.command.front() +
                               "' is not an executable file (looked " +
                               (options.command.front().find('/') == std::string::npos
                                    ? std::string("on PATH")
                                    : "in " + fs::current_path().string()) +
                               ").\nFix: build it first and pass its path, e.g. testdb run -- "
                               "./build/tests/my_suite [args].");
        return kExitCannotExec;
    }
    if (options.jobs > 1 || options.jobs < 0) {
        return run_jobs(options);  // N shards at once, merged: run_jobs.cpp
    }
    std::optional<ShardPlan> plan;
    if (!options.shard.empty()) {
        ShardSpec spec;
        try {
            spec = parse_shard(options.shard);
        } catch (const ConfigError& e) {
            print_error("run", e.what());
            return kExitUsage;
        }
        try {
            plan = options.shard_plan.empty()
                       ? plan_shard(options.command, spec, options.balance_from)
                       : load_plan(options.shard_plan, options.command, spec);
        } catch (const ConfigError& e) {
            print_error("run", e.what());
            return kExitUsage;
        }
        if (options.list_shard) {
            print_plan(std::cout, *plan, options.command.front());
            return kExitOk;
        }
        print_plan(std::cerr, *plan, options.command.front());
        if (plan->mine().empty()) {
            std::cout << "testdb run: shard " << spec.text() << " has no test files ("
                      << plan->files.size() << " files for " << spec.count
                      << " shards): nothing to run" << std::endl;
            return kExitOk;
        }
    } else if (options.list_shard || !options.balance_from.empty()) {
        print_error("run", std::string(options.list_shard ? "--list-shard" : "--balance-from") +
                               " needs --shard (or --jobs).\nFix: add --shard i/n, e.g. testdb run --shard "
                               "1/3 --list-shard -- ./my_suite.");
        return kExitUsage;
    }
    std::vector<std::string> command = options.command;
    if (plan) {
        command.insert(command.end(), plan->suite_args.begin(), plan->suite_args.end());
    }
    const Config loaded = loadConfig();
    const std::string& token = runToken();
    SignalForwarding forwarding;

    std::optional<EmbeddedServer> server;
    if (loaded.source == ConfigSource::Embedded) {
        EmbeddedServerOptions server_options;
        server_options.cleanup_on_signal = false;  // we stop it after the suite
        server.emplace(EmbeddedServer::start(server_options));
        std::cerr << "testdb run: started embedded PostgreSQL at " << server->directory().string()
                  << " in " << server->timings().total.count() << " ms" << std::endl;
    }
    if (g_signal != 0) {
        std::cerr << "testdb run: interrupted before the suite started" << std::endl;
        return 128 + g_signal;
    }

    const std::string url = suite_url(loaded, server ? &*server : nullptr, options.limit);
    const Config effective =
        Config::parse(url, server ? ConfigSource::Embedded : ConfigSource::Environment);
    RunOutcome outcome;
    outcome.command = command;
    outcome.shard = plan;
    outcome.run_token = token;
    outcome.application_name = effective.application_name + "-" + token;
    outcome.connection_limit = effective.connection_limit;
    outcome.server = effective.maskedUrl();
    outcome.embedded = server.has_value();

    TempDir temp;
    const fs::path report_path = temp.path() / "report.json";
    ActivitySampler sampler(effective, token);
    try {
        sampler.start();
        outcome.sampled = true;
    } catch (const std::exception& e) {
        outcome.sampler_error = e.what();
        std::cerr << "testdb run: cannot sample pg_stat_activity: " << e.what() << std::endl;
    }
    std::cerr << "testdb run: run " << token << " against " << outcome.server
              << " (connection_limit " << outcome.connection_limit << ")" << std::endl;

    const auto started = std::chrono::steady_clock::now();
    pid_t pid = 0;
    try {
        pid = start_suite(command, *program,
                          child_environment({"DATABASE_URL_TEST=" + url,
                                             "TESTDB_RUN_TOKEN=" + token,
                                             "TESTDB_REPORT=" + report_path.string()}));
    } catch (const Error& e) {
        print_error("run", e.what());
        return kExitCannotExec;  // the server (if any) stops with `server`
    }
    wait_for(pid, outcome);
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    outcome.interrupted_by = g_signal;
    sampler.stop();
    outcome.activity = sampler.result();
    read_suite_report(report_path, outcome);

    if (server) {
        try {
            server->stop();
        } catch (const std::exception& e) {
            std::cerr << "testdb run: stopping the embedded server failed: " << e.what()
                      << std::endl;
        }
    }
    const RunVerdict verdict = judge(outcome);
    print_summary(std::cout, outcome, verdict);
    if (!options.report.empty()) {
        write_combined_report(options.report, outcome, verdict);
        std::cout << "testdb run: wrote " << options.report << std::endl;
    }
    if (!options.html.empty()) {
        write_run_html(options.html, outcome, verdict);
        std::cout << "testdb run: wrote " << options.html << std::endl;
    }
    return verdict.exit_code;
}

}  // namespace testdb::cli
