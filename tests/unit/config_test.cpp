// Config::parse and loadConfig: every testdb parameter, every bad value,
// the lookup order, and passwords kept out of every message.
#include <catch2/catch.hpp>

#include "scoped_env.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"
#include "testdb/process_budget.hpp"

using testdb::Config;
using testdb::ConfigError;
using testdb::ConfigSource;
using testdb::loadConfig;
using testdb_unit::CleanEnv;
using testdb_unit::ScopedEnv;
using testdb_unit::ScopedWorkDir;

namespace {

// The message of the ConfigError that parsing `url` throws.
std::string parse_error(const std::string& url) {
    try {
        Config::parse(url);
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("no ConfigError for " << url);
    return {};
}

}  // namespace

TEST_CASE("defaults apply when the URL sets no testdb parameter", "[config]") {
    const auto c = Config::parse("postgresql://app@localhost:5432/app_test");
    CHECK(c.connection_limit == 3);
    CHECK(c.pool_timeout == std::chrono::milliseconds(5000));
    CHECK(c.connect_timeout == 5);
    CHECK(c.application_name == "testdb");
    CHECK(c.source == ConfigSource::Explicit);
}

TEST_CASE("host, port, database and user are read from the URL", "[config]") {
    const auto c = Config::parse("postgresql://app:pw@db.example:6543/shop_test");
    CHECK(c.host == "db.example");
    CHECK(c.port == "6543");
    CHECK(c.dbname == "shop_test");
    CHECK(c.user == "app");
    CHECK(c.endpoint() == "db.example:6543");
}

TEST_CASE("the postgres:// scheme is accepted too", "[config]") {
    CHECK(Config::parse("postgres://localhost/x_test").dbname == "x_test");
}

TEST_CASE("a Unix socket directory given as host= is the endpoint", "[config]") {
    const auto c = Config::parse("postgresql:///db_test?host=%2Ftmp%2Fpg&port=5499");
    CHECK(c.host == "/tmp/pg");
    CHECK(c.endpoint() == "/tmp/pg:5499");
}

TEST_CASE("an endpoint with nothing set names libpq's defaults", "[config]") {
    CHECK(Config::parse("postgresql:///db_test").endpoint() == "/var/run/postgresql:5432");
}

TEST_CASE("connection_limit is read and stripped before libpq sees it", "[config]") {
    const auto c = Config::parse("postgresql://h/db_test?connection_limit=7&sslmode=disable");
    CHECK(c.connection_limit == 7);
    CHECK(c.libpq_url == "postgresql://h/db_test?sslmode=disable");
}

TEST_CASE("all four testdb parameters are stripped, libpq's are kept in order", "[config]") {
    const auto c = Config::parse(
        "postgresql://h/db_test?connection_limit=2&sslmode=disable&pool_timeout=1"
        "&connect_timeout=9&application_name=ci&options=-c%20x%3Dy");
    CHECK(c.libpq_url == "postgresql://h/db_test?sslmode=disable&options=-c%20x%3Dy");
    CHECK(c.connection_limit == 2);
    CHECK(c.pool_timeout == std::chrono::seconds(1));
    CHECK(c.connect_timeout == 9);
    CHECK(c.application_name == "ci");
}

TEST_CASE("a URL with only testdb parameters leaves no dangling '?'", "[config]") {
    CHECK(Config::parse("postgresql://h/db_test?connection_limit=1").libpq_url ==
          "postgresql://h/db_test");
}

TEST_CASE("pool_timeout takes fractions of a second and an ms suffix", "[config]") {
    CHECK(Config::parse("postgresql://h/t?pool_timeout=0.5").pool_timeout.count() == 500);
    CHECK(Config::parse("postgresql://h/t?pool_timeout=250ms").pool_timeout.count() == 250);
    CHECK(Config::parse("postgresql://h/t?pool_timeout=2s").pool_timeout.count() == 2000);
}

TEST_CASE("connection_limit of 0 is refused, naming the parameter and value", "[config]") {
    const auto msg = parse_error("postgresql://h/t?connection_limit=0");
    CHECK_THAT(msg, Catch::Contains("connection_limit=0"));
    CHECK_THAT(msg, Catch::Contains("1 to 1000"));
}

TEST_CASE("a negative connection_limit is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=-2"),
               Catch::Contains("connection_limit=-2"));
}

