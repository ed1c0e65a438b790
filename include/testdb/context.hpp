/// @file context.hpp
/// @brief testdb::context(): the running test file's slug and tenants.
///
/// testdb's Catch2 listener sets the context when a test case starts and
/// cleans its tenants up when it ends, so test code only ever asks for it:
///
///     TEST_CASE("a booking needs a free date") {
///         auto& ctx = testdb::context();
///         auto& tenant = ctx.tenants.tenantA.create();
///         ...
///     }
#pragma once

#include <string>
#include <string_view>

#include "testdb/source_location.hpp"
#include "testdb/tenants.hpp"

namespace testdb {

/// Everything testdb keeps for one test file.
class TestContext {
public:
    /// Context of the file `source_file` with slug `file_slug`.
    TestContext(std::string source_file, std::string file_slug, const std::string& run_token);

    /// The file slug: `booking-repository` for booking_repository_test.cpp.
    const std::string& fileSlug() const { return file_slug_; }
    /// The source file, as the compiler named it.
    const std::string& sourceFile() const { return source_file_; }

    /// Tenants A and B of this file.
    Tenants tenants;

    /// Keeps this test case's rows: the automatic cleanup is skipped, and the
    /// rows are reported as a leak at the end of the test (then removed,
    /// unless TESTDB_KEEP_FAILED=1). For tests of testdb itself, mostly.
    void skipCleanup() { skip_cleanup_ = true; }
    /// True after skipCleanup() in the current test case.
    bool cleanupSkipped() const { return skip_cleanup_; }
    /// Resets per-test-case state (the listener calls it).
    void beginTestCase() { skip_cleanup_ = false; }

private:
    std::string source_file_;
    std::string file_slug_;
    bool skip_cleanup_ = false;
};

/// The context of the test file whose test case is running now. Threads
/// started by the test see the same context. Throws testdb::Error naming
/// `where` (the caller) outside a test case (or when testdb's Catch2
/// listener is not linked).
TestContext& context(SourceLocation where = SourceLocation::current());

/// Declares this file's slug explicitly (at file scope) and returns its
/// context object, which stays valid for the whole run:
///
///     static auto& ctx = testdb::setupCompleteIntegrationTest("booking-repository");
///
/// Without it, the slug is derived from the file name. Two files claiming
/// one slug is an error at start-up naming both files.
TestContext& setupCompleteIntegrationTest(std::string slug = {},
                                          SourceLocation where = SourceLocation::current());

/// `booking-repository` for `tests/integration/booking_repository_test.cpp`:
/// the file name without directory, extension and a `_test`/`_tests`/`_spec`
/// suffix, lower-cased, with runs of other characters turned into '-'.
std::string slugFromFileName(std::string_view path);

/// The registry of test files (used by testdb's Catch2 listener).
namespace contexts {
/// Context for `source_file`, creating it with its slug (explicit or derived)
/// if needed. Slug conflicts are found by checkUniqueSlugs().
TestContext& forFile(const std::string& source_file);
/// Makes `context` the current one (nullptr: none).
void setCurrent(TestContext* context);
/// The current context or nullptr.
TestContext* current();
/// Every context registered so far.
std::vector<TestContext*> all();
/// Throws Error naming both files when two registered files share a slug.
void checkUniqueSlugs(const std::vector<std::string>& source_files);
/// Binds every context, present and future, to the session's pool: their
/// tenants and cleanup work through it (the lifecycle calls this when the
/// run starts).
void bindPool(Pool& pool);
}  // namespace contexts

}  // namespace testdb
