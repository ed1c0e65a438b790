#!/usr/bin/env python3
"""Runs the tenant-cleanup suite (cleanup/cleanup_cases_test.cpp) one tag at a
time and checks what each run printed: foreign-key cycles cleaned, rows in a
table the cleanup cannot reach failing their own test only, a failed cleanup
naming the constraint and tables without failing the file's later tests, and
a catalog that cannot be read stopping the run at start.

    check_cleanup.py SUITE
"""
import os
import subprocess
import sys


def run(suite, tag, **env):
    result = subprocess.run([suite, "-r", "compact", tag], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=300)
    return result.returncode, result.stdout


def expect(output, *needles, absent=()):
    for needle in needles:
        if needle not in output:
            sys.exit(f"check_cleanup: expected {needle!r} in:\n{output}")
    for needle in absent:
        if needle in output:
            sys.exit(f"check_cleanup: did not expect {needle!r} in:\n{output}")


def main():
    suite = sys.argv[1]
    code, out = run(suite, "[cycles]")
    if code != 0:
        sys.exit(f"check_cleanup: [cycles] failed ({code}):\n{out}")
    expect(out, "0 leftover rows",
           "cleaned by their tenant_id column (no foreign key to cleanup_cases.tenants): "
           "cleanup_cases.audit_log",
           "not reached (no foreign key to cleanup_cases.tenants, no tenant_id column); a test "
           "that writes rows there fails: ")
    expect(out, "cleanup_cases.counters")

    code, out = run(suite, "[unreached]")
    expect(out, "LeakError: the test wrote rows into tables the tenant cleanup cannot reach",
           "cleanup_cases.counters 2", "2 leftover rows")
    expect(out, "testdb: 1/2 tests passed")
    if code == 0:
        sys.exit(f"check_cleanup: [unreached] passed:\n{out}")

    code, out = run(suite, "[failing-cleanup]")
    expect(out, "LeakError: cleanup of tenants cleanup-cases-a-", "links_user_id_fkey",
           "cleanup_cases.users", "cleanup_cases.links", "cleanup-cases-ax1-",
           "testdb: 2/3 tests passed")
    if code == 0:
        sys.exit(f"check_cleanup: [failing-cleanup] passed:\n{out}")

    code, out = run(suite, "[cycles]", TESTDB_CLEANUP_BAD_KEY="no_such_key")
    expect(out, "has no key column \"no_such_key\"")
    if code == 0:
        sys.exit(f"check_cleanup: a catalog that cannot be read did not fail the run:\n{out}")
    print("check_cleanup: all cases as expected")


if __name__ == "__main__":
    main()
