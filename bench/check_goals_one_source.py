#!/usr/bin/env python3
"""bench:goals_one_source: bench/figures.json is the only list of goals.

Fails when
  * a bench (bench/*.cpp, *.hpp, *.sh, scripts/bench) prints a goal of its own:
    a string literal that says "goal" or starts with a comparison and a number
    ("<= 0.3", ">= 12"); bench_report (report_table.hpp, bench_report.cpp) is
    the one place that prints goals, read from figures.json, so it is exempt;
  * figures.json names a figure no bench produces: its part has no
    bench/PART_bench.cpp or .sh, a "row" figure's name is not one the C++
    bench's bench::row() calls can produce, or a segment of a "pointer"
    (or of a {/pointer} in "detail", or of a goal's bound) appears nowhere in
    the shell bench (nor in scripts/bench, which names the suites it runs).

  bench/check_goals_one_source.py [--root DIR]     check the tree (default: this repo)
  bench/check_goals_one_source.py --self-test      also show that a goal put back
                                                   into a bench, and a figure no
                                                   bench produces, are caught
No database, no build: reads sources only (< 1 s).
"""
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

EXEMPT = {"report_table.hpp", "bench_report.cpp", "report_test.sh", Path(__file__).name}
GOAL_TEXT = re.compile(r"\bgoals?\b", re.IGNORECASE)
THRESHOLD = re.compile(r"^\s*(<=|>=|<|>|==)\s*-?\.?[0-9]")


def cpp_literals(text):
    """(offset, value) of each string literal of C++ `text`, comments skipped."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            delim = text[i + 2:text.index("(", i)]
            end = text.index(")" + delim + '"', i)
            out.append((i, text[text.index("(", i) + 1:end]))
            i = end + len(delim) + 2
        elif text[i] in "\"'":
            quote, j, value = text[i], i + 1, ""
            while j < n and text[j] != quote:
                if text[j] == "\\":
                    value += text[j:j + 2]
                    j += 2
                else:
                    value += text[j]
                    j += 1
            if quote == '"':
                out.append((i, value))
            i = j + 1
        else:
            i += 1
    return out


def shell_code(text):
    """(offset, line) of the shell script's lines but its comment lines."""
    out, offset = [], 0
    for line in text.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            out.append((offset, line))
        offset += len(line)
    return out


def goals_in_benches(root):
    problems = []
    sources = sorted((root / "bench").glob("*.cpp")) + sorted((root / "bench").glob("*.hpp"))
    sources += sorted((root / "bench" / "thousand").glob("*")) if (root / "bench" / "thousand").is_dir() else []
    scripts = sorted((root / "bench").glob("*.sh")) + [root / "scripts" / "bench"]
    for path in sources + scripts:
        if path.name in EXEMPT or not path.is_file():
            continue
        text = path.read_text()
        literals = shell_code(text) if path in scripts else cpp_literals(text)
        for offset, value in literals:
            if GOAL_TEXT.search(value) or (path not in scripts and THRESHOLD.search(value)):
                line = text.count("\n", 0, offset) + 1
                problems.append(f"{path.relative_to(root)}:{line}: prints a goal of its own: {value.strip()!r}; "
                                "goals live in bench/figures.json only (bench_report judges them)")
    return problems


def first_argument(text, start):
    """The source of the first argument of the call whose '(' is at `start`."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i += 1
            while text[i] != c:
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        elif c == "," and depth == 1:
            return text[start + 1:i]
        i += 1
    return text[start + 1:]


def row_patterns(source):
    """A regex per bench::row() call: its name's literals, anything for the rest."""
    patterns = []
    for call in re.finditer(r"bench::row\s*\(", source):
        argument = first_argument(source, call.end() - 1)
        pieces = re.split(r'("(?:\\.|[^"\\])*")', argument)
        regex, literal = "", False
        for piece in pieces:
            if piece.startswith('"'):
                regex += re.escape(piece[1:-1].encode().decode("unicode_escape"))
                literal = True
            elif piece.replace("+", "").strip():
                regex += ".+"
        if literal:
            patterns.append(re.compile(regex))
    return patterns


