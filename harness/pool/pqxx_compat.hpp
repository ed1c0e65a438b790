// Private: the one place that knows which libpqxx testdb was built against.
//
// testdb supports libpqxx 6.4 (Debian 12), 7.x and 8.x. Their APIs differ in
// how a parameterised statement is run, how "exactly one row" is checked and,
// above all, how a program reaches a connection's libpq handle. Everything
// else in testdb uses the calls below and the names every version shares
// (pqxx::connection, pqxx::transaction_base, pqxx::result, pqxx::row); the
// implementation chooses by PQXX_VERSION_MAJOR (pqxx_compat.cpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/connection>
#include <pqxx/result>
#include <pqxx/transaction_base>

namespace testdb::detail::pqxx_compat {

/// A libpqxx connection together with its libpq handle, which stays valid
/// (and owned by `connection`) for the connection's lifetime.
struct HandledConnection {
    std::unique_ptr<pqxx::connection> connection;
    PGconn* handle = nullptr;
};

/// Connects now (throws pqxx::broken_connection on failure). The connection
/// never reconnects by itself: once broken it stays broken, so the pool, not
/// libpqxx, decides to replace it and counts the replacement.
HandledConnection connect_with_handle(const std::string& options);

/// Runs `sql` with $1, $2, ... bound to `params` (text; nullopt is NULL).
pqxx::result exec_params(pqxx::transaction_base& tx, std::string_view sql,
                         const std::vector<std::optional<std::string>>& params);

/// The only row of `rows`; throws pqxx::unexpected_rows when there is not
/// exactly one.
pqxx::row one_row(const pqxx::result& rows);

}  // namespace testdb::detail::pqxx_compat
