// MIGRATE_COMMAND: the project's own migration tool (sqitch deploy, a
// script) run against the test database, with the database in its
// environment the way libpq-based tools read it.
#include <algorithm>
#include <sstream>

#include <libpq-fe.h>

#include "harness/common/log.hpp"
#include "harness/schema/schema_apply.hpp"
#include "harness/server/process.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace testdb::detail {
namespace {

constexpr std::chrono::minutes kCommandTimeout{10};
constexpr int kLastLines = 20;

// Our environment with DATABASE_URL and every PG* variable libpq knows set
// from `target` (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE
// ...), so tools reading either find the test database. Never logged.
std::vector<std::string> command_environment(const Config& target) {
    std::vector<std::pair<std::string, std::string>> set{{"DATABASE_URL", target.libpq_url}};
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(target.libpq_url.c_str(), &error);
    if (error != nullptr) PQfreemem(error);
    for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
        if (o->envvar != nullptr && o->val != nullptr && *o->val != '\0') {
            set.emplace_back(o->envvar, o->val);
        }
    }
    if (options != nullptr) PQconninfoFree(options);
    if (!target.dbname.empty()) set.emplace_back("PGDATABASE", target.dbname);
    std::vector<std::string> environment;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        const std::string entry(*variable);
        const std::string name = entry.substr(0, entry.find('='));
        const bool replaced = std::any_of(set.begin(), set.end(),
                                          [&](const auto& pair) { return pair.first == name; });
        if (!replaced) environment.push_back(entry);
    }
    for (const auto& [name, value] : set) environment.push_back(name + "=" + value);
    return environment;
}

std::string last_lines(const std::string& output, int count) {
    size_t start = output.size();
    for (int seen = 0; start > 0 && seen <= count; --start) {
        if (output[start - 1] == '\n' && start != output.size()) ++seen;
        if (seen > count) break;
    }
    return output.substr(start);
}

}  // namespace

void run_migrate_command(const MigrationSet& set, const Config& target) {
    const std::vector<std::string> environment = command_environment(target);
    ChildSetup setup;
    setup.program = "/bin/sh";
    setup.environment = &environment;
    log().info("running MIGRATE_COMMAND `{}` against database {}", set.command, target.dbname);
    const ProgramResult result = capture_program({"/bin/sh", "-c", set.command}, setup, true,
                                                 std::chrono::milliseconds(kCommandTimeout));
    // Its output goes to the log; a password it echoed is masked there.
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
        log().info("MIGRATE_COMMAND: {}", maskPassword(line));
    }
    if (result.ok()) return;
    const std::string status =
        result.not_started ? "could not start /bin/sh (" + result.not_started->step + " failed)"
                           : result.status_text();
    throw SchemaError("SchemaError: MIGRATE_COMMAND `" + set.command + "` failed (" + status +
                          ") on the test database " + target.dbname + ". Its last lines:\n" +
                          maskPassword(last_lines(result.output, kLastLines)) +
                          "\nThe database is marked incomplete and is rebuilt on the next run."
                          "\nFix: run the command by hand with DATABASE_URL (or PGHOST, PGPORT, "
                          "PGUSER, PGDATABASE) pointing at a test database and correct what fails.",
                      set.command, 0, "");
}

}  // namespace testdb::detail
