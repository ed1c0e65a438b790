/// @file query.hpp
/// @brief testdb::query(), queryRow(), queryValue(): parameterised statements
/// written once for every libpqxx testdb supports (6.4, 7.x, 8.x).
///
/// libpqxx 7.9 replaced `tx.exec_params(sql, args...)` and `tx.exec1(sql)`
/// with `tx.exec(sql, pqxx::params{...})` and `.one_row()`, which 6.4 lacks.
/// A suite (or a library under test) that must build against all of them can
/// use these instead; the arguments go to the server as text parameters, as
/// libpqxx sends them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <pqxx/result>
#include <pqxx/strconv>
#include <pqxx/transaction_base>

namespace testdb {

namespace detail {

/// One statement parameter: its text, or std::nullopt for SQL NULL.
using TextParam = std::optional<std::string>;

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

/// `value` as libpq receives it: text, or nullopt for null.
template <typename T>
TextParam toTextParam(const T& value) {
    if constexpr (IsOptional<T>::value) {
        return value ? toTextParam(*value) : std::nullopt;
    } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
        return std::nullopt;
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
        return std::string(std::string_view(value));
    } else {
        return pqxx::to_string(value);
    }
}

/// Runs `sql` with text parameters through the libpqxx version's own call.
pqxx::result execTextParams(pqxx::transaction_base& tx, std::string_view sql,
                            const std::vector<TextParam>& params);

/// The single row of `rows`; throws pqxx::unexpected_rows otherwise.
pqxx::row onlyRow(const pqxx::result& rows);

}  // namespace detail

/// Runs `sql` in `tx` with `$1`, `$2`, ... bound to `args` (std::optional
/// without a value and nullptr are NULL) and returns every row.
template <typename... Args>
pqxx::result query(pqxx::transaction_base& tx, std::string_view sql, const Args&... args) {
    return detail::execTextParams(tx, sql, {detail::toTextParam(args)...});
}

/// As query(), for a statement that must return exactly one row; throws
/// pqxx::unexpected_rows when it returns none or several.
template <typename... Args>
pqxx::row queryRow(pqxx::transaction_base& tx, std::string_view sql, const Args&... args) {
    return detail::onlyRow(query(tx, sql, args...));
}

/// As queryRow(), returning the row's first field converted to `T`
/// (`SELECT count(*) ...`, `INSERT ... RETURNING id`).
template <typename T, typename... Args>
T queryValue(pqxx::transaction_base& tx, std::string_view sql, const Args&... args) {
    const pqxx::row row = queryRow(tx, sql, args...);
    return row[0].template as<T>();
}

/// query() on a transaction made for this one statement:
/// `testdb::query(pqxx::nontransaction(lease.connection()), sql, args...)`.
template <typename... Args>
pqxx::result query(pqxx::transaction_base&& tx, std::string_view sql, const Args&... args) {
    return query(tx, sql, args...);
}

/// queryValue() on a transaction made for this one statement.
template <typename T, typename... Args>
T queryValue(pqxx::transaction_base&& tx, std::string_view sql, const Args&... args) {
    return queryValue<T>(tx, sql, args...);
}

}  // namespace testdb
