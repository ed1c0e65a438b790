// Private: how the embedded server guards its TCP listener. The Unix socket
// sits in the server's 0700 directory, so only its owner reaches it and it
// keeps trust authentication. TCP on 127.0.0.1 (EmbeddedServerOptions::
// tcp_port, `testdb up --port`) is open to every account of the machine, so
// it requires scram-sha-256 with a password generated for that one server.
#pragma once

#include <filesystem>
#include <string>

namespace testdb::detail {

/// Writes `<dir>/pg_hba.conf`: trust on the Unix socket, scram-sha-256 on
/// 127.0.0.1, nothing else; returns its path (the server's hba_file).
std::filesystem::path write_hba_file(const std::filesystem::path& dir);

/// A random password (32 hex digits, 128 bits from the kernel's generator).
std::string generate_password();

/// Gives role `user` the password, over the Unix socket in `socket_dir`
/// (sent as a SCRAM verifier: the server never sees the password itself).
/// Throws EmbeddedServerError.
void set_role_password(const std::filesystem::path& socket_dir, int port,
                       const std::string& user, const std::string& password);

}  // namespace testdb::detail
