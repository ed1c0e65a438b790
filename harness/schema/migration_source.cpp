// Reading what SCHEMA names: one .sql file, or a directory of migrations in
// one of the layouts migration_order.cpp knows, and hashing all of it.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fnmatch.h>

#include <openssl/evp.h>

#include "harness/schema/migration_source.hpp"
#include "testdb/errors.hpp"

namespace testdb::detail {
namespace {

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError("ConfigError: cannot read the schema file " + file.string() +
                              ".\nFix: check the SCHEMA path given to "
                              "testdb_add_integration_suite (or TESTDB_SCHEMA).",
                          "SCHEMA", file.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Tools whose files hold up and down SQL side by side under markers testdb
// does not read: applying the whole file would run the down part too.
void refuse_foreign_markers(const std::filesystem::path& file, const std::string& text) {
    for (const char* marker : {"-- +goose", "-- +migrate"}) {
        if (text.find(marker) != std::string::npos) {
            throw ConfigError("ConfigError: " + file.string() + " holds \"" + marker +
                                  "\" sections, which testdb does not split (it would apply "
                                  "the down part too).\nFix: run that tool through "
                                  "MIGRATE_COMMAND, or keep only the up SQL in the file.",
                              "SCHEMA", file.string());
        }
    }
}

int line_of(const std::string& text, size_t offset) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

void add_to_hash(std::string& input, const std::string& name, const std::string& bytes) {
    // Name, length and bytes: no two different sets of files feed the same input.
    input += name;
    input += '\0';
    input += std::to_string(bytes.size());
    input += '\0';
    input += bytes;
}

// The files one MIGRATE_INPUTS entry names, sorted: the file itself, every
// file under a directory, or the files a glob in the last component matches.
std::vector<std::filesystem::path> expand_input(const std::string& input) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    std::error_code error;
    const fs::path path(input);
    if (input.find_first_of("*?[") != std::string::npos) {
        const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
        for (const auto& entry : fs::directory_iterator(parent, error)) {
            if (entry.is_regular_file() &&
                ::fnmatch(path.filename().c_str(), entry.path().filename().c_str(), 0) == 0) {
                files.push_back(path.has_parent_path() ? parent / entry.path().filename()
                                                       : entry.path().filename());
            }
        }
    } else if (fs::is_directory(path, error)) {
        for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
    } else if (fs::is_regular_file(path, error)) {
        files.push_back(path);
    }
    if (files.empty()) {
        throw ConfigError("ConfigError: the MIGRATE_INPUTS entry " + input +
                              " names no file (it must be a file, a directory or a glob that "
                              "matches files; relative to " + fs::current_path().string() + ").\n"
                              "Fix: list the files MIGRATE_COMMAND applies, so that testdb knows "
                              "when they changed.",
                          "TESTDB_MIGRATE_INPUTS", input);
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

MigrationSet commandMigrations(const std::string& command, const std::string& inputs) {
    MigrationSet set;
    set.layout = MigrationLayout::Command;
    set.command = command;
    set.source = command;
    std::string hash_input = command;
    hash_input += '\0';
    size_t start = 0;
    while (start <= inputs.size()) {
        const size_t end = std::min(inputs.find_first_of(";,", start), inputs.size());
        std::string input = inputs.substr(start, end - start);
        input.erase(0, input.find_first_not_of(" \t\n"));
        input.erase(input.find_last_not_of(" \t\n") + 1);
        if (!input.empty()) {
            for (const std::filesystem::path& file : expand_input(input)) {
                add_to_hash(hash_input, file.generic_string(), read_file(file));
            }
        }
        start = end + 1;
    }
    if (hash_input.size() == command.size() + 1) {
        throw ConfigError("ConfigError: MIGRATE_COMMAND (" + command + ") is set but "
                              "MIGRATE_INPUTS names no file, so testdb cannot tell when to run "
                              "it again.\nFix: set TESTDB_MIGRATE_INPUTS to the files, "
                              "directories or globs the command applies.",
                          "TESTDB_MIGRATE_INPUTS", inputs);
    }
    set.hash = sha256Hex(hash_input);
    return set;
}

std::string sha256Hex(const std::string& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw Error("Error: OpenSSL's SHA-256 failed while hashing the schema.\nFix: check the "
                    "OpenSSL installation (libcrypto).");
    }
    static const char* const kHex = "0123456789abcdef";
    std::string hex;
    hex.reserve(static_cast<std::size_t>(length) * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0x0f];
    }
    return hex;
}

MigrationFile dbmateUpSection(const std::filesystem::path& file, const std::string& text) {
    const size_t up = text.find("-- migrate:up");
    if (up == std::string::npos) {
        throw ConfigError("ConfigError: the dbmate migration " + file.string() +
                              " has no \"-- migrate:up\" line, while others in its directory do."
                              "\nFix: start its SQL with \"-- migrate:up\".",
                          "SCHEMA", file.string());
    }
    const size_t line_end = std::min(text.find('\n', up), text.size());
    const std::string options = text.substr(up, line_end - up);
    const size_t body = line_end == text.size() ? line_end : line_end + 1;
    const size_t down = text.find("-- migrate:down", body);
    MigrationFile section;
    section.path = file;
    section.sql = text.substr(body, (down == std::string::npos ? text.size() : down) - body);
    section.first_line = line_of(text, body);
    section.transactional = options.find("transaction:false") == std::string::npos;
    return section;
}

MigrationSet loadMigrations(const std::filesystem::path& source) {
    MigrationSet set;
    set.source = source;
    std::string hash_input;
    std::error_code error;
    if (!std::filesystem::is_directory(source, error)) {
        const std::string text = read_file(source);
        set.files.push_back(MigrationFile{source, text, 1, true});
        add_to_hash(hash_input, source.filename().string(), text);
        set.hash = sha256Hex(hash_input);
        return set;
    }
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(source, error)) {
        if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
    }
    if (error) read_file(source / "");  // throws ConfigError naming the directory
    const MigrationOrder order = orderMigrations(source.string(), names);
    set.layout = order.layout;
    std::vector<std::string> texts;
    for (const std::string& name : order.apply) {
        texts.push_back(read_file(source / name));
        refuse_foreign_markers(source / name, texts.back());
        add_to_hash(hash_input, name, texts.back());
    }
    const bool dbmate = std::any_of(texts.begin(), texts.end(), [](const std::string& text) {
        return text.find("-- migrate:up") != std::string::npos;
    });
    if (dbmate && set.layout == MigrationLayout::Numbered) set.layout = MigrationLayout::Dbmate;
    for (size_t i = 0; i < texts.size(); ++i) {
        const std::filesystem::path file = source / order.apply[i];
        set.files.push_back(set.layout == MigrationLayout::Dbmate ? dbmateUpSection(file, texts[i])
                                                                   : MigrationFile{file, texts[i], 1, true});
    }
    set.hash = sha256Hex(hash_input);
    return set;
}

}  // namespace testdb::detail
