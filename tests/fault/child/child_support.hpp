// Shared by the fault child suite. Its test cases are hidden ("[.tag]"): the
// fault matrix (tests/fault/*_test.cpp) runs them one tag at a time as child
// processes and talks to them through files in TESTDB_FAULT_DIR: a child
// writes "<name>" when it reached a point, and waits for the parent's file
// when the parent must act first (kill or restart the server).
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "testdb/catch2.hpp"
#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/testdb.hpp"

namespace faultchild {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const testdb::Factory items =
    testdb::Factory("items", "item")
        .slugColumn("slug")
        .column("label", [](const testdb::RowSeed& seed) -> std::optional<std::string> {
            return "Item " + std::to_string(seed.n);
        });

/// The directory shared with the parent; the tests need one.
inline fs::path dir() {
    const char* path = std::getenv("TESTDB_FAULT_DIR");
    if (path == nullptr || *path == '\0') {
        FAIL("run by tests/fault (TESTDB_FAULT_DIR is not set)");
    }
    return path;
}

/// Tells the parent we reached `name` (atomically: write, then rename).
inline void tell_parent(const std::string& name, const std::string& text = "ready") {
    const fs::path temp = dir() / (name + ".tmp");
    std::ofstream(temp) << text;
    fs::rename(temp, dir() / name);
}

/// Waits for the parent's file `name`; false after `timeout`.
inline bool wait_for_parent(const std::string& name, std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!fs::exists(dir() / name)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

/// "<server directory> <postmaster pid>" of this process's embedded server,
/// or "external" when DATABASE_URL_TEST named a server.
inline std::string server_info() {
    const testdb::EmbeddedServer* server = testdb::getTestDb().embeddedServer();
    return server == nullptr ? std::string("external")
                             : server->directory().string() + " " + std::to_string(server->pid());
}

/// Items visible for one tenant.
inline long long items_of(const testdb::Tenant& tenant) {
    return testdb::withTransaction([&](testdb::Transaction& tx) {
        return testdb::queryRow(tx, "SELECT count(*) FROM items WHERE tenant_id = " + tenant.id())[0]
            .as<long long>();
    });
}

}  // namespace faultchild