def pointers_of(figure):
    found = [figure["pointer"]] if "pointer" in figure else []
    found += re.findall(r"\{(/[^}]*)\}", figure.get("detail", ""))
    goal = figure.get("goal", [])
    if len(goal) == 2 and isinstance(goal[1], str):
        found.append(goal[1])
    return found


def figures_without_bench(root, figures_path):
    problems = []
    figures = json.loads(figures_path.read_text())
    scripts_bench = (root / "scripts" / "bench").read_text()
    all_parts = re.search(r'^ALL_PARTS="([^"]*)"', scripts_bench, re.MULTILINE).group(1).split()
    for f in figures:
        where = f"{figures_path.name}: figure {f.get('figure')!r} (part {f.get('part')!r})"
        cpp = root / "bench" / f"{f['part']}_bench.cpp"
        sh = root / "bench" / f"{f['part']}_bench.sh"
        if f["part"] not in all_parts:
            problems.append(f"{where}: scripts/bench does not run that part (ALL_PARTS)")
        if "row" in f:
            source = cpp.read_text() if cpp.is_file() else ""
            if not source:
                problems.append(f"{where}: no bench/{cpp.name} to produce the row")
            elif f'"{f["row"]}"' not in source and not any(p.fullmatch(f["row"]) for p in row_patterns(source)):
                problems.append(f"{where}: bench/{cpp.name} produces no row named {f['row']!r}")
        for pointer in pointers_of(f):
            if not sh.is_file():
                problems.append(f"{where}: no bench/{sh.name} to produce {pointer}")
                continue
            text = sh.read_text() + scripts_bench
            for segment in pointer.split("/")[1:]:
                segment = segment.replace("~1", "/").replace("~0", "~")
                if segment not in text:
                    problems.append(f"{where}: bench/{sh.name} produces nothing at {pointer} ({segment!r})")
    return problems


def check(root):
    return goals_in_benches(root) + figures_without_bench(root, root / "bench" / "figures.json")


def self_test(root):
    """A goal put back into a bench and a figure no bench produces must both fail."""
    with tempfile.TemporaryDirectory(prefix="testdb-goals-") as scratch:
        copy = Path(scratch)
        shutil.copytree(root / "bench", copy / "bench", ignore=shutil.ignore_patterns("results-*.json"))
        (copy / "scripts").mkdir()
        shutil.copy(root / "scripts" / "bench", copy / "scripts" / "bench")
        pool = copy / "bench" / "pool_bench.cpp"
        original = pool.read_text()
        pool.write_text(original.replace('"ns",', '"ns", "<= 1000",', 1))
        if not any("pool_bench.cpp" in p and "<= 1000" in p for p in check(copy)):
            return ["self-test: a threshold literal put back into pool_bench.cpp was not caught"]
        pool.write_text(original.replace('"dead-connection check"', '"goal: dead-connection check"', 1))
        if not any("pool_bench.cpp" in p for p in check(copy)):
            return ["self-test: a 'goal' text put back into pool_bench.cpp was not caught"]
        pool.write_text(original)
        figures_path = copy / "bench" / "figures.json"
        figures = json.loads(figures_path.read_text())
        figures_path.write_text(json.dumps(figures + [
            {"section": "pool", "figure": "renamed row", "part": "pool", "row": "acquire+release, 9 threads"},
            {"section": "jobs", "figure": "gone pointer", "part": "jobs", "pointer": "/suites/x/no_such_key"},
            {"section": "x", "figure": "no bench", "part": "nonexistent", "row": "y"}]))
        found = check(copy)
        for name in ("renamed row", "gone pointer", "no bench"):
            if not any(repr(name) in p for p in found):
                return [f"self-test: figure {name!r}, which no bench produces, was not caught: {found}"]
    return []


def main(argv):
    root = Path(__file__).resolve().parent.parent
    if "--root" in argv:
        root = Path(argv[argv.index("--root") + 1])
    problems = check(root)
    if "--self-test" in argv:
        problems += self_test(root)
    for p in problems:
        print(f"bench:goals_one_source: {p}", file=sys.stderr)
    if not problems:
        print("bench:goals_one_source: ok: no bench prints a goal; every figure of figures.json has a bench")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
