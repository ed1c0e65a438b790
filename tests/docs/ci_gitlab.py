"""Runs a .gitlab-ci.yml pipeline locally, as far as a test can: each job's
before_script and script in one bash (GitLab's `set -eo pipefail`), its
variables expanded as GitLab does, `parallel: N` as N jobs, caches and
artifacts against a local store, a PostgreSQL service replaced by the
test's password server."""
import copy
import os
import re
import shutil

from ci_support import (RecipeError, check_skipped_step, copy_into, expand_paths, files_below,
                        is_skipped, reset_project)

RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services",
            "before_script", "after_script", "cache"}
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def expand(text, env):
    def value(match):
        name = match.group(1) or match.group(2)
        return env.get(name, match.group(0))
    return VARIABLE.sub(value, str(text))


def merged(base, over):
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve(pipeline, name):
    job = pipeline[name]
    parent = job.get("extends")
    if not parent:
        return job
    for p in [parent] if isinstance(parent, str) else parent:
        job = merged(resolve(pipeline, p), {k: v for k, v in job.items() if k != "extends"})
    return job


class GitLabRunner:
    def __init__(self, pipeline, machine):
        self.pipeline = pipeline
        self.m = machine

    def stage_of(self, name):
        stages = self.pipeline.get("stages", ["build", "test", "deploy"])
        return stages.index(resolve(self.pipeline, name).get("stage", "test"))

    def jobs(self):
        names = [n for n in self.pipeline if n not in RESERVED and not str(n).startswith(".")]
        return sorted(names, key=self.stage_of)

    def run_pipeline(self):
        keep = self.m.keep
        shutil.rmtree(os.path.join(self.m.store, "artifacts"), ignore_errors=True)
        results = {}
        for name in self.jobs():
            job = resolve(self.pipeline, name)
            total = int(job.get("parallel", 1))
            for index in range(1, total + 1):
                reset_project(self.m.project, keep)
                label = f"{name} {index}/{total}" if total > 1 else name
                node = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)} if total > 1 else {}
                results[label] = self.run_job(name, label, job, node)
        return results

    def job_env(self, job, node):
        env = dict(self.m.base_env)
        env.update(self.m.secrets)  # CI/CD variables defined in the project's settings
        env.update(node)
        env["CI_PROJECT_DIR"] = self.m.project
        for scope in (self.pipeline.get("variables") or {}, job.get("variables") or {}):
            for k, v in scope.items():
                env[k] = expand(v, env)
        env.update(self.m.substitutions)
        for service in job.get("services") or []:
            env = self.attach_service(service, env)
        return env

    def attach_service(self, service, env):
        service = {"name": service} if isinstance(service, str) else service
        if not service["name"].startswith("postgres"):
            raise RecipeError(f"service {service['name']} is not PostgreSQL")
        if env.get("POSTGRES_PASSWORD") != self.m.server.password:
            raise RecipeError("the job's POSTGRES_PASSWORD is not the password variable")
        self.m.server.create_database(env.get("POSTGRES_DB", "postgres"))
        host = service.get("alias", service["name"].split(":")[0].replace("/", "__"))
        return {k: v.replace(f"@{host}:5432", f"@localhost:{self.m.server.port}")
                for k, v in env.items()}

    def run_job(self, name, label, job, node):
        env = self.job_env(job, node)
        cache = job.get("cache") or {}
        cache_dir = os.path.join(self.m.store, "cache", expand(cache.get("key", "default"), env))
        policy = cache.get("policy", "pull-push")
        if cache and "pull" in policy and os.path.isdir(cache_dir):
            shutil.copytree(cache_dir, self.m.project, dirs_exist_ok=True)
        self.fetch_artifacts(name, job)
        lines = []
        for line in (job.get("before_script") or []) + (job.get("script") or []):
            if is_skipped(line):
                check_skipped_step(line, self.m.cmake_lists)
            else:
                lines.append(line)
        self.m.shell.run(label, "\n".join(lines), env)
        if cache and "push" in policy:
            shutil.rmtree(cache_dir, ignore_errors=True)
            for path in cache.get("paths") or []:
                copy_into(expand_paths(self.m.project, [expand(path, env)]), self.m.project, cache_dir)
        return self.keep_artifacts(name, label, job, env)

    def fetch_artifacts(self, name, job):
        """The artifacts of the jobs it needs, else of every earlier stage."""
        root = os.path.join(self.m.store, "artifacts")
        needs = job.get("needs")
        for entry in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            producer = entry.split(" ")[0]
            if (needs is None and self.stage_of(producer) < self.stage_of(name)) or \
                    (needs is not None and producer in needs):
                shutil.copytree(os.path.join(root, entry), self.m.project, dirs_exist_ok=True)

    def keep_artifacts(self, name, label, job, env):
        """Stores the job's artifacts for later jobs; returns its JUnit reports
        (copied out of the project, which the next job resets)."""
        artifacts = job.get("artifacts") or {}
        dest = os.path.join(self.m.store, "artifacts", label.replace("/", " of "))
        paths = [expand(p, env) for p in artifacts.get("paths") or []]
        copy_into(expand_paths(self.m.project, paths), self.m.project, dest)
        junit = (artifacts.get("reports") or {}).get("junit")
        patterns = [junit] if isinstance(junit, str) else junit or []
        reports = os.path.join(self.m.store, "reports", label.replace("/", " of "))
        copy_into(expand_paths(self.m.project, [expand(p, env) for p in patterns]),
                  self.m.project, reports)
        return files_below(reports) + [f for f in files_below(dest) if f.endswith(".json")]
