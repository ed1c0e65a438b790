// harness/server/process.hpp: the one place testdb starts programs (the
// embedded server's and the `testdb` tool's) and its one PATH rule.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "harness/server/process.hpp"
#include "scoped_env.hpp"
#include "testdb/errors.hpp"

using testdb::detail::capture_program;
using testdb::detail::ChildSetup;
using testdb::detail::find_in_path;
using testdb::detail::start_child;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;
namespace fs = std::filesystem;

namespace {

fs::path executable(const ScopedWorkDir& dir, const std::string& relative) {
    const fs::path file = dir.write(relative, "#!/bin/sh\nexit 0\n");
    fs::permissions(file, fs::perms::owner_all);
    return file;
}

int exit_status_of(pid_t pid) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

std::vector<std::string> sh(const std::string& script) {
    return {"/bin/sh", "-c", script};
}

}  // namespace

TEST_CASE("find_in_path: the first executable regular file on PATH", "[process][path]") {
    ScopedWorkDir dir;
    const fs::path first = dir.path() / "first";
    const fs::path second = dir.path() / "second";
    dir.write("first/plain", "not executable\n");  // skipped: no execute permission
    executable(dir, "second/plain");
    executable(dir, "first/tool");
    executable(dir, "second/tool");
    fs::create_directories(first / "subdir");  // skipped: a directory
    executable(dir, "second/subdir");
    const ScopedEnv path("PATH", first.string() + ":" + second.string());

    CHECK(find_in_path("tool") == first / "tool");
    CHECK(find_in_path("plain") == second / "plain");
    CHECK(find_in_path("subdir") == second / "subdir");
    CHECK_FALSE(find_in_path("missing"));
    CHECK_FALSE(find_in_path(""));
}

TEST_CASE("find_in_path: empty PATH entries are not the working directory", "[process][path]") {
    ScopedWorkDir dir;  // also the working directory
    executable(dir, "here");
    SECTION("leading, inner and trailing empty entries") {
        for (const std::string value : {":/nonexistent", "/nonexistent::/x", "/nonexistent:", ""}) {
            const ScopedEnv path("PATH", value);
            CHECK_FALSE(find_in_path("here"));
        }
    }
    SECTION("unset PATH searches nothing") {
        const ScopedEnv path("PATH", std::nullopt);
        CHECK_FALSE(find_in_path("here"));
        CHECK_FALSE(find_in_path("sh"));
    }
    SECTION("a name with a slash is that path, PATH or not") {
        const ScopedEnv path("PATH", "/nonexistent");
        CHECK(find_in_path("./here") == fs::path("./here"));
        CHECK(find_in_path((dir.path() / "here").string()) == dir.path() / "here");
        dir.write("plain", "x\n");
        CHECK_FALSE(find_in_path("./plain"));
        CHECK_FALSE(find_in_path("./missing"));
    }
}

TEST_CASE("start_child: runs the program with its arguments and environment", "[process]") {
    const std::vector<std::string> env = {"GREETING=hello"};
    ChildSetup setup;
    setup.environment = &env;
    const auto child = start_child(sh("test \"$GREETING\" = hello && test -z \"$HOME\" && exit 7"),
                                   setup);
    REQUIRE_FALSE(child.failure);
    CHECK(exit_status_of(child.pid) == 7);
}

TEST_CASE("start_child: a program that cannot start says which step failed", "[process]") {
    SECTION("exec") {
        const auto child = start_child({"/nonexistent/program"}, ChildSetup{});
        CHECK(child.pid == -1);
        REQUIRE(child.failure);
        CHECK(child.failure->step == "exec");
        CHECK(child.failure->error == ENOENT);
    }
    SECTION("chdir") {
        ChildSetup setup;
        setup.cwd = "/nonexistent/dir";
        const auto child = start_child(sh("exit 0"), setup);
        REQUIRE(child.failure);
        CHECK(child.failure->step == "chdir");
    }
    SECTION("program, not argv[0], is what runs") {
        ChildSetup setup;
        setup.program = "/bin/sh";
        const auto child = start_child({"named-anything", "-c", "exit 4"}, setup);
        REQUIRE_FALSE(child.failure);
        CHECK(exit_status_of(child.pid) == 4);
    }
}

TEST_CASE("capture_program: stdout, optionally stderr, stdin from /dev/null", "[process]") {
    const auto script = sh("read line; echo \"out[$line]\"; echo err >&2; exit 2");
    const auto only_out = capture_program(script, ChildSetup{}, false, std::chrono::seconds(30));
    CHECK(only_out.output == "out[]\n");
    CHECK(only_out.exit_code == 2);
    CHECK_FALSE(only_out.ok());
    const auto both = capture_program(script, ChildSetup{}, true, std::chrono::seconds(30));
    CHECK(both.output == "out[]\nerr\n");

    const auto missing = capture_program({"/nonexistent/x"}, ChildSetup{}, true,
                                         std::chrono::seconds(30));
    REQUIRE(missing.not_started);
    CHECK(missing.not_started->step == "exec");

    const auto hung = capture_program(sh("exec sleep 30"), ChildSetup{}, true,
                                      std::chrono::milliseconds(100));
    CHECK(hung.timed_out);
    CHECK_FALSE(hung.ok());
}

TEST_CASE("start_child: other descriptors close only when asked", "[process]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);  // not close-on-exec: a child may inherit it
    const std::string probe = "test -e /proc/self/fd/" + std::to_string(fds[1]);
    ChildSetup setup;
    CHECK(capture_program(sh(probe), setup, false, std::chrono::seconds(30)).exit_code == 0);
    setup.close_other_fds = true;
    CHECK(capture_program(sh(probe), setup, false, std::chrono::seconds(30)).exit_code == 1);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("run_program: a program that cannot start is an EmbeddedServerError naming it",
          "[process][errors]") {
    try {
        testdb::detail::run_program({"/nonexistent/initdb", "-D", "x"}, std::chrono::seconds(30));
        FAIL("no exception");
    } catch (const testdb::EmbeddedServerError& e) {
        CHECK(e.program() == "/nonexistent/initdb");
        CHECK_THAT(e.what(), Catch::Matchers::StartsWith("EmbeddedServerError: could not start "
                                                         "/nonexistent/initdb: exec failed"));
    }
}
