// The harness self-test suites (tests/harness) of every Catch2 adapter this
// build has. They are built from the same sources; a self-test generates one
// run per adapter, so each misbehaviour is checked under each framework.
#pragma once

#include <string>
#include <vector>

namespace selftest {

/// One adapter's build of the self-test suites.
struct AdapterSuites {
    std::string framework;  ///< "catch2" (v2) or "catch2v3"
    std::string good;       ///< tests/harness/good
    std::string bad;        ///< tests/harness/bad
    std::string duplicate;  ///< tests/harness/duplicate
    std::string rollback;   ///< tests/harness/rollback
};

inline std::vector<AdapterSuites> adapterSuites() {
    std::vector<AdapterSuites> all{{"catch2", TESTDB_GOOD_SUITE, TESTDB_BAD_SUITE,
                                    TESTDB_DUPLICATE_SUITE, TESTDB_ROLLBACK_SUITE}};
#if defined(TESTDB_BAD_SUITE_CATCH2V3)
    all.push_back({"catch2v3", TESTDB_GOOD_SUITE_CATCH2V3, TESTDB_BAD_SUITE_CATCH2V3,
                   TESTDB_DUPLICATE_SUITE_CATCH2V3, TESTDB_ROLLBACK_SUITE_CATCH2V3});
#endif
    return all;
}

}  // namespace selftest
