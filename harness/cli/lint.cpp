// `testdb lint [paths...]`: walks the paths, picks the test sources and
// prints every finding of lint_rules as `file:line: rule: message`.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "lint_rules.hpp"
#include "support.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;

/// A directory holding this file is skipped by directory walks (fixtures
/// with deliberate findings); named explicitly, it is linted.
constexpr const char* kIgnoreMarker = ".testdb-lint-ignore";

bool source_extension(const fs::path& file) {
    const std::string ext = file.extension().string();
    return ext == ".cpp" || ext == ".hpp" || ext == ".cc";
}

// A test source: under a tests/ (or test/) directory, or named *_test.cpp.
bool test_source(const fs::path& file) {
    const std::string name = file.filename().string();
    if (name.size() > 9 && name.compare(name.size() - 9, 9, "_test.cpp") == 0) {
        return true;
    }
    for (const fs::path& part : file.parent_path()) {
        if (part == "tests" || part == "test") {
            return true;
        }
    }
    return false;
}

// Directories a walk never enters: hidden ones, build trees, ignored ones.
bool skipped_directory(const fs::path& dir) {
    const std::string name = dir.filename().string();
    std::error_code ec;
    return (name.size() > 1 && name[0] == '.') || fs::exists(dir / "CMakeCache.txt", ec) ||
           fs::exists(dir / kIgnoreMarker, ec);
}

void collect(const fs::path& root, std::vector<fs::path>& files) {
    std::error_code ec;  // `root` itself was named: walked even if it holds the marker
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            break;
        }
        const fs::path& path = it->path();
        if (it->is_directory(ec)) {
            if (skipped_directory(path)) {
                it.disable_recursion_pending();
            }
        } else if (it->is_regular_file(ec) && source_extension(path) && test_source(path)) {
            files.push_back(path);
        }
    }
}

}  // namespace

int lint(const LintOptions& options) {
    const bool defaulted = options.paths.empty();
    const std::vector<std::string> paths =
        defaulted ? std::vector<std::string>{"tests", "examples"} : options.paths;
    std::vector<fs::path> files;
    int roots = 0;
    for (const std::string& given : paths) {
        std::error_code ec;
        const fs::path path(given);
        if (fs::is_directory(path, ec)) {
            ++roots;
            collect(path, files);
        } else if (fs::is_regular_file(path, ec)) {
            ++roots;
            files.push_back(path);  // named explicitly: linted whatever its name
        } else if (!defaulted) {
            print_error("lint", "'" + given + "' is neither a file nor a directory (from " +
                                    fs::current_path().string() +
                                    ").\nFix: pass existing test files or directories, e.g. "
                                    "testdb lint tests examples.");
            return kExitUsage;
        }
    }
    if (roots == 0) {
        print_error("lint", "neither tests/ nor examples/ exists in " +
                                fs::current_path().string() +
                                ".\nFix: run it from the repository root or pass the test "
                                "directories: testdb lint path/to/tests.");
        return kExitUsage;
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());

    std::size_t findings = 0;
    std::size_t flagged_files = 0;
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            print_error("lint", "cannot read " + file.string() + ".\nFix: check its permissions.");
            return kExitUsage;
        }
        std::stringstream text;
        text << in.rdbuf();
        const auto found = lint_source(file.generic_string(), text.str());
        for (const LintFinding& f : found) {
            std::cout << f.file << ':' << f.line << ": " << f.rule << ": " << f.message << '\n';
        }
        findings += found.size();
        flagged_files += found.empty() ? 0 : 1;
    }
    std::cout.flush();
    std::cerr << "testdb lint: " << findings << " finding" << (findings == 1 ? "" : "s") << " in "
              << flagged_files << " of " << files.size() << " test source"
              << (files.size() == 1 ? "" : "s") << std::endl;
    return findings == 0 ? kExitOk : kExitFailed;
}

}  // namespace testdb::cli
