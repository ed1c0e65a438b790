// The spare data directory of the embedded server's cache: prepared in the
// background after a start, claimed by the next start with a rename, never
// used when it is not a complete copy of the cache entry, and nothing left
// behind but the one spare per entry. Real PostgreSQL, a private cache each.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <utility>
#include <pwd.h>

#include "embedded_test_support.hpp"
#include "testdb/embedded_server.hpp"

namespace fs = std::filesystem;
using testdb::EmbeddedServer;
using testdb::EmbeddedServerOptions;
using namespace embedded_test;

namespace {

// The cache entry name for this server user, as the cache names it.
fs::path entry_of(const EmbeddedServerOptions& options) {
    const std::string user = ::geteuid() == 0 ? "postgres" : ::getpwuid(::geteuid())->pw_name;
    return options.cache_dir / ("pg15-" + user);
}

fs::path spare_of(const EmbeddedServerOptions& options) {
    return entry_of(options).string() + ".spare";
}

// A base whose own cache holds an entry and, once its preparer is done, a spare.
EmbeddedServerOptions filled_cache(const TestBase& base) {
    EmbeddedServerOptions options = base.options();
    options.cache_dir = base.path / "cache";
    EmbeddedServer first = EmbeddedServer::start(options);
    CHECK_FALSE(first.timings().used_cache);  // it built the entry
    CHECK_FALSE(first.timings().used_spare);
    first.stop();
    wait_for_preparers(options.cache_dir);
    REQUIRE(fs::exists(spare_of(options) / "data" / "PG_VERSION"));
    REQUIRE(fs::exists(spare_of(options) / "complete"));
    return options;
}

std::vector<std::string> cache_listing(const EmbeddedServerOptions& options) {
    wait_for_preparers(options.cache_dir);
    std::vector<std::string> names;
    for (const auto& item : fs::directory_iterator(options.cache_dir)) {
        names.push_back(item.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Starts a server, checks it answers in its test database, stops it, and
// returns whether it started from the spare.
bool start_query_stop(const EmbeddedServerOptions& options) {
    EmbeddedServer server = EmbeddedServer::start(options);
    CHECK(server.timings().used_cache);
    CHECK(query(server.url(), "SELECT current_database()") == "testdb_test");
    const fs::path dir = server.directory();
    const pid_t pid = server.pid();
    const bool spare = server.timings().used_spare;
    server.stop();
    CHECK_FALSE(fs::exists(dir));
    CHECK(gone_within(pid, std::chrono::seconds(5)));
    return spare;
}

}  // namespace

TEST_CASE("a start claims the spare; without one it copies the cache entry", "[embedded][spare]") {
    TestBase base;
    const EmbeddedServerOptions options = filled_cache(base);
    const fs::path entry = entry_of(options);

    CHECK(start_query_stop(options));  // the spare the first start prepared
    // That start prepared the next spare; without it the next start copies.
    wait_for_preparers(options.cache_dir);
    REQUIRE(fs::exists(spare_of(options)));
    fs::remove_all(spare_of(options));
    CHECK_FALSE(start_query_stop(options));
    // ... and the one prepared after it is used again (waited for here: a
    // start waits only 2 s for a copy, which a loaded machine may exceed).
    wait_for_preparers(options.cache_dir);
    CHECK(start_query_stop(options));

    EmbeddedServerOptions copying = options;
    copying.use_spare = false;
    wait_for_preparers(options.cache_dir);
    CHECK_FALSE(start_query_stop(copying));
    CHECK(fs::exists(spare_of(options)));  // left for the next start that wants it

    // Nothing else is left: the entry, its lock, one spare; no server directory.
    const std::string name = entry.filename().string();
    CHECK(cache_listing(options) == std::vector<std::string>{name, name + ".lock", name + ".spare"});
    CHECK(base.servers().empty());
}

TEST_CASE("a half, corrupt or foreign spare is not used", "[embedded][spare]") {
    TestBase base;
    const EmbeddedServerOptions options = filled_cache(base);
    const fs::path spare = spare_of(options);
    std::string key;
    std::getline(std::ifstream(spare / "complete"), key);
    REQUIRE_FALSE(key.empty());
    // One cache for all kinds of damage (each start prepares the next spare).
    const std::vector<std::pair<std::string, std::function<void()>>> damages{
        {"half copied: no completion marker", [&] { fs::remove(spare / "complete"); }},
        {"corrupt: its pg_control is gone",
         [&] { fs::remove(spare / "data" / "global" / "pg_control"); }},
        {"foreign: a copy of another initdb's cluster",
         [&] { std::ofstream(spare / "complete") << key.substr(0, key.rfind(' ')) << " 0123456789abcdef\n"; }},
        {"foreign: another server version's", [&] { std::ofstream(spare / "data" / "PG_VERSION") << "14\n"; }}};
    for (const auto& [what, damage] : damages) {
        INFO(what);
        wait_for_preparers(options.cache_dir);
        REQUIRE(fs::exists(spare / "complete"));
        damage();
        CHECK_FALSE(start_query_stop(options));
        // It was removed, and the start prepared a good one in its place.
        wait_for_preparers(options.cache_dir);
        std::string replaced;
        std::getline(std::ifstream(spare / "complete"), replaced);
        CHECK(replaced == key);
    }
    CHECK(start_query_stop(options));
    CHECK(base.servers().empty());
}

TEST_CASE("two processes starting at once both succeed with one spare between them",
          "[embedded][spare]") {
    TestBase base;
    const EmbeddedServerOptions options = filled_cache(base);
    std::vector<pid_t> children;
    for (int i = 0; i < 2; ++i) {
        children.push_back(run_child("cache", options).first);
    }
    int claimed = 0;
    for (const pid_t child : children) {
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == kClaimedSpare));
        claimed += WEXITSTATUS(status) == kClaimedSpare ? 1 : 0;
    }
    CHECK(claimed >= 1);  // the spare was there: one of them took it
    const std::string name = entry_of(options).filename().string();
    CHECK(cache_listing(options) == std::vector<std::string>{name, name + ".lock", name + ".spare"});
    CHECK(base.servers().empty());
}
