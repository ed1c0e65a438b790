// The `testdb` executable: everything lives in testdb_cli_lib (commands.hpp),
// so the unit tests reach it without starting a process.
#include "commands.hpp"

int main(int argc, char** argv) {
    return testdb::cli::run_command_line(argc, argv);
}
