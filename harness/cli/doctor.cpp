// `testdb doctor`: is the configured server big enough for the test
// processes meant to share it, and what sits in front of it?
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "commands.hpp"
#include "doctor_pooler.hpp"
#include "support.hpp"
#include "testdb/config.hpp"
#include "testdb/embedded_server.hpp"
#include "testdb/errors.hpp"
#include "testdb/query.hpp"
#include "testdb/process_budget.hpp"
#include "testdb/safety.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;

/// The server's connection budget and who uses it.
struct ServerFacts {
    std::string version;
    std::string database;
    std::string user;
    bool superuser = false;
    int max_connections = 0;
    int superuser_reserved = 0;
    int reserved = 0;  // reserved_connections (PostgreSQL 16+), 0 before
    std::string server_port;
    std::string own_application_name;
    int in_use_other = 0;
    std::vector<std::string> usage;  // "3 idle testdb-ab12cd" lines
};

/// What points to a connection pooler (PgBouncer, pgpool, a proxy) in front.
struct PoolerSigns {
    bool pgbouncer = false;
    std::vector<std::string> hints;
};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

ServerFacts read_facts(pqxx::connection& conn) {
    ServerFacts f;
    pqxx::nontransaction tx(conn);
    const pqxx::row r = testdb::queryRow(tx,
        "SELECT version(), current_database(), current_user,"
        " coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false),"
        " current_setting('max_connections')::int,"
        " current_setting('superuser_reserved_connections')::int,"
        " coalesce(current_setting('reserved_connections', true), '0')::int,"
        " current_setting('port'),"
        " (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid())");
    f.version = r[0].as<std::string>();
    f.database = r[1].as<std::string>();
    f.user = r[2].as<std::string>();
    f.superuser = r[3].as<bool>();
    f.max_connections = r[4].as<int>();
    f.superuser_reserved = r[5].as<int>();
    f.reserved = r[6].as<int>();
    f.server_port = r[7].as<std::string>();
    f.own_application_name = r[8].is_null() ? "" : r[8].as<std::string>();
    const pqxx::result usage = tx.exec(
        "SELECT coalesce(state, '(hidden)'), coalesce(nullif(application_name, ''), '(none)'),"
        " count(*) FROM pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 2, 1");
    for (const auto& row : usage) {
        const int count = row[2].as<int>();
        f.in_use_other += count;
        f.usage.push_back(std::to_string(count) + " " + row[0].as<std::string>() + " " +
                          row[1].as<std::string>());
    }
    return f;
}

PoolerSigns detect_pooler(pqxx::connection& conn, const Config& config, const ServerFacts& f,
                          const std::string& expected_name) {
    PoolerSigns signs;
    if (lower(f.version).find("pgbouncer") != std::string::npos) {
        signs.pgbouncer = true;
        signs.hints.push_back("the server version string names PgBouncer");
    }
    try {
        pqxx::nontransaction tx(conn);
        tx.exec("SHOW POOLS");
        signs.pgbouncer = true;
        signs.hints.push_back("SHOW POOLS works: this is PgBouncer's admin console");
    } catch (const std::exception&) {
        // PostgreSQL itself: "unrecognized configuration parameter"
    }
    try {
        pqxx::nontransaction tx(conn);
        const int first = testdb::queryRow(tx, "SELECT pg_backend_pid()")[0].as<int>();
        const int second = testdb::queryRow(tx, "SELECT pg_backend_pid()")[0].as<int>();
        if (first != second) {
            signs.hints.push_back(
                "two statements ran in different server sessions "
                "(transaction pooling)");
        }
    } catch (const std::exception&) {
    }
    if (!config.port.empty() && config.port != f.server_port && !config.host.empty() &&
        config.host.front() != '/') {
        signs.hints.push_back("the URL names port " + config.port + " but the server listens on " +
                              f.server_port + " (a proxy or pooler forwards)");
    }
    if (!f.own_application_name.empty() && f.own_application_name != expected_name) {
        signs.hints.push_back("the server sees application_name '" + f.own_application_name +
                              "', not '" + expected_name + "'");
    }
    return signs;
}

std::string pool_line(const Config& config) {
    std::ostringstream out;
    out << "connection_limit " << config.connection_limit << ", pool_timeout "
        << static_cast<double>(config.pool_timeout.count()) / 1000.0 << " s, connect_timeout "
        << config.connect_timeout << " s, application_name " << config.application_name;
    return out.str();
}

