#!/usr/bin/env python3
"""Runs the CI recipes of docs/CI.md (docs/ci/*.yml) so they cannot rot.

  ci_recipes.py setup --source DIR --build DIR --work DIR
      installs the built testdb into WORK/prefix and copies tests/consumer
      (the user's project) to WORK/project.
  ci_recipes.py run --recipe github|gitlab --file YML --source DIR --work DIR
      runs the pipeline twice (the second run's shards balanced by the first
      run's reports): every shell step for real (a step marked
      `testdb-docs: skip` only installs packages or testdb itself), the
      embedded-server job on testdb's own server and the service-container
      and shared-server jobs on a scram-sha-256 PostgreSQL over TCP.

Fails when a step fails or a job does not deliver: JUnit files a real XML
parser reads with every test case passing, shards that together run each
test case once, balanced by time in the second run, the suite's schema in
the TCP server's databases, and the password nowhere in the output."""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time
import types

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ci_github import GitHubRunner  # noqa: E402
from ci_gitlab import GitLabRunner  # noqa: E402
from ci_support import (PasswordServer, RecipeError, Shell, base_environment,  # noqa: E402
                        junit_cases, require_no_password, reset_project)

SUITE = "build/consumer_it"  # tests/consumer's suite, built by the recipes' own build step


def setup(args):
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cmake", "--install", args.build, "--prefix", os.path.join(work, "prefix")],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(os.path.join(args.source, "tests", "consumer"), os.path.join(work, "project"))


def all_cases(junit_files):
    cases = collections.Counter()
    for path in junit_files:
        cases.update(junit_cases(path))
    return cases


def check_pipeline(results, round_no, output, log):
    """What every run of the pipeline must deliver."""
    whole, shards = None, collections.Counter()
    for label, files in results.items():
        junit = [f for f in files if f.endswith(".xml")]
        for report in (f for f in files if f.endswith(".json")):
            with open(report) as f:
                json.load(f)  # the report is valid JSON
        if "shard" in label:
            shards.update(all_cases(junit))
        elif junit:
            cases = all_cases(junit)
            if whole is not None and cases != whole:
                raise RecipeError(f"{label} ran {sorted(cases)}, another job {sorted(whole)}")
            whole = cases
    if whole is None:
        raise RecipeError("no job kept a JUnit file as an artifact")
    if shards != whole:
        raise RecipeError(f"the shards together ran {dict(shards)}; the whole suite is {dict(whole)}")
    want = "balanced by test count" if round_no == 1 else "balanced by time from"
    if want not in output:
        raise RecipeError(f"run {round_no}: the shards were not {want}")
    log(f"== run {round_no}: {len(results)} jobs, {sum(whole.values())} test cases, shards {want}")


def run(args):
    work = os.path.abspath(args.work)
    project = os.path.join(work, "project")
    if not os.path.isdir(project):
        raise RecipeError(f"{project} is missing: run `ci_recipes.py setup` first (ctest fixture)")
    with open(args.file) as f:
        recipe = yaml.safe_load(f)
    with open(os.path.join(args.source, "CMakeLists.txt")) as f:
        cmake_lists = f.read()
    store = os.path.join(work, f"{args.recipe}-store")
    shutil.rmtree(store, ignore_errors=True)
    os.makedirs(store)
    # A fresh checkout for every job: the project's sources, plus build/ as a
    # build cache between jobs (the suite compiles once).
    keep = set(os.listdir(os.path.join(args.source, "tests", "consumer"))) | {"build"}
    reset_project(project, keep)
    server = PasswordServer()
    try:
        server.require_password()
        server.create_database("shared_test")
        shell = Shell(project, log=print)
        machine = types.SimpleNamespace(
            project=project, keep=keep, store=store, server=server, base_env=base_environment(),
            cmake_lists=cmake_lists, shell=shell,
            secrets={"TESTDB_PASSWORD": server.password,
                     "SHARED_DATABASE_URL_TEST": server.url("shared_test")},
            substitutions={"SUITE": SUITE, "TESTDB_PREFIX": os.path.join(work, "prefix")})
        runner = (GitHubRunner if args.recipe == "github" else GitLabRunner)(recipe, machine)
        for round_no in (1, 2):
            first = len(shell.output)
            results = runner.run_pipeline()
            check_pipeline(results, round_no, "\n".join(shell.output[first:]), print)
        for database in ("app_test", "shared_test"):  # the TCP jobs really ran there
            where = server.url(database)
            done = subprocess.run(["psql", "-X", "-tA", where, "-c", "SELECT count(*) FROM widgets"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RecipeError(f"no suite ran in {database} on the password server: {done.stderr}")
        require_no_password(shell.output, server.password)
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["setup", "run"])
    parser.add_argument("--recipe", choices=["github", "gitlab"])
    parser.add_argument("--file")
    parser.add_argument("--source", required=True)
    parser.add_argument("--build")
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    started = time.monotonic()
    try:
        setup(args) if args.command == "setup" else run(args)
    except (RecipeError, subprocess.CalledProcessError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    print(f"ok after {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
