// What `--shard` knows of GoogleTest: `--gtest_list_tests` written as JSON
// names every test's source file, which is a file of the split (the adapter
// gives each source file its tenants); a shard runs `--gtest_filter=` of its
// tests (see shard_frameworks.hpp).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "shard_frameworks.hpp"
#include "support.hpp"
#include "testdb/errors.hpp"

namespace testdb::cli {

SuiteListing parse_gtest_listing(const std::string& json_text, const std::string& suite) {
    const std::string fix =
        ".\nFix: --shard needs a GoogleTest suite that answers `--gtest_list_tests "
        "--gtest_output=json:FILE` (GoogleTest 1.10 or later); run that yourself to see why "
        "it does not.";
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text);
    } catch (const std::exception& e) {
        throw ConfigError("the suite '" + suite + "' wrote no JSON test list (" + e.what() + ")" +
                          fix);
    }
    if (!j.is_object() || !j.contains("testsuites") || !j["testsuites"].is_array()) {
        throw ConfigError("the suite '" + suite + "' wrote a JSON test list without \"testsuites\"" +
                          fix);
    }
    SuiteListing listing;
    std::map<std::string, SuiteFile> files;  // by name, so sorted
    for (const auto& group : j["testsuites"]) {
        const std::string group_name = group.value("name", std::string());
        int size = 0;
        for (const auto& test : group.value("testsuite", nlohmann::json::array())) {
            const std::string file = test.value("file", std::string());
            if (file.empty()) {
                throw ConfigError("the suite '" + suite + "' lists the test " + group_name + "." +
                                  test.value("name", std::string()) +
                                  " without its source file" + fix);
            }
            const std::string stem = std::filesystem::path(file).stem().string();
            SuiteFile& f = files[stem];
            f.name = stem;
            f.tests += 1;
            f.weight = f.tests;
            f.test_names.push_back(group_name + "." + test.value("name", std::string()));
            ++size;
        }
        listing.suite_sizes.emplace_back(group_name, size);
    }
    for (auto& [name, file] : files) {
        listing.files.push_back(std::move(file));
    }
    return listing;
}

SuiteListing list_gtest_files(const std::vector<std::string>& command) {
    TempDir scratch;
    const std::filesystem::path out = scratch.path() / "tests.json";
    std::vector<std::string> list = command;
    list.insert(list.end(), {"--gtest_list_tests", "--gtest_output=json:" + out.string()});
    capture_suite_output(list, "list its tests");
    SuiteListing listing = parse_gtest_listing(read_text(out), command.front());
    // A filter of the user's own: the listing holds only what it selects.
    listing.filtered = std::any_of(command.begin() + 1, command.end(), [](const std::string& a) {
        return a.rfind("--gtest_filter", 0) == 0 || a.rfind("-gtest_filter", 0) == 0;
    });
    return listing;
}

std::vector<std::string> gtest_shard_args(const ShardPlan& plan) {
    // Per test suite: how many of its tests this shard has.
    std::map<std::string, int> mine_per_group;
    std::vector<std::string> names;
    for (const SuiteFile& f : plan.mine()) {
        for (const std::string& name : f.test_names) {
            ++mine_per_group[name.substr(0, name.find('.'))];
            names.push_back(name);
        }
    }
    std::map<std::string, bool> whole;  // the group lies wholly here: "Group.*"
    for (const auto& [group, size] : plan.listing.suite_sizes) {
        whole[group] = !plan.listing.filtered && size > 0 && mine_per_group[group] == size;
    }
    std::string filter;
    std::set<std::string> written;
    for (const std::string& name : names) {
        const std::string group = name.substr(0, name.find('.'));
        if (!whole[group]) {
            filter += (filter.empty() ? "" : ":") + name;
        } else if (written.insert(group).second) {
            filter += (filter.empty() ? "" : ":") + group + ".*";
        }
    }
    return {"--gtest_filter=" + filter};
}

}  // namespace testdb::cli
