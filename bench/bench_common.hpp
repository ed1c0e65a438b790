// Shared by testdb's benchmarks: argument parsing, robust statistics (median
// and tail percentiles, because the machine is shared and noisy: a mean would
// report the neighbours), the JSON result format bench_report reads, and a
// wire-level round-trip counter. Benchmarks print figures; nothing asserts.
#pragma once

#include <stdio.h>  // fopencookie (glibc)

#include <stdlib.h>  // getloadavg

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testdb/context.hpp"
#include "testdb/factory.hpp"
#include "testdb/schema.hpp"
#include "testdb/tenants.hpp"
#include "testdb/testdb.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

inline double us_since(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

/// --quick, --json FILE, plus whatever the bench adds (returned in `rest`).
struct Args {
    bool quick = false;
    std::string json_path;
    std::vector<std::string> rest;
};

inline Args parse_args(int argc, char** argv) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            args.quick = true;
        } else if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            args.json_path = argv[++i];
        } else {
            args.rest.emplace_back(argv[i]);
        }
    }
    return args;
}

/// Nearest-rank percentile of unsorted `values` (q in [0, 1]).
inline double percentile(std::vector<double> values, double q) {
    if (values.empty()) {
        return 0.0;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size()) + 0.999999);
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

inline double median(const std::vector<double>& values) { return percentile(values, 0.5); }

/// n, median, p95, p99, min, max of one sample set.
inline json summary(const std::vector<double>& values) {
    if (values.empty()) {
        return json{{"n", 0}};
    }
    return json{{"n", values.size()},
                {"median", median(values)},
                {"p95", percentile(values, 0.95)},
                {"p99", percentile(values, 0.99)},
                {"min", *std::min_element(values.begin(), values.end())},
                {"max", *std::max_element(values.begin(), values.end())}};
}

/// One line of the final table. No goal: bench/figures.json holds every
/// goal, and bench_report (scripts/bench) judges the rows against it, so a
/// bench's own copy of a goal could only drift (ctest bench:goals_one_source).
inline json row(const std::string& name, double value, const std::string& unit,
                const std::string& spread = {}) {
    return json{{"name", name}, {"value", value}, {"unit", unit}, {"spread", spread}};
}

inline std::string fmt(const char* format, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

/// Prints the rows as a table and writes the document to args.json_path.
inline void finish(const Args& args, json document) {
    document["quick"] = args.quick;
    double load[3] = {0, 0, 0};  // the machine is shared: say how busy it was
    if (::getloadavg(load, 3) == 3) {
        document["load_average_at_end"] = {load[0], load[1], load[2]};
    }
    std::cout << document.value("title", std::string("bench")) << (args.quick ? " (quick)" : "")
              << "\n";
    for (const json& r : document["rows"]) {
        std::printf("  %-60s %12.3f %-5s %s\n", r["name"].get<std::string>().c_str(),
                    r["value"].get<double>(), r["unit"].get<std::string>().c_str(),
                    r["spread"].get<std::string>().c_str());
    }
    std::fflush(stdout);
    if (!args.json_path.empty()) {
        std::ofstream out(args.json_path);
        out << document.dump(2) << "\n";
        if (!out) {
            throw std::runtime_error("cannot write " + args.json_path);
        }
    }
}

/// Counts client-to-server round trips on connections traced into file():
/// libpq's PQtrace writes one line per protocol message; each simple Query
/// and each extended-protocol Sync is one wait for the server. Only used in
/// a counting pass: formatting the trace costs time, so timed loops never
/// run traced.
class WireCounter {
public:
    WireCounter() {
        cookie_io_functions_t io{};
        io.write = &WireCounter::write;
        file_ = fopencookie(this, "w", io);
        if (file_ == nullptr) {
            throw std::runtime_error("fopencookie failed");
        }
    }
    ~WireCounter() { std::fclose(file_); }
    WireCounter(const WireCounter&) = delete;
    WireCounter& operator=(const WireCounter&) = delete;

    std::FILE* file() const { return file_; }
    long round_trips() {
        std::fflush(file_);
        return count_;
    }
    void reset() {
        std::fflush(file_);
        count_ = 0;
    }

private:
    static ssize_t write(void* cookie, const char* data, size_t size) {
        auto* self = static_cast<WireCounter*>(cookie);
        self->partial_.append(data, size);
        std::size_t start = 0;
        for (std::size_t nl; (nl = self->partial_.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            self->count_line(self->partial_.substr(start, nl - start));
        }
        self->partial_.erase(0, start);
        return static_cast<ssize_t>(size);
    }
    // "<timestamp>\tF\t<length>\tQuery\t..." (libpq 14+ trace format).
    void count_line(const std::string& line) {
        const std::size_t at = line.find("\tF\t");
        const std::size_t name = at == std::string::npos ? at : line.find('\t', at + 3);
        if (name == std::string::npos) {
            return;  // a server-to-client message, or not a message line
        }
        const std::string word = line.substr(name + 1, line.find('\t', name + 1) - name - 1);
        if (word == "Query" || word == "Sync") {
            ++count_;
        }
    }

    std::FILE* file_ = nullptr;
    std::string partial_;
    long count_ = 0;
};

/// Traces (or, with nullptr, untraces) every connection of the pool: holds
/// connection_limit leases at once, which opens them all.
inline void trace_pool(testdb::Pool& pool, std::FILE* file) {
    std::vector<testdb::Lease> leases;
    for (int i = 0; i < pool.config().connection_limit; ++i) {
        leases.push_back(pool.acquire("bench: trace"));
        leases.back().connection().trace(file);
    }
}

/// Points testdb's tenants at the bench schema and applies it once.
inline void use_bench_schema() {
    testdb::TenantTable table;
    table.table = "bench_tenants";
    testdb::setTenantTable(table);
    testdb::applySchemaOnce(TESTDB_BENCH_SCHEMA);
}

/// Bench code may open its own connections (baselines); tests never do.
inline std::string conninfo(const std::string& label) {
    return testdb::getTestDb().config().connectionString(label);
}

}  // namespace bench

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {

/// What a child process did: how it ended, how long it took, its peak RSS.
struct ChildResult {
    int exit_status = -1;  ///< exit code, or 128 + signal
    double seconds = 0.0;  ///< wall time from fork to reaped
    long maxrss_kb = 0;    ///< ru_maxrss of the child (wait4), kilobytes
};

/// Runs argv with `env_overrides` ("NAME=value", "NAME=" removes NAME) and
/// stdout+stderr to `output` (a file; "/dev/null" to discard). Waits with
/// wait4 so the peak RSS is this child's, not the maximum of every child.
inline ChildResult run_child(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env_overrides,
                             const std::string& output) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        bool replaced = false;
        for (const std::string& o : env_overrides) {
            replaced = replaced || entry.compare(0, o.find('=') + 1, o, 0, o.find('=') + 1) == 0;
        }
        if (!replaced) {
            env.push_back(entry);
        }
    }
    for (const std::string& o : env_overrides) {
        if (o.back() != '=') {
            env.push_back(o);
        }
    }
    std::vector<char*> args;
    std::vector<char*> envp;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    for (const std::string& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    args.push_back(nullptr);
    envp.push_back(nullptr);
    std::fflush(nullptr);
    const auto start = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    ChildResult result;
    int status = 0;
    struct rusage usage {};
    while (::wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error("wait4 failed");
        }
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.maxrss_kb = usage.ru_maxrss;
    return result;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline json read_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    return json::parse(in);
}

}  // namespace bench
