// Private: what SCHEMA names (one .sql file or a directory of migrations),
// read into the ordered list of SQL texts testdb applies, and its content hash.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace testdb::detail {

/// How a directory's file names give the order of its migrations.
enum class MigrationLayout {
    SingleFile,     ///< SCHEMA names one .sql file
    Numbered,       ///< `<number>_<name>.sql` (numbers or timestamps, compared as numbers)
    Flyway,         ///< `V<dotted version>__<description>.sql`
    GolangMigrate,  ///< `<version>_<name>.up.sql` (.down.sql ignored)
    Dbmate,         ///< numbered files with `-- migrate:up` / `-- migrate:down` sections
    Command,        ///< MIGRATE_COMMAND: an external tool applies them
};

/// The layout's name as the docs and messages spell it ("flyway").
const char* layoutName(MigrationLayout layout);

/// The files of one directory in the order they apply, by name alone.
struct MigrationOrder {
    MigrationLayout layout = MigrationLayout::Numbered;
    std::vector<std::string> apply;    ///< names to apply, first to last
    std::vector<std::string> ignored;  ///< names skipped on purpose, with the reason after " ("
};

/// Orders the file names found in `directory` (used only in messages).
/// Throws ConfigError naming the files when a name has no version, two
/// names carry the same version, layouts are mixed, or a Flyway repeatable
/// migration (R__) is present. Files not ending in .sql are not listed in
/// either result.
MigrationOrder orderMigrations(const std::string& directory, const std::vector<std::string>& names);

/// One SQL text testdb sends to the server.
struct MigrationFile {
    std::filesystem::path path;  ///< the file it comes from
    std::string sql;             ///< what is sent (dbmate: the up section only)
    int first_line = 1;          ///< line of `path` that is line 1 of `sql`
    bool transactional = true;   ///< false: dbmate's `transaction:false`
};

/// Everything SCHEMA names, in order, and the hash of it.
struct MigrationSet {
    std::filesystem::path source;  ///< the file or directory, as given
    MigrationLayout layout = MigrationLayout::SingleFile;
    std::vector<MigrationFile> files;
    std::string hash;  ///< SHA-256 (hex) over every file's name and bytes, in order
    std::string command;  ///< Command layout: the shell command that applies them
};

/// Reads `source` (a .sql file or a migrations directory). ConfigError
/// naming the path when it cannot be read or its layout is ambiguous.
MigrationSet loadMigrations(const std::filesystem::path& source);

/// The part of a dbmate file between `-- migrate:up` and `-- migrate:down`
/// (to the end when there is no down section), its first line and whether
/// it runs in a transaction. ConfigError naming `file` without an up section.
MigrationFile dbmateUpSection(const std::filesystem::path& file, const std::string& text);

/// The set MIGRATE_COMMAND stands for: `command` (run by /bin/sh) and the
/// files `inputs` names (';'- or ','-separated files, directories, read
/// recursively, and globs of file names), hashed with the command's text;
/// `files` stays empty. ConfigError naming an input that matches nothing.
MigrationSet commandMigrations(const std::string& command, const std::string& inputs);

/// SHA-256 of `bytes`, lower-case hex.
std::string sha256Hex(const std::string& bytes);

}  // namespace testdb::detail
