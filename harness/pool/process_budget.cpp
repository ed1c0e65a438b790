// The cross-process budget: slots held as transaction-level advisory locks
// on one extra connection per process (see process_budget.hpp for why).
#include "testdb/process_budget.hpp"

#include <errno.h>  // program_invocation_short_name
#include <unistd.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "harness/common/log.hpp"
#include "harness/config/url.hpp"
#include "testdb/errors.hpp"
#include "testdb/query.hpp"

namespace testdb {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kSlotPrefix = "testdb-slot:";

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown-host";
    return name;
}

// "testdb-slot:<pid>@<host>:<suite>", cut to the 63 bytes the server keeps
// (the suite's name is cut first: pid and host identify the holder).
std::string slot_application_name() {
    const std::string name = std::string(kSlotPrefix) + std::to_string(::getpid()) + "@" +
                             host_name() + ":" + program_invocation_short_name;
    return name.substr(0, 63);
}

std::string connection_string(const Config& config, const std::string& application_name) {
    const char separator = config.libpq_url.find('?') == std::string::npos ? '?' : '&';
    return config.libpq_url + separator +
           "connect_timeout=" + std::to_string(config.connect_timeout) +
           "&application_name=" + detail::percent_encode(application_name);
}

std::string seconds_text(milliseconds ms) {
    std::ostringstream out;
    out << static_cast<double>(ms.count()) / 1000.0 << " s";
    return out.str();
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// Connects for the slot; nullptr when the server refused for lack of
// connection slots (the situation the budget exists to wait out), with the
// server's text in `refusal` when given.
std::unique_ptr<pqxx::connection> connect(const Config& config, const std::string& app,
                                          std::string* refusal = nullptr) {
    try {
        return std::make_unique<pqxx::connection>(connection_string(config, app));
    } catch (const pqxx::broken_connection& e) {
        const std::string cause = maskPassword(first_line(e.what()));
        if (isConnectionRefusal(cause)) {
            if (refusal != nullptr) *refusal = cause;
            return nullptr;
        }
        throw ServerUnavailable("ServerUnavailable: cannot connect to " + config.endpoint() +
                                " to claim a process slot (TESTDB_MAX_PROCESSES): " + cause +
                                "\n  url: " + config.maskedUrl() +
                                "\nFix: start that server or correct DATABASE_URL_TEST.");
    }
}

// The budget `auto` stands for on this server.
int derived_budget(pqxx::work& tx, const Config& config) {
    const pqxx::row r = testdb::queryRow(tx,
        "SELECT current_setting('max_connections')::int,"
        " current_setting('superuser_reserved_connections')::int,"
        " coalesce(current_setting('reserved_connections', true), '0')::int");
    const int max_connections = r[0].as<int>();
    const int usable = max_connections - r[1].as<int>() - r[2].as<int>() - kBudgetHeadroom;
    const int budget = processesThatFit(usable, config.connection_limit);
    if (budget < 1) {
        throw ConfigError("ConfigError: TESTDB_MAX_PROCESSES=auto: the server at " +
                          config.endpoint() +
                          " has max_connections=" + std::to_string(max_connections) +
                          ", which leaves " + std::to_string(std::max(usable, 0)) +
                          " connections for tests, fewer "
                          "than one process needs (connection_limit " +
                          std::to_string(config.connection_limit) +
                          " + 1 for its slot).\n"
                          "Fix: lower connection_limit or raise the server's max_connections.");
    }
    return budget;
}

std::string holders_text(const Config& config) {
    try {
        const std::vector<SlotHolder> holders = slotHolders(config);
        if (holders.empty()) return "\n  (no holder visible: they ended just now)";
        std::string text;
        for (const SlotHolder& holder : holders) text += "\n  " + describe(holder);
        return text;
    } catch (const std::exception& e) {
        return "\n  (holders unknown: " + maskPassword(first_line(e.what())) + ")";
    }
}

}  // namespace

struct ProcessSlot::Held {
    std::unique_ptr<pqxx::connection> conn;
    std::unique_ptr<pqxx::work> tx;  // declared last: ends before its connection
};

int processesThatFit(int usable, int connection_limit) {
    if (usable <= 0 || connection_limit <= 0) return 0;
    return usable / (connection_limit + 1);
}

