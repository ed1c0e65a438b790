#include "testdb/context.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>

#include "testdb/errors.hpp"
#include "testdb/run_token.hpp"

namespace testdb {

TestContext::TestContext(std::string source_file, std::string file_slug, const std::string& run_token)
    : tenants(file_slug, run_token),
      source_file_(std::move(source_file)),
      file_slug_(std::move(file_slug)) {}

std::string slugFromFileName(std::string_view path) {
    std::string name(path.substr(path.find_last_of("/\\") + 1));
    name = name.substr(0, name.find('.'));
    // Lower-case first, so Foo_Tests.cpp loses its suffix like foo_tests.cpp.
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* suffix : {"_tests", "_test", "_spec", "-test", "-spec"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            name.erase(name.size() - s.size());
            break;
        }
    }
    std::string slug;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0) {
            slug += static_cast<char>(std::tolower(u));
        } else if (!slug.empty() && slug.back() != '-') {
            slug += '-';
        }
    }
    while (!slug.empty() && slug.back() == '-') {
        slug.pop_back();
    }
    return slug.empty() ? "file" : slug;
}

namespace {

// File registrations may happen during static initialisation (file-scope
// setupCompleteIntegrationTest), long before the run starts: contexts need
// only the slug and the run token then, never the database.
struct Registry {
    std::mutex mutex;
    std::map<std::string, std::string> explicit_slugs;  // source file -> slug
    std::map<std::string, std::unique_ptr<TestContext>> by_file;
    std::atomic<TestContext*> current{nullptr};
    Pool* pool = nullptr;  // the session's, once bindPool() ran
};

Registry& registry() {
    static Registry instance;
    return instance;
}

std::string slug_for_locked(Registry& r, const std::string& source_file) {
    auto found = r.explicit_slugs.find(source_file);
    return found != r.explicit_slugs.end() ? found->second : slugFromFileName(source_file);
}

std::string validated_slug(std::string slug, const std::string& file) {
    const bool ok = !slug.empty() && slug.size() <= 48 &&
                    std::all_of(slug.begin(), slug.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                    });
    if (!ok) {
        throw Error("Error: the file slug \"" + slug + "\" of " + file +
                    " is not valid.\nFix: use 1 to 48 lower-case letters, digits and '-', "
                    "e.g. \"booking-repository\".");
    }
    return slug;
}

Error slug_conflict(const std::string& first, const std::string& second, const std::string& slug) {
    return Error("Error: the test files " + first + " and " + second + " both use the slug \"" +
                 slug +
                 "\", so their tenants would collide.\nFix: rename one file, or give one an "
                 "explicit slug with testdb::setupCompleteIntegrationTest(\"...\").");
}

}  // namespace

TestContext& setupCompleteIntegrationTest(std::string slug, SourceLocation where) {
    const std::string file = where.file;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        if (!slug.empty()) {
            r.explicit_slugs[file] = validated_slug(std::move(slug), file);
        }
    }
    return contexts::forFile(file);
}

namespace contexts {

TestContext& forFile(const std::string& source_file) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto found = r.by_file.find(source_file);
    if (found != r.by_file.end()) {
        return *found->second;
    }
    // Conflicts are not checked here: this may run during static
    // initialisation, where an exception would abort the program. The
    // lifecycle calls checkUniqueSlugs() when the run starts.
    const std::string slug = slug_for_locked(r, source_file);
    auto made = std::make_unique<TestContext>(source_file, slug, runToken());
    if (r.pool != nullptr) {
        made->tenants.bind(*r.pool);
    }
    TestContext& ref = *made;
    r.by_file.emplace(source_file, std::move(made));
    return ref;
}

void bindPool(Pool& pool) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.pool = &pool;
    for (auto& entry : r.by_file) {
        entry.second->tenants.bind(pool);
    }
}

void setCurrent(TestContext* context) { registry().current.store(context); }

TestContext* current() { return registry().current.load(); }

std::vector<TestContext*> all() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<TestContext*> result;
    for (auto& entry : r.by_file) {
        result.push_back(entry.second.get());
    }
    return result;
}

void checkUniqueSlugs(const std::vector<std::string>& source_files) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::map<std::string, std::string> owner;  // slug -> first file
    for (const std::string& file : source_files) {
        const std::string slug = slug_for_locked(r, file);
        auto [it, inserted] = owner.emplace(slug, file);
        if (!inserted && it->second != file) {
            throw slug_conflict(it->second, file, slug);
        }
    }
}

}  // namespace contexts

TestContext& context(SourceLocation where) {
    TestContext* current = contexts::current();
    if (current == nullptr) {
        throw Error("Error: testdb::context() was called at " + where.toString() +
                    " outside a running test case.\n"
                    "Fix: call it inside a test case, and link the suite with testdb's adapter "
                    "for its framework (testdb_add_integration_suite does) so the context is set.");
    }
    return *current;
}

}  // namespace testdb