TEST_CASE("a connection_limit that is not a number is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=three"),
               Catch::Contains("connection_limit=three"));
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=3.5"),
               Catch::Contains("whole number"));
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit="),
               Catch::Contains("connection_limit="));
}

TEST_CASE("a connection_limit too large to mean anything is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=99999999999999999999"),
               Catch::Contains("connection_limit"));
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=1001"),
               Catch::Contains("connection_limit=1001"));
}

TEST_CASE("pool_timeout of 0, negative or garbage is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?pool_timeout=0"), Catch::Contains("pool_timeout=0"));
    CHECK_THAT(parse_error("postgresql://h/t?pool_timeout=-1"), Catch::Contains("pool_timeout=-1"));
    CHECK_THAT(parse_error("postgresql://h/t?pool_timeout=soon"),
               Catch::Contains("pool_timeout=soon"));
    CHECK_THAT(parse_error("postgresql://h/t?pool_timeout=0.0001"),
               Catch::Contains("above 0"));
}

TEST_CASE("connect_timeout of 0 (libpq: wait forever) is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?connect_timeout=0"),
               Catch::Contains("connect_timeout=0"));
}

TEST_CASE("an application_name with spaces or quotes is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?application_name=my%20app"),
               Catch::Contains("application_name=my app"));
    CHECK_THAT(parse_error("postgresql://h/t?application_name="),
               Catch::Contains("application_name"));
}

TEST_CASE("a misspelt testdb parameter is refused with a suggestion", "[config]") {
    const auto msg = parse_error("postgresql://h/t?connection_limt=3");
    CHECK_THAT(msg, Catch::Contains("unknown parameter 'connection_limt'"));
    CHECK_THAT(msg, Catch::Contains("Did you mean 'connection_limit'"));
}

TEST_CASE("an unknown parameter libpq would reject is refused up front", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?pool_size=10"),
               Catch::Contains("unknown parameter 'pool_size'"));
}

TEST_CASE("a misspelt libpq parameter gets libpq's name suggested", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?sslmod=disable"), Catch::Contains("'sslmode'"));
}

TEST_CASE("a testdb parameter given twice is refused", "[config]") {
    CHECK_THAT(parse_error("postgresql://h/t?connection_limit=2&connection_limit=3"),
               Catch::Contains("given twice"));
}

TEST_CASE("a string that is not a PostgreSQL URL is refused", "[config]") {
    CHECK_THAT(parse_error("mysql://u@h/t_test"), Catch::Contains("is not a PostgreSQL URL"));
    CHECK_THAT(parse_error(""), Catch::Contains("is not a PostgreSQL URL"));
    CHECK_THAT(parse_error("host=localhost dbname=x"), Catch::Contains("postgresql://"));
}

TEST_CASE("a URL of another scheme with a password keeps the message's expected form", "[config]") {
    // The quoted URL's user info must not run on into testdb's own wording
    // ("Expected postgresql://user@host...") and swallow it.
    for (const char* url : {"mysql://u:secretpw@h/db", "http://u:secretpw@h/db?x=1"}) {
        const std::string message = parse_error(url);
        CHECK_THAT(message, Catch::Contains("is not a PostgreSQL URL. Expected "
                                            "postgresql://user@host:port/dbname"));
        CHECK_THAT(message, Catch::Contains("://u:****@h/db"));
        CHECK_THAT(message, !Catch::Contains("secretpw"));
    }
}

