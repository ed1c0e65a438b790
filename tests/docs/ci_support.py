"""Shared pieces of the CI recipe tests: a password-protected PostgreSQL
reached over TCP, shell steps run as a CI runner runs them, and the checks
of what a job leaves behind (JUnit files a real XML parser reads, reports,
no password in any output)."""
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import xml.etree.ElementTree as ET

SKIP_MARKER = "testdb-docs: skip"


class RecipeError(Exception):
    """A recipe that does not run or does not produce what it promises."""


def pg_bindir():
    return subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                          text=True).stdout.strip()


class PasswordServer:
    """A throwaway PostgreSQL on 127.0.0.1 that takes only scram-sha-256
    passwords (local socket included), as the postgres user."""

    def __init__(self):
        self.password = "pw-" + secrets.token_hex(12)
        self.base = tempfile.mkdtemp(prefix="testdb-docs-pg.")
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        pwfile = os.path.join(self.base, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        self.as_user = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            for path in (self.base, pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        bindir = pg_bindir()
        self._run([f"{bindir}/initdb", "-D", self.data, "-U", "postgres", "--auth=scram-sha-256",
                   f"--pwfile={pwfile}", "--no-sync"])
        self.pg_ctl = f"{bindir}/pg_ctl"
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        self._run([self.pg_ctl, "-D", self.data, "-w", "-l", os.path.join(self.base, "log"),
                   "-o", options, "start"])

    def _run(self, command):
        subprocess.run(self.as_user + command, check=True, capture_output=True, text=True)

    def url(self, database, password=None):
        password = self.password if password is None else password
        return f"postgresql://postgres:{password}@localhost:{self.port}/{database}"

    def psql(self, sql, password=None):
        return subprocess.run(["psql", "-X", "-q", "-tA", self.url("postgres", password), "-c", sql],
                              capture_output=True, text=True)

    def create_database(self, name):
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists.returncode != 0:
            raise RecipeError(f"cannot reach the password server: {exists.stderr}")
        if exists.stdout.strip() != "1":
            done = self.psql(f'CREATE DATABASE "{name}"')
            if done.returncode != 0:
                raise RecipeError(f"CREATE DATABASE {name}: {done.stderr}")

    def require_password(self):
        """Proves the server is not open: a wrong password is refused."""
        wrong = self.psql("SELECT 1", password="wrong-" + secrets.token_hex(4))
        if wrong.returncode == 0 or "password authentication failed" not in wrong.stderr:
            raise RecipeError("the test server let a wrong password in: " + wrong.stderr)

    def stop(self):
        subprocess.run(self.as_user + [self.pg_ctl, "-D", self.data, "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


class Shell:
    """Runs shell steps in the project directory, logging everything."""

    def __init__(self, project, log):
        self.project = project
        self.log = log
        self.output = []

    def run(self, label, script, env):
        self.log(f"--- {label}\n{script.rstrip()}")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=self.project, env=env, capture_output=True, text=True)
        text = done.stdout + done.stderr
        self.output.append(text)
        self.log(text.rstrip())
        if done.returncode != 0:
            raise RecipeError(f"step '{label}' exited {done.returncode}:\n{script}\n{text}")
        return text


def base_environment():
    """The machine's environment without any testdb setting."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TESTDB_") and k not in ("DATABASE_URL_TEST", "CI")}
    env["CI"] = "true"
    return env


def is_skipped(script):
    return SKIP_MARKER in script


def check_skipped_step(script, cmake_lists):
    """A skipped step may only set options testdb has (a renamed one fails)."""
    options = set(re.findall(r"option\((TESTDB_\w+)", cmake_lists))
    for name in re.findall(r"-D(TESTDB_\w+)=", script):
        if name not in options:
            raise RecipeError(f"a skipped step sets -D{name}, which testdb's CMakeLists.txt "
                              f"does not define (options: {sorted(options)})")


def junit_cases(path):
    """Test case names of a JUnit file, read by a real XML parser; fails on
    a malformed file or a failed test case."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise RecipeError(f"{path} is not well-formed XML: {e}")
    cases = []
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            raise RecipeError(f"{path}: test case {case.get('name')} failed")
        cases.append(case.get("name"))
    if not cases:
        raise RecipeError(f"{path} holds no test case")
    return cases


def expand_paths(project, patterns):
    found = []
    for pattern in patterns:
        pattern = pattern.strip()
        if pattern:
            found += glob.glob(os.path.join(project, pattern))
    return found


def require_no_password(outputs, password):
    for text in outputs:
        if password in text:
            line = next(l for l in text.splitlines() if password in l)
            raise RecipeError("the password appears in a step's output: " +
                              line.replace(password, "<the password>"))


def reset_project(project, keep):
    """A fresh checkout for the next job: drops what earlier jobs wrote,
    except the entries present before the pipeline (the source and build/)."""
    for entry in os.listdir(project):
        if entry not in keep:
            path = os.path.join(project, entry)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def copy_into(files, common, dest):
    for f in files:
        rel = os.path.relpath(f, common)
        target = os.path.join(dest, rel)
        if os.path.isdir(f):
            shutil.copytree(f, target, dirs_exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(f, target)


def files_below(root):
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]
