// The libpqxx version differences, chosen once by PQXX_VERSION_MAJOR.
#include "harness/pool/pqxx_compat.hpp"

#include <utility>

#include <pqxx/except>
#include <pqxx/version>

#if PQXX_VERSION_MAJOR < 7
#include <pqxx/largeobject>
#include <pqxx/prepared_statement>
#include <pqxx/transaction>
#else
#include <pqxx/params>
#endif

namespace testdb::detail::pqxx_compat {

#if PQXX_VERSION_MAJOR < 7

namespace {

// libpqxx 6.4 keeps a connection's PGconn* private and has no call that hands
// it out; its large-object classes are the one public door, through a
// protected static member that a derived class may call.
struct HandleOfTransaction : pqxx::largeobject {
    static PGconn* of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

}  // namespace

HandledConnection connect_with_handle(const std::string& options) {
    HandledConnection opened;
    opened.connection = std::make_unique<pqxx::connection>(options);
    // 6.4 would silently reconnect a broken connection on its next query,
    // freeing the handle read below. Its switch is deprecated with no
    // replacement (7.0 dropped reconnection altogether), so the warning is
    // silenced here, for 6.4 only.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    opened.connection->inhibit_reactivation(true);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    // One BEGIN/ROLLBACK when the pool opens a connection (3 per process).
    pqxx::read_transaction probe(*opened.connection);
    opened.handle = HandleOfTransaction::of(probe);
    probe.abort();
    return opened;
}

pqxx::result exec_params(pqxx::transaction_base& tx, std::string_view sql,
                         const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;  // nullptr is NULL for 6.4's parameters
    values.reserve(params.size());
    for (const auto& param : params) {
        values.push_back(param ? param->c_str() : nullptr);
    }
    return tx.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
}

pqxx::row one_row(const pqxx::result& rows) {
    if (rows.size() != 1) {
        throw pqxx::unexpected_rows("Expected 1 row from query, got " + std::to_string(rows.size()) + ".");
    }
    return rows.front();
}

#else  // libpqxx 7.x and 8.x

HandledConnection connect_with_handle(const std::string& options) {
    // libpqxx connects (and checks the server) as usual; then the connection
    // gives up its libpq handle and takes it back (release_raw_connection /
    // seize_raw_connection), which is how 7 and 8 let a program keep it.
    pqxx::connection opened{options};
    auto* raw = std::move(opened).release_raw_connection();
    HandledConnection result;
    result.connection = std::make_unique<pqxx::connection>(pqxx::connection::seize_raw_connection(raw));
    result.handle = static_cast<PGconn*>(raw);  // 8.x types it void*
    return result;
}

pqxx::result exec_params(pqxx::transaction_base& tx, std::string_view sql,
                         const std::vector<std::optional<std::string>>& params) {
    pqxx::params values;
    values.reserve(static_cast<int>(params.size()));
    for (const auto& param : params) {
        values.append(param);
    }
    return tx.exec(sql, values);
}

pqxx::row one_row(const pqxx::result& rows) { return rows.one_row(); }

#endif

}  // namespace testdb::detail::pqxx_compat
