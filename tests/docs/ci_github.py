"""Runs a GitHub Actions workflow's jobs locally, as far as a test can: its
`run:` steps for real in bash (shell: bash semantics, GITHUB_PATH), the
actions it uses for artifacts and caches against a local store, its
PostgreSQL service replaced by the test's password server."""
import fnmatch
import itertools
import os
import re
import shutil

from ci_support import (RecipeError, check_skipped_step, copy_into, expand_paths, files_below,
                        is_skipped, reset_project)

EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def substitute(text, context):
    def value(match):
        name = match.group(1)
        if name not in context:
            raise RecipeError(f"the workflow uses ${{{{ {name} }}}}, which the test cannot supply")
        return str(context[name])
    return EXPRESSION.sub(value, str(text))


def matrix_of(job):
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if any(k in matrix for k in ("include", "exclude")):
        raise RecipeError("matrix include/exclude is not supported by the recipe test")
    keys = list(matrix)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(matrix[k] for k in keys))]


def ordered_jobs(jobs):
    done, order = set(), []
    while len(order) < len(jobs):
        ready = [n for n in jobs if n not in done and
                 all(d in done for d in _needs(jobs[n]))]
        if not ready:
            raise RecipeError("the workflow's `needs` form a cycle")
        for name in ready:
            order.append(name)
            done.add(name)
    return order


def _needs(job):
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else needs


class GitHubRunner:
    def __init__(self, workflow, machine):
        """machine: project, store, server, base_env, secrets, substitutions
        (env name -> value the test must set), cmake_lists, shell."""
        self.workflow = workflow
        self.m = machine
        self.run_id = 0

    def run_pipeline(self):
        self.run_id += 1
        keep = self.m.keep
        jobs = self.workflow["jobs"]
        results = {}
        for name in ordered_jobs(jobs):
            for matrix in matrix_of(jobs[name]) or [{}]:
                reset_project(self.m.project, keep)
                label = name + "".join(f" [{k}={v}]" for k, v in matrix.items())
                results[label] = self.run_job(label, jobs[name], matrix)
        return results

    def context(self, env, matrix):
        context = {f"secrets.{k}": v for k, v in self.m.secrets.items()}
        context.update({f"matrix.{k}": v for k, v in matrix.items()})
        context.update({f"env.{k}": v for k, v in env.items()})
        context["github.run_id"] = str(self.run_id)
        context["github.workspace"] = self.m.project
        return context

    def job_env(self, job, matrix):
        env = {}
        for scope in (self.workflow.get("env") or {}, job.get("env") or {}):
            for k, v in scope.items():
                env[k] = substitute(v, self.context(env, matrix))
        env.update(self.m.substitutions)
        for service in (job.get("services") or {}).values():
            env = self.attach_service(service, env, matrix)
        return env

    def attach_service(self, service, env, matrix):
        if not str(service.get("image", "")).startswith("postgres"):
            raise RecipeError(f"service image {service.get('image')} is not PostgreSQL")
        senv = {k: substitute(v, self.context(env, matrix))
                for k, v in (service.get("env") or {}).items()}
        if senv.get("POSTGRES_PASSWORD") != self.m.server.password:
            raise RecipeError("the service's POSTGRES_PASSWORD is not the password secret")
        self.m.server.create_database(senv.get("POSTGRES_DB", "postgres"))
        if "5432:5432" not in [str(p) for p in service.get("ports") or []]:
            raise RecipeError("the service does not publish port 5432 on the runner")
        # The runner's localhost:5432 is the test server's port here.
        return {k: v.replace("localhost:5432", f"localhost:{self.m.server.port}")
                for k, v in env.items()}

    def run_job(self, label, job, matrix):
        env = self.job_env(job, matrix)
        path_file = os.path.join(self.m.store, "github_path")
        open(path_file, "w").close()
        uploaded = []
        for index, step in enumerate(job.get("steps") or []):
            context = self.context(env, matrix)
            step_env = dict(self.m.base_env)
            step_env.update(env)
            step_env.update({k: substitute(v, context) for k, v in (step.get("env") or {}).items()})
            with open(path_file) as f:
                extra = [line.strip() for line in f if line.strip()]
            step_env["PATH"] = ":".join(list(reversed(extra)) + [step_env["PATH"]])
            step_env["GITHUB_PATH"] = path_file
            if "run" in step:
                script = substitute(step["run"], context)
                if is_skipped(script):
                    check_skipped_step(script, self.m.cmake_lists)
                    continue
                self.m.shell.run(f"{label}: {step.get('name', index)}", script, step_env)
            elif "uses" in step:
                with_ = {k: substitute(v, context) for k, v in (step.get("with") or {}).items()}
                uploaded += self.use(step["uses"], with_)
        return uploaded

    def use(self, action, with_):
        name = action.split("@")[0]
        store = self.m.store
        if name == "actions/checkout":
            return []
        if name == "actions/upload-artifact":
            files = expand_paths(self.m.project, with_["path"].splitlines())
            if not files:
                if with_.get("if-no-files-found", "warn") == "error":
                    raise RecipeError(f"artifact {with_['name']}: no files")
                return []
            if len(files) == 1:
                common = files[0] if os.path.isdir(files[0]) else os.path.dirname(files[0])
            else:
                common = os.path.commonpath(files)
            dest = os.path.join(store, "artifacts", with_["name"])
            copy_into(files, common, dest)
            return files_below(dest)
        if name == "actions/download-artifact":
            root = os.path.join(store, "artifacts")
            for artifact in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                if fnmatch.fnmatch(artifact, with_.get("pattern", "*")):
                    target = os.path.join(self.m.project, with_.get("path", "."))
                    if str(with_.get("merge-multiple", "false")).lower() != "true":
                        target = os.path.join(target, artifact)
                    shutil.copytree(os.path.join(root, artifact), target, dirs_exist_ok=True)
            return []
        if name in ("actions/cache/restore", "actions/cache/save"):
            return self.cache(name.endswith("save"), with_)
        raise RecipeError(f"the recipe test does not know the action {action}")

    def cache(self, save, with_):
        root = os.path.join(self.m.store, "cache")
        os.makedirs(root, exist_ok=True)
        path = os.path.join(self.m.project, with_["path"])
        if save:
            shutil.copytree(path, os.path.join(root, f"{len(os.listdir(root)):04d}-{with_['key']}"))
            return []
        entries = sorted(os.listdir(root), reverse=True)  # newest first
        prefixes = [with_["key"]] + [k for k in str(with_.get("restore-keys", "")).splitlines() if k]
        for prefix in prefixes:
            hit = next((e for e in entries if e.split("-", 1)[1].startswith(prefix)), None)
            if hit:
                shutil.copytree(os.path.join(root, hit), path, dirs_exist_ok=True)
                break
        return []