TEST_CASE("a short password never rewrites the message's own wording", "[config]") {
    // Secrets are replaced in what the message quotes from the URL, not in
    // testdb's text: a password "test" leaves ".env.test.example" readable.
    const std::string message = parse_error("postgresql://u:test@h/app_test?connection_limit=0");
    CHECK_THAT(message, Catch::Contains("connection_limit=0 is not valid"));
    CHECK_THAT(message, Catch::Contains(".env.test.example"));
    const std::string tiny = parse_error("postgresql://u:a@h/t_test?pool_timeout=abc");
    CHECK_THAT(tiny, Catch::Contains("the database URL: pool_timeout="));
    CHECK_THAT(tiny, Catch::Contains("is not valid"));
}

TEST_CASE("an unknown parameter's name is quoted with any password in it masked", "[config]") {
    const std::string message = parse_error("postgresql://u@h/t_test?x://v:secretpw@h=1");
    CHECK_THAT(message, Catch::Contains("unknown parameter"));
    CHECK_THAT(message, !Catch::Contains("secretpw"));
}

TEST_CASE("a malformed URI is refused with libpq's reason", "[config]") {
    CHECK_THAT(parse_error("postgresql://[::1/t_test"), Catch::Contains("malformed URL"));
}

TEST_CASE("errors never contain the password", "[config]") {
    for (const char* url :
         {"postgresql://app:s3cr3t@h/t?connection_limit=0",
          "postgresql://app:s3cr3t@h/t?bogus=1", "postgresql://app:s3cr3t@[::1/t",
          "mysql://app:s3cr3t@h/t", "postgresql://h/t?password=s3cr3t&pool_timeout=x",
          "postgresql://app:s3cr3t@h/t?connection_limit=s3cr3t"}) {
        const auto msg = parse_error(url);
        CAPTURE(url, msg);
        CHECK(msg.find("s3cr3t") == std::string::npos);
    }
}

TEST_CASE("to_string and masked_url mask the password and show every setting", "[config]") {
    const auto c = Config::parse("postgresql://app:hunter2@h:1/t_test?connection_limit=4");
    CHECK(c.maskedUrl() == "postgresql://app:****@h:1/t_test");
    const auto text = c.toString();
    CHECK(text.find("hunter2") == std::string::npos);
    CHECK_THAT(text, Catch::Contains("connection_limit=4"));
    CHECK_THAT(text, Catch::Contains("pool_timeout=5000ms"));
}

TEST_CASE("connection_string carries connect_timeout and the run's application_name",
          "[config]") {
    const auto c = Config::parse("postgresql://h/t_test?connect_timeout=3&application_name=ci");
    CHECK(c.connectionString("ab12cd") ==
          "postgresql://h/t_test?connect_timeout=3&application_name=ci-ab12cd");
    const auto d = Config::parse("postgresql://h/t_test?sslmode=disable");
    CHECK(d.connectionString("x") ==
          "postgresql://h/t_test?sslmode=disable&connect_timeout=5&application_name=testdb-x");
}

TEST_CASE("load_config falls back to the embedded default when nothing is set", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const auto c = loadConfig();
    CHECK(c.source == ConfigSource::Embedded);
    CHECK(c.libpq_url.empty());
    CHECK(c.connection_limit == 3);
}

TEST_CASE("load_config reads DATABASE_URL_TEST from the environment", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv url("DATABASE_URL_TEST", "postgresql://h/env_test?connection_limit=2");
    const auto c = loadConfig();
    CHECK(c.source == ConfigSource::Environment);
    CHECK(c.dbname == "env_test");
    CHECK(c.connection_limit == 2);
}

TEST_CASE("load_config reads .env.test when the environment has nothing", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const auto file = dir.write(".env.test", "DATABASE_URL_TEST=postgresql://h/file_test\n");
    const auto c = loadConfig();
    CHECK(c.source == ConfigSource::DotEnvFile);
    CHECK(c.dbname == "file_test");
    CHECK(c.source_file == file);
}

TEST_CASE("the environment wins over .env.test", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    dir.write(".env.test", "DATABASE_URL_TEST=postgresql://h/file_test\n");
    ScopedEnv url("DATABASE_URL_TEST", "postgresql://h/env_test");
    CHECK(loadConfig().dbname == "env_test");
}

