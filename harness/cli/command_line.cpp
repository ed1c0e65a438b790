// The `testdb` command line: parses it with CLI11 and hands over to one
// subcommand (commands.hpp). main.cpp only calls run_command_line().
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "support.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

#ifndef TESTDB_VERSION
#define TESTDB_VERSION "unknown"
#endif

namespace {

using namespace testdb::cli;

std::string footer() {
    return "Settings: DATABASE_URL_TEST (environment, then .env.test up to the repository "
           "root);\nnothing set = testdb's own throwaway PostgreSQL. See " +
           testdb::envExamplePath() + ".";
}

void add_up_down_options(CLI::App& command, UpOptions& options, bool with_port) {
    command
        .add_option("--dir", options.dir,
                    "directory for the server and its state file testdb-up.json "
                    "(reachable by the server user; default /tmp)")
        ->type_name("DIR");
    if (with_port) {
        command
            .add_option("--cache-dir", options.cache_dir,
                        "the embedded server's data directory cache (default "
                        "/tmp/testdb-cache; see `testdb cache`)")
            ->type_name("DIR");
        command
            .add_option("--port", options.port,
                        "also listen on 127.0.0.1:PORT, with a password generated for the "
                        "server that the exported URL carries (default: Unix socket only)")
            ->type_name("PORT")
            ->check(CLI::Range(1, 65535));
        command
            .add_option("--setting", options.settings,
                        "a server setting for the new server, name=value (repeatable), "
                        "e.g. --setting max_connections=5")
            ->type_name("NAME=VALUE");
    }
}

// The subcommand's name, for error messages.
std::string chosen_name(const CLI::App& app) {
    const auto chosen = app.get_subcommands();
    return chosen.empty() ? std::string{} : chosen.front()->get_name();
}

}  // namespace

