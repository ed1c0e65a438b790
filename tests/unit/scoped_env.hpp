// Test helpers: set environment variables and the working directory for one
// test case, restoring both afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace testdb_unit {

/// Sets (or unsets, with nullopt) a variable until the end of the scope.
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) previous_ = old;
        if (value) {
            ::setenv(name_.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv() {
        if (previous_) {
            ::setenv(name_.c_str(), previous_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }

private:
    std::string name_;
    std::optional<std::string> previous_;
};

/// Unsets every variable testdb reads, so the machine's own settings cannot
/// change a test's outcome.
class CleanEnv {
public:
    CleanEnv() {
        for (const char* name :
             {"DATABASE_URL_TEST", "TESTDB_CONNECTION_LIMIT", "TESTDB_POOL_TIMEOUT",
              "TESTDB_CONNECT_TIMEOUT", "TESTDB_APPLICATION_NAME", "TESTDB_ALLOW_ANY_DATABASE",
              "TESTDB_MAX_PROCESSES", "TESTDB_SLOT_TIMEOUT",
              "APP_ENV", "NODE_ENV", "PGDATABASE"}) {
            vars_.emplace_back(std::make_unique<ScopedEnv>(name, std::nullopt));
        }
    }

private:
    std::vector<std::unique_ptr<ScopedEnv>> vars_;
};

/// A fresh directory (removed at the end) that is also the working
/// directory for the scope. It holds a `.git` so the .env.test lookup stops
/// there and never reads the developer's own file.
class ScopedWorkDir {
public:
    ScopedWorkDir() : previous_(std::filesystem::current_path()) {
        std::random_device rd;
        root_ = std::filesystem::temp_directory_path() /
                ("testdb-unit-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(root_ / ".git");
        std::filesystem::current_path(root_);
    }
    ScopedWorkDir(const ScopedWorkDir&) = delete;
    ScopedWorkDir& operator=(const ScopedWorkDir&) = delete;
    ~ScopedWorkDir() {
        std::error_code ec;
        std::filesystem::current_path(previous_, ec);
        std::filesystem::remove_all(root_, ec);
    }
    /// The directory's path.
    const std::filesystem::path& path() const { return root_; }
    /// Writes `text` to `relative` (creating parent directories).
    std::filesystem::path write(const std::filesystem::path& relative, const std::string& text) const {
        const auto file = root_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }

private:
    std::filesystem::path previous_;
    std::filesystem::path root_;
};

}  // namespace testdb_unit