TEST_CASE("TESTDB_* variables set the pool for the embedded default", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv limit("TESTDB_CONNECTION_LIMIT", "2");
    ScopedEnv timeout("TESTDB_POOL_TIMEOUT", "1.5");
    ScopedEnv name("TESTDB_APPLICATION_NAME", "suite");
    const auto c = loadConfig();
    CHECK(c.connection_limit == 2);
    CHECK(c.pool_timeout.count() == 1500);
    CHECK(c.application_name == "suite");
}

TEST_CASE("a parameter in the URL wins over its TESTDB_* variable", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv url("DATABASE_URL_TEST", "postgresql://h/t_test?connection_limit=5");
    ScopedEnv limit("TESTDB_CONNECTION_LIMIT", "2");
    ScopedEnv timeout("TESTDB_POOL_TIMEOUT", "9");
    const auto c = loadConfig();
    CHECK(c.connection_limit == 5);
    CHECK(c.pool_timeout.count() == 9000);
}

TEST_CASE("a bad TESTDB_* variable is a ConfigError naming the variable", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv limit("TESTDB_CONNECTION_LIMIT", "lots");
    REQUIRE_THROWS_WITH(loadConfig(), Catch::Contains("TESTDB_CONNECTION_LIMIT=lots") &&
                                           Catch::Contains("(environment)"));
}

TEST_CASE("a bad URL in .env.test is reported with the file's path", "[config]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    const auto file =
        dir.write(".env.test", "DATABASE_URL_TEST=postgresql://u:pw@h/t?connection_limit=0\n");
    REQUIRE_THROWS_WITH(loadConfig(),
                        Catch::Contains(file.string()) && Catch::Contains("connection_limit=0"));
}

TEST_CASE("TESTDB_MAX_PROCESSES and TESTDB_SLOT_TIMEOUT set the process budget", "[config][budget]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    ScopedEnv url("DATABASE_URL_TEST", "postgresql://h/t_test");
    CHECK(loadConfig().max_processes == 0);  // no budget unless asked for
    {
        ScopedEnv processes("TESTDB_MAX_PROCESSES", "4");
        ScopedEnv timeout("TESTDB_SLOT_TIMEOUT", "90");
        const auto c = loadConfig();
        CHECK(c.max_processes == 4);
        CHECK(c.slot_timeout.count() == 90000);
        CHECK_THAT(c.toString(), Catch::Contains("max_processes=4"));
    }
    ScopedEnv processes("TESTDB_MAX_PROCESSES", "auto");
    CHECK(loadConfig().max_processes == testdb::kAutoMaxProcesses);
}

TEST_CASE("a bad TESTDB_MAX_PROCESSES is a ConfigError naming it and the choices", "[config][budget]") {
    CleanEnv clean;
    ScopedWorkDir dir;
    for (const char* bad : {"-1", "many", "2.5"}) {
        ScopedEnv processes("TESTDB_MAX_PROCESSES", bad);
        REQUIRE_THROWS_WITH(loadConfig(),
                            Catch::Contains(std::string("TESTDB_MAX_PROCESSES=") + bad) &&
                                Catch::Contains("auto"));
    }
    dir.write(".env.test", "TESTDB_SLOT_TIMEOUT=soon\n");
    REQUIRE_THROWS_WITH(loadConfig(), Catch::Contains("TESTDB_SLOT_TIMEOUT=soon") &&
                                           Catch::Contains(".env.test"));
}

TEST_CASE("processesThatFit counts the slot's connection with each process", "[budget]") {
    CHECK(testdb::processesThatFit(25, 5) == 4);  // 30 - 3 reserved - 2 headroom, 6 each
    CHECK(testdb::processesThatFit(95, 3) == 23);
    CHECK(testdb::processesThatFit(3, 3) == 0);   // one process needs 4
    CHECK(testdb::processesThatFit(-4, 3) == 0);
}