// Nothing configured: can testdb start its own server here?
int check_embedded(const Config& config, const DoctorOptions& options) {
    std::cout << "  pool:           " << pool_line(config) << "\n";
    bool ok = true;
    try {
        const fs::path bin = EmbeddedServer::findBinDir();
        std::cout << "  binaries:       " << bin.string() << "\n";
        for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
            if (::access((bin / tool).c_str(), X_OK) != 0) {
                std::cout << "  binaries:       MISSING " << (bin / tool).string() << "\n";
                ok = false;
            }
        }
    } catch (const std::exception& e) {
        std::cout << "  binaries:       NOT FOUND: " << e.what() << "\n";
        ok = false;
    }
    if (::geteuid() == 0) {
        const std::string user = setting("TESTDB_SERVER_USER").value_or("postgres");
        passwd entry{};
        passwd* pw = nullptr;
        std::vector<char> buffer(16384);
        if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &pw) == 0 &&
            pw != nullptr) {
            std::cout << "  server user:    running as root, the server runs as '" << user
                      << "' (uid " << pw->pw_uid << ")\n";
        } else {
            std::cout << "  server user:    running as root, but the user '" << user
                      << "' does not exist.\n                  Fix: install postgresql (it "
                         "creates 'postgres') or set TESTDB_SERVER_USER to an unprivileged "
                         "user.\n";
            ok = false;
        }
    }
    if (::access("/tmp", W_OK | X_OK) != 0) {
        std::cout << "  /tmp:           not writable: the server's directory cannot be created\n";
        ok = false;
    }
    if (ok) {
        std::cout << "verdict: OK: nothing configured; each test process starts its own "
                     "throwaway PostgreSQL ("
                  << options.processes << " process" << (options.processes == 1 ? "" : "es")
                  << " x connection_limit " << config.connection_limit << ", on "
                  << options.processes << " private server" << (options.processes == 1 ? "" : "s")
                  << ")" << std::endl;
        return kExitOk;
    }
    std::cout << "verdict: FAIL: the embedded server cannot start here; fix the lines above or "
                 "set DATABASE_URL_TEST to a server"
              << std::endl;
    return kExitFailed;
}

// The process budget that fits, and who holds slots right now.
void print_budget(const Config& config, int budget, const std::optional<BouncerFacts>& bouncer) {
    const std::string each = "each process: " + std::to_string(config.connection_limit) +
                             " pooled + 1 slot connection" +
                             (bouncer ? ", within PgBouncer's pool_size " +
                                            std::to_string(bouncer->pool_size)
                                      : ", leaving " + std::to_string(kBudgetHeadroom) +
                                            " for tools");
    if (budget < 1) {
        std::cout << "  budget:         none fits (" << each << ")\n";
    } else {
        std::cout << "  budget:         TESTDB_MAX_PROCESSES=" << budget << " (" << each << ")\n";
    }
    try {
        const std::vector<SlotHolder> holders = slotHolders(config);
        std::cout << "  slots held:     " << holders.size() << "\n";
        for (const SlotHolder& holder : holders) {
            std::cout << "      " << describe(holder) << "\n";
        }
    } catch (const std::exception& e) {
        std::cout << "  slots held:     unknown (" << redact(first_line(e.what()), config) << ")\n";
    }
}

}  // namespace

