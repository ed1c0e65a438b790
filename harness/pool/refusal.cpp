// One answer, for every caller that opens connections (the pool, the process
// budget, the CLI), to "did the server refuse for lack of connection slots?".
#include "testdb/errors.hpp"

namespace testdb {

bool isConnectionRefusal(std::string_view message) {
    // During connection start-up libpq gives the server's text, and the
    // SQLSTATE only with verbose errors, so both are recognised.
    for (const std::string_view sign : {
             std::string_view("53300"),                                    // too_many_connections
             std::string_view("too many clients"),                         // PostgreSQL
             std::string_view("remaining connection slots are reserved"),  // PostgreSQL
             std::string_view("no more connections allowed"),              // PgBouncer
         }) {
        if (message.find(sign) != std::string_view::npos) return true;
    }
    return false;
}

std::string refusalSqlstate(std::string_view message) {
    if (!isConnectionRefusal(message)) return {};
    // PgBouncer refuses with a protocol violation, not PostgreSQL's class 53.
    if (message.find("no more connections allowed") != std::string_view::npos) return "08P01";
    return "53300";
}

}  // namespace testdb
