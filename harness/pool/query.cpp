#include "testdb/query.hpp"

#include "harness/pool/pqxx_compat.hpp"

namespace testdb::detail {

pqxx::result execTextParams(pqxx::transaction_base& tx, std::string_view sql,
                            const std::vector<TextParam>& params) {
    return pqxx_compat::exec_params(tx, sql, params);
}

pqxx::row onlyRow(const pqxx::result& rows) { return pqxx_compat::one_row(rows); }

}  // namespace testdb::detail