namespace testdb::cli {

int run_command_line(int argc, char** argv) {
    CLI::App app{
        "testdb: share one bounded PostgreSQL pool per test process, isolate "
        "tenants, clean up.",
        "testdb"};
    app.set_version_flag("--version", std::string("testdb ") + TESTDB_VERSION);
    app.require_subcommand(1);
    app.footer(footer());

    UpOptions up_options;
    CLI::App* up = app.add_subcommand(
        "up",
        "Start a throwaway PostgreSQL that outlives this command and print "
        "`export DATABASE_URL_TEST=...` (eval \"$(testdb up)\"). Safe to repeat.");
    add_up_down_options(*up, up_options, true);

    UpOptions down_options;
    CLI::App* down = app.add_subcommand(
        "down", "Stop the server `testdb up` started and remove its files. Safe when none is up.");
    add_up_down_options(*down, down_options, false);
    down->add_option("--server", down_options.server,
                     "stop the server in this directory instead (one kept by "
                     "TESTDB_KEEP_FAILED=1; the run prints its directory)")
        ->type_name("DIR");

    RunOptions run_options;
    CLI::App* run = app.add_subcommand(
        "run",
        "Run one test suite as one process (embedded server unless DATABASE_URL_TEST "
        "is set), sample its server connections and print the report: "
        "testdb run [--report FILE] [--html FILE] [--limit N] [--shard I/N [--balance-from FILE] "
        "[--list-shard]] [--jobs N] -- SUITE [ARGS...]");
    run->add_option("--report", run_options.report,
                    "write the combined JSON report (run + suite report) to FILE")
        ->type_name("FILE");
    run->add_option("--html", run_options.html,
                    "write the HTML report (the pool's timeline, files, failures) to FILE")
        ->type_name("FILE");
    run->add_option("--limit", run_options.limit,
                    "connection_limit for the suite (default: the configured one, 3)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000));
    CLI::Option* shard =
        run->add_option("--shard", run_options.shard,
                        "run only part I of N of a Catch2 (v2, v3) or GoogleTest suite, split by "
                        "test file (a file's test cases stay in one process); every runner "
                        "computes the same split, so --shard 1/N ... N/N together run every test "
                        "case once. Files come from `SUITE ARGS -# --list-tags` (Catch2; the "
                        "shard adds `-# ~[#other_file]...`, so the suite's own test spec may not "
                        "contain commas) or `--gtest_list_tests` (GoogleTest; the shard adds "
                        "`--gtest_filter=` of its tests)")
            ->type_name("I/N");
    run->add_option("--balance-from", run_options.balance_from,
                    "balance the shards by the per-file times of a previous run's --report FILE "
                    "(repeatable: e.g. every shard's report; give every runner the same ones; "
                    "files they lack weigh their test count times the average seconds per test "
                    "case); default: by test count")
        ->type_name("FILE")
        ->allow_extra_args(false);  // with --shard or --jobs: run() checks
    run->add_option("--jobs", run_options.jobs,
                    "run N shards of the suite at once on this machine (each its own process "
                    "and pool, within the server's process budget) and merge their results; "
                    "balanced by --balance-from, else by the previous --report FILE");
    // Hidden: how `--jobs` hands its split to the shards it starts.
    run->add_option("--shard-plan", run_options.shard_plan)->group("")->needs(shard);
    run->add_flag("--list-shard", run_options.list_shard,
                  "print every shard's weight and this shard's files with their test counts, "
                  "then exit 0 without starting a server or running a test")
        ->needs(shard);
    run->add_option("suite", run_options.command,
                    "the suite executable and its arguments (after --)")
        ->type_name("SUITE [ARGS...]");
    run->prefix_command();

    DoctorOptions doctor_options;
    CLI::App* doctor =
        app.add_subcommand("doctor",
                           "Check the configured server: connection budget, current use, pooler; "
                           "say how many test processes fit.");
    doctor
        ->add_option("--url", doctor_options.url,
                     "check this libpq URL instead of the configured DATABASE_URL_TEST")
        ->type_name("URL");
    doctor
        ->add_option("--processes", doctor_options.processes,
                     "test processes meant to run at once (default 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 10000));

    LintOptions lint_options;
    CLI::App* lint = app.add_subcommand(
        "lint",
        "Find test sources that open connections themselves, use generic slugs or "
        "use tenants/factories without the test context. Exit 1 on findings.\n"
        "Suppress one line with `// testdb-lint: allow <rule>`; skip a directory "
        "with a .testdb-lint-ignore file.");
    lint->add_option("paths", lint_options.paths,
                     "files or directories to scan (default: tests examples)")
        ->type_name("PATH...");

    CacheOptions cache_options;
    CLI::App* cache = app.add_subcommand(
        "cache",
        "List the embedded server's data directory cache (default /tmp/testdb-cache): each "
        "entry's PostgreSQL version, disk use, spare copy, stale temporary copies, whether it "
        "is in use, and the total. `testdb cache clean` removes what is not in use.");
    cache->add_option("--cache-dir", cache_options.cache_dir,
                      "the cache directory (default /tmp/testdb-cache, the one `testdb up` "
                      "and test suites use; `testdb up --cache-dir` picks another)")
        ->type_name("DIR");
    CLI::App* cache_clean = cache->add_subcommand(
        "clean",
        "Remove every cache entry not in use right now, with its spare and stale temporary "
        "copies, and print the space freed. An entry being built or copied is skipped and "
        "named; a directory that is not a testdb cache is refused, untouched.");
    cache_clean->fallthrough();

    // `testdb run [options] -- suite args`: everything after the first `--`
    // is the suite's, untouched by CLI11 (which would reorder or drop it).
    std::vector<std::string> after_dashes;
    int parsed_argc = argc;
    if (argc > 1 && std::string(argv[1]) == "run") {
        for (int i = 2; i < argc; ++i) {
            if (std::string(argv[i]) == "--") {
                after_dashes.assign(argv + i + 1, argv + argc);
                parsed_argc = i;
                break;
            }
        }
    }
    const auto known =
        app.get_subcommands([&](CLI::App* sub) { return argc > 1 && sub->get_name() == argv[1]; });
    if (argc > 1 && argv[1][0] != '-' && known.empty()) {
        std::cerr << "testdb: unknown command '" << argv[1]
                  << "'.\nFix: use one of up, down, run, doctor, lint, cache (testdb --help)."
                  << std::endl;
        return kExitUsage;
    }
    try {
        app.parse(parsed_argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }

    try {
        if (*up) {
            return testdb::cli::up(up_options);
        }
        if (*down) {
            return testdb::cli::down(down_options);
        }
        if (*run) {
            for (const std::string& extra : run->remaining()) {
                run_options.command.push_back(extra);
            }
            run_options.command.insert(run_options.command.end(), after_dashes.begin(),
                                       after_dashes.end());
            return testdb::cli::run(run_options);
        }
        if (*doctor) {
            return testdb::cli::doctor(doctor_options);
        }
        if (*lint) {
            return testdb::cli::lint(lint_options);
        }
        if (*cache) {
            cache_options.clean = static_cast<bool>(*cache_clean);
            return testdb::cli::cache(cache_options);
        }
    } catch (const testdb::ConfigError& e) {
        print_error(chosen_name(app), e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        print_error(chosen_name(app), e.what());
        return kExitFailed;
    }
    return kExitUsage;
}

}  // namespace testdb::cli
