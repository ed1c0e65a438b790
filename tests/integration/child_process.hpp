// Runs a built test program as a child process with extra environment
// variables and captures what it prints (stdout and stderr together).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <map>
#include <string>

namespace child {

struct Result {
    int exit_code = -1;
    std::string output;
};

inline std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

/// Runs `program args` with `env` added to this process's environment.
inline Result run(const std::string& program, const std::string& args,
                  const std::map<std::string, std::string>& env = {}) {
    std::string command = "env";
    for (const auto& [name, value] : env) {
        command += " " + name + "=" + shell_quote(value);
    }
    command += " " + shell_quote(program) + " " + args + " 2>&1";
    Result result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace child
