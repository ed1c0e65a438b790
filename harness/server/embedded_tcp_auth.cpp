#include "harness/server/embedded_tcp_auth.hpp"

#include <libpq-fe.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "testdb/errors.hpp"

namespace testdb::detail {

std::filesystem::path write_hba_file(const std::filesystem::path& dir) {
    std::filesystem::path path = dir / "pg_hba.conf";
    std::ofstream out(path);
    out << "# Written by testdb. The socket directory admits only its owner;\n"
           "# TCP needs the password generated for this server.\n"
           "local all all trust\n"
           "local replication all trust\n"
           "host all all 127.0.0.1/32 scram-sha-256\n"
           "host replication all 127.0.0.1/32 scram-sha-256\n";
    if (!out.flush()) {
        throw EmbeddedServerError("EmbeddedServerError: cannot write " + path.string() + ": " +
                                  std::strerror(errno) + ". Fix: check that the disk has space.");
    }
    // Readable by the server user when root wrote it (no secret inside).
    std::error_code ec;
    std::filesystem::permissions(path,
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write |
                                     std::filesystem::perms::group_read |
                                     std::filesystem::perms::others_read,
                                 ec);
    return path;
}

std::string generate_password() {
    std::array<unsigned char, 16> bytes{};
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw EmbeddedServerError(std::string("EmbeddedServerError: no random bytes for the "
                                                  "server's password (getrandom: ") +
                                      std::strerror(errno) + ").");
        }
        filled += static_cast<std::size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string password;
    for (const unsigned char b : bytes) {
        password += kHex[b >> 4];
        password += kHex[b & 15];
    }
    return password;
}

void set_role_password(const std::filesystem::path& socket_dir, int port, const std::string& user,
                       const std::string& password) {
    const std::string host = socket_dir.string();
    const std::string port_text = std::to_string(port);
    const char* keys[] = {"host", "port", "dbname", "user", nullptr};
    const char* values[] = {host.c_str(), port_text.c_str(), "postgres", user.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 0);
    // The verifier is computed here, so the password itself never reaches
    // the server's log or pg_stat_activity.
    char* verifier = PQstatus(conn) == CONNECTION_OK
                         ? PQencryptPasswordConn(conn, password.c_str(), user.c_str(),
                                                 "scram-sha-256")
                         : nullptr;
    std::string error;
    if (verifier == nullptr) {
        error = PQerrorMessage(conn);
    } else {
        char* role = PQescapeIdentifier(conn, user.c_str(), user.size());
        char* literal = PQescapeLiteral(conn, verifier, std::strlen(verifier));
        const std::string sql = std::string("ALTER ROLE ") + (role ? role : "\"\"") +
                                " PASSWORD " + (literal ? literal : "''");
        PQfreemem(role);
        PQfreemem(literal);
        PQfreemem(verifier);
        PGresult* result = PQexec(conn, sql.c_str());
        if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQerrorMessage(conn);
        PQclear(result);
    }
    PQfinish(conn);
    if (!error.empty()) {
        throw EmbeddedServerError("EmbeddedServerError: could not set the password that guards "
                                  "the server's TCP port (" + host + ", port " + port_text +
                                  "): " + error +
                                  "Fix: read the server log in that directory.");
    }
}

}  // namespace testdb::detail