std::vector<SlotHolder> slotHolders(const Config& config) {
    std::string refusal;
    auto conn = connect(config, "testdb-slot-list", &refusal);
    if (!conn) {
        throw ServerRefused("ServerRefused: " + config.endpoint() +
                                " has no connection slot left to list the holders",
                            refusalSqlstate(refusal), config.endpoint());
    }
    pqxx::work tx(*conn);
    const pqxx::result rows = testdb::query(tx,
        "SELECT l.objid::int, coalesce(a.application_name, ''),"
        " coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '?'), l.pid"
        " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.objsubid = 2"
        " AND l.granted"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " ORDER BY 1",
        kSlotLockClass);
    std::vector<SlotHolder> holders;
    for (const auto& row : rows) {
        SlotHolder holder;
        holder.slot = row[0].as<int>();
        holder.since = row[2].as<std::string>();
        holder.backend_pid = row[3].as<int>();
        const std::string app = row[1].as<std::string>();
        // "testdb-slot:<pid>@<host>:<suite>"; anything else is shown as is.
        const std::size_t at = app.find('@');
        const std::size_t colon = app.find(':', at == std::string::npos ? 0 : at);
        if (app.rfind(kSlotPrefix, 0) == 0 && at != std::string::npos &&
            colon != std::string::npos) {
            holder.pid = std::strtol(app.c_str() + kSlotPrefix.size(), nullptr, 10);
            holder.host = app.substr(at + 1, colon - at - 1);
            holder.suite = app.substr(colon + 1);
        } else {
            holder.suite = app.empty() ? "(application_name hidden)" : app;
        }
        holders.push_back(holder);
    }
    return holders;
}

std::string describe(const SlotHolder& holder) {
    std::ostringstream out;
    out << "slot " << holder.slot << ": ";
    if (holder.pid != 0) {
        out << "pid " << holder.pid << " on " << holder.host << " (" << holder.suite << ")";
    } else {
        out << holder.suite;
    }
    out << " since " << holder.since << ", server backend " << holder.backend_pid;
    return out.str();
}

std::unique_ptr<ProcessSlot> ProcessSlot::claim(const Config& config,
                                                const std::string& run_token) {
    const auto started = Clock::now();
    const auto deadline = started + config.slot_timeout;
    const std::string app = slot_application_name();
    int budget = config.max_processes;
    std::minstd_rand jitter(static_cast<unsigned>(::getpid()));
    bool told = false;
    while (true) {
        if (auto conn = connect(config, app)) {
            auto tx = std::make_unique<pqxx::work>(*conn, "testdb-slot");
            if (budget == kAutoMaxProcesses) budget = derived_budget(*tx, config);
            // The transaction lives as long as the run: no server timeout
            // may end it, and its application_name names the holder.
            tx->exec("SET LOCAL idle_in_transaction_session_timeout = 0");
            tx->exec("SET LOCAL application_name = " + tx->quote(app));
            for (int slot = 0; slot < budget; ++slot) {
                const std::string sql = "SELECT pg_try_advisory_xact_lock(" +
                                        std::to_string(kSlotLockClass) + ", " +
                                        std::to_string(slot) + ")";
                if (testdb::queryRow(*tx, sql)[0].as<bool>()) {
                    const auto waited =
                        std::chrono::duration_cast<milliseconds>(Clock::now() - started);
                    detail::log().info("run {}: holding process slot {} of {} on {} (waited {} ms)",
                                       run_token, slot, budget, config.endpoint(), waited.count());
                    auto held = std::make_unique<Held>();
                    held->conn = std::move(conn);
                    held->tx = std::move(tx);
                    return std::unique_ptr<ProcessSlot>(
                        new ProcessSlot(std::move(held), slot, budget, waited));
                }
            }
            tx->abort();  // hold nothing on the server while waiting
        }
        if (Clock::now() >= deadline) break;
        // Listing the holders costs a connection: only when it is shown.
        if (!told && detail::log().should_log(spdlog::level::info)) {
            told = true;
            detail::log().info(
                "run {}: all {} process slots on {} are taken; waiting up to {} "
                "for one:{}",
                run_token, budget == kAutoMaxProcesses ? 0 : budget, config.endpoint(),
                seconds_text(config.slot_timeout), holders_text(config));
        }
        const auto pause = milliseconds(200 + static_cast<int>(jitter() % 300));
        std::this_thread::sleep_until(std::min(deadline, Clock::now() + pause));
    }
    const std::string shown =
        budget == kAutoMaxProcesses ? std::string("auto") : std::to_string(budget);
    throw ProcessBudgetTimeout(
        "ProcessBudgetTimeout: no process slot became free on " + config.endpoint() +
        ", database " + config.dbname + ", in " + seconds_text(config.slot_timeout) +
        " (TESTDB_MAX_PROCESSES=" + shown +
        ", TESTDB_SLOT_TIMEOUT). Holders:" + holders_text(config) +
        "\nFix: wait for those runs or stop them, raise TESTDB_SLOT_TIMEOUT, or raise "
        "TESTDB_MAX_PROCESSES if the server has room (`testdb doctor` prints the budget "
        "that fits).");
}

ProcessSlot::ProcessSlot(std::unique_ptr<Held> held, int slot, int budget, milliseconds waited)
    : held_(std::move(held)), slot_(slot), budget_(budget), waited_(waited) {}

ProcessSlot::~ProcessSlot() {
    release();
}

void ProcessSlot::release() noexcept {
    if (!held_) return;
    try {
        held_->tx->abort();  // ends the transaction: the lock goes with it
    } catch (...) {          // NOLINT(bugprone-empty-catch): closing the connection frees it anyway
    }
    held_.reset();
}

}  // namespace testdb
