// What `--shard` knows of Catch2 (v2 and v3 alike): the files come from
// `-# --list-tags`, a shard runs `-# ~[#other_file]...` (see
// shard_frameworks.hpp).
#include <algorithm>
#include <sstream>

#include "shard_frameworks.hpp"
#include "testdb/errors.hpp"

namespace testdb::cli {
namespace {

// The suite's command for a listing, without Catch2's output file (-o F,
// --out F, --out=F): the listing would create it empty, and a shard that then
// runs nothing would leave that empty "JUnit file" for CI to keep.
std::vector<std::string> listing_command(const std::vector<std::string>& command) {
    std::vector<std::string> list;
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (i > 0 && (command[i] == "-o" || command[i] == "--out")) {
            ++i;  // skip its value too
        } else if (i == 0 || command[i].rfind("--out=", 0) != 0) {
            list.push_back(command[i]);
        }
    }
    return list;
}

// Catch2 tag-spec text for a file name (',' separates specs, '\' escapes).
std::string tag_of(const std::string& name) {
    std::string escaped;
    for (const char c : name) {
        if (c == ',' || c == '\\') {
            escaped += '\\';
        }
        escaped += c;
    }
    return "[#" + escaped + "]";
}

std::string describe(const std::vector<SuiteFile>& files) {
    std::string text;
    for (const SuiteFile& f : files) {
        text += (text.empty() ? "" : ", ") + f.name + " " + std::to_string(f.tests);
    }
    return text.empty() ? "none" : text;
}

}  // namespace

SuiteListing parse_tag_listing(const std::string& output, const std::string& suite) {
    SuiteListing listing;
    std::istringstream lines(output);
    std::string line;
    bool header = false;
    bool footer = false;
    std::vector<std::pair<int, std::string>> entries;  // count, tag text
    while (std::getline(lines, line)) {
        if (!header) {
            header = line == "All available tags:" || line == "Tags for matching test cases:";
            listing.filtered = line == "Tags for matching test cases:";
            continue;
        }
        const auto start = line.find_first_not_of(' ');
        if (start == std::string::npos) {
            continue;
        }
        int count = 0;
        if (start == 0) {  // "9 tags": the end
            const auto space = line.find(' ');
            footer = space != std::string::npos && whole_number(line.substr(0, space), count) &&
                     (line.substr(space) == " tag" || line.substr(space) == " tags");
            break;
        }
        const auto gap = line.find("  ", start);
        if (gap != std::string::npos && whole_number(line.substr(start, gap - start), count)) {
            entries.emplace_back(count, line.substr(line.find_first_not_of(' ', gap)));
        } else if (!entries.empty()) {
            entries.back().second += line.substr(start);  // a long tag, wrapped
        }
    }
    if (!header || !footer) {
        throw ConfigError(
            "the suite '" + suite +
            "' printed no Catch2 tag list for `-# --list-tags`, so its test files are "
            "unknown.\nFix: --shard works with Catch2 v2 and v3 suites (testdb::catch2, "
            "testdb::catch2v3) and GoogleTest suites (testdb::gtest); run the suite itself "
            "with `-# --list-tags` to see what it prints.");
    }
    for (const auto& [count, text] : entries) {
        if (text.rfind("[#", 0) == 0 && text.find(']') != std::string::npos) {
            listing.files.push_back({text.substr(2, text.find(']') - 2), count, double(count), {}});
        }
    }
    std::sort(listing.files.begin(), listing.files.end(),
              [](const SuiteFile& a, const SuiteFile& b) { return a.name < b.name; });
    return listing;
}

SuiteListing list_catch2_files(const std::vector<std::string>& command) {
    std::vector<std::string> list = listing_command(command);
    list.insert(list.end(), {"-#", "--list-tags"});
    return parse_tag_listing(capture_suite_output(list, "list its files"), command.front());
}

std::vector<std::string> catch2_shard_args(const ShardPlan& plan,
                                           const std::vector<std::string>& command) {
    // Exclude the other shards' files: Catch2 ANDs this with the user's own
    // test spec; without one, hidden test cases ([.]) stay excluded as usual.
    std::string filter = plan.listing.filtered ? "" : "~[.]";
    for (std::size_t k = 0; k < plan.files.size(); ++k) {
        if (plan.owner[k] != plan.spec.index - 1) {
            filter += "~" + tag_of(plan.files[k].name);
        }
    }
    std::vector<std::string> args = {"-#", filter};
    if (command.size() == 1) {
        return args;  // no test spec of the user's to combine with: nothing to check
    }
    std::vector<std::string> check = listing_command(command);
    check.insert(check.end(), args.begin(), args.end());
    check.push_back("--list-tags");
    const SuiteListing selected =
        parse_tag_listing(capture_suite_output(check, "check the shard's files"), command.front());
    const auto same = [](const SuiteFile& a, const SuiteFile& b) {
        return lower_case(a.name) == lower_case(b.name) && a.tests == b.tests;
    };
    const std::vector<SuiteFile> mine = plan.mine();
    if (!std::equal(mine.begin(), mine.end(), selected.files.begin(), selected.files.end(), same)) {
        throw ConfigError(
            "the shard filter `" + filter + "` after the arguments of '" + command.front() +
            "' selects other test cases than shard " + plan.spec.text() +
            "'s files (wanted: " + describe(mine) + "; Catch2 lists: " + describe(selected.files) +
            ").\nFix: Catch2 joins it to the last comma-separated part of a test spec "
            "only: with --shard, give the suite a test spec without commas (or none).");
    }
    return args;
}

}  // namespace testdb::cli