int doctor(const DoctorOptions& options) {
    const Config config =
        options.url.empty() ? loadConfig() : Config::parse(options.url, ConfigSource::Explicit);
    std::cout << "testdb doctor\n  configuration:  " << describe_source(config) << "\n";
    if (config.source == ConfigSource::Embedded) {
        return check_embedded(config, options);
    }
    std::cout << "  url:            " << config.maskedUrl() << "\n";
    std::cout << "  pool:           " << pool_line(config) << "\n";
    try {
        requireSafeToDelete(config, "clean up test data");
        std::cout << "  safety guard:   cleanup allowed in database '" << config.dbname << "'\n";
    } catch (const SafetyGuardError& e) {
        std::cout << "  safety guard:   WARNING: " << redact(first_line(e.what()), config) << "\n";
    }

    std::unique_ptr<pqxx::connection> conn;
    try {
        conn = open_connection(config, "doctor");
    } catch (const std::exception& e) {
        std::cout << "  connection:     FAILED\n";
        std::cout << "verdict: FAIL: " << e.what() << std::endl;
        return kExitFailed;
    }
    ServerFacts f;
    try {
        f = read_facts(*conn);
    } catch (const std::exception& e) {
        std::cout << "verdict: FAIL: connected to " << config.endpoint()
                  << " but could not read the server's settings: "
                  << redact(first_line(e.what()), config)
                  << "\nFix: connect as a user that may read pg_settings and pg_stat_activity."
                  << std::endl;
        return kExitFailed;
    }
    PoolerSigns pooler = detect_pooler(*conn, config, f, config.application_name + "-doctor");
    conn.reset();
    const std::optional<BouncerFacts> bouncer = read_bouncer(config);
    if (bouncer) {
        pooler.pgbouncer = true;
        pooler.hints.insert(pooler.hints.begin(),
                            "its admin console answers: " + bouncer->version + ", pool_mode " +
                                bouncer->pool_mode + ", pool_size " +
                                std::to_string(bouncer->pool_size) + " for database " +
                                config.dbname + ", max_client_conn " +
                                std::to_string(bouncer->max_client_conn));
    }

    const int usable = f.max_connections - f.superuser_reserved - f.reserved;
    const int free_slots = std::max(0, usable - f.in_use_other);
    const int fit = config.connection_limit > 0 ? free_slots / config.connection_limit : 0;
    const int needed = options.processes * config.connection_limit;

    std::cout << "  connection:     OK (" << config.endpoint() << ", database " << f.database
              << ", user " << f.user << (f.superuser ? ", superuser" : "") << ")\n";
    std::cout << "  server:         " << first_line(f.version) << "\n";
    std::cout << "  max_connections:                " << f.max_connections << "\n";
    std::cout << "  superuser_reserved_connections: " << f.superuser_reserved << "\n";
    if (f.reserved != 0) {
        std::cout << "  reserved_connections:           " << f.reserved << "\n";
    }
    std::cout << "  in use by others:               " << f.in_use_other << "\n";
    for (const std::string& line : f.usage) {
        std::cout << "      " << line << "\n";
    }
    std::cout << "  free for tests:                 " << free_slots << " (" << f.max_connections
              << " - " << (f.superuser_reserved + f.reserved) << " reserved - " << f.in_use_other
              << " in use)\n";
    std::cout << "  fits:           " << fit << " process" << (fit == 1 ? "" : "es")
              << " of connection_limit " << config.connection_limit << "\n";
    if (pooler.pgbouncer || !pooler.hints.empty()) {
        std::cout << "  pooler:         " << (pooler.pgbouncer ? "PgBouncer" : "likely a pooler")
                  << " in front:\n";
        for (const std::string& hint : pooler.hints) {
            std::cout << "                    - " << hint << "\n";
        }
        if (!bouncer) {
            std::cout << "                  (its admin console did not answer: add this user to "
                         "PgBouncer's stats_users so doctor can read pool_size)\n";
        }
    } else {
        std::cout << "  pooler:         none detected (direct PostgreSQL connection)\n";
    }
    const int budget = budget_for(free_slots, bouncer, config.connection_limit);
    print_budget(config, budget, bouncer);
    // Through PgBouncer the pool, not the server, bounds what runs at once:
    // a process's transactions beyond it queue inside PgBouncer.
    const int pool_cap = bouncer ? std::min(bouncer->pool_size, free_slots) : free_slots;
    if (bouncer && needed > pool_cap) {
        std::cout << "verdict: DOES NOT FIT: " << options.processes << " process"
                  << (options.processes == 1 ? "" : "es") << " x connection_limit "
                  << config.connection_limit << " = " << needed
                  << " connections, but PgBouncer's pool for database " << config.dbname
                  << " has " << pool_cap << " (their transactions would queue in PgBouncer)."
                  << "\nFix: raise pool_size for this database in pgbouncer.ini, lower "
                     "connection_limit, or cap the processes with TESTDB_MAX_PROCESSES="
                  << std::max(budget, 1) << "." << std::endl;
        return kExitFailed;
    }
    if (needed <= free_slots) {
        std::cout << "verdict: OK: " << options.processes << " process"
                  << (options.processes == 1 ? "" : "es") << " x connection_limit "
                  << config.connection_limit << " = " << needed << " connections fit in "
                  << free_slots << " free slots" << std::endl;
        return kExitOk;
    }
    std::cout << "verdict: DOES NOT FIT: " << options.processes << " process"
              << (options.processes == 1 ? "" : "es") << " x connection_limit "
              << config.connection_limit << " = " << needed << " connections, but only "
              << free_slots << " slots are free on " << config.endpoint() << ".\nFix: ";
    if (fit < 1) {
        // Not even one process fits: "run at most 0" would be no advice.
        std::cout << "not even one process fits. Free "
                  << config.connection_limit - free_slots << " more slot"
                  << (config.connection_limit - free_slots == 1 ? "" : "s")
                  << " (close the other sessions listed above), "
                  << (free_slots >= 1 ? "lower connection_limit to " + std::to_string(free_slots) +
                                            " in DATABASE_URL_TEST, "
                                      : std::string())
                  << "raise max_connections, or put PgBouncer in front." << std::endl;
        return kExitFailed;
    }
    std::cout << "run at most " << fit << " process" << (fit == 1 ? "" : "es") << " at once"
              << (budget >= 1 ? " (TESTDB_MAX_PROCESSES=" + std::to_string(budget) +
                                    " makes the others wait for a slot)"
                              : std::string())
              << ", lower connection_limit in DATABASE_URL_TEST, close the other sessions, "
                 "raise max_connections, or put PgBouncer in front."
              << std::endl;
    return kExitFailed;
}

}  // namespace testdb::cli
