"""Mutation testing of the core modules with mutmut: how many changed copies of the code the tests catch.

Run: ``.venv/bin/python benchmarks/mutation.py [--only split,evaluate] [--jobs 2]``. Each group is
mutated in its own scratch copy of the project (``--work-dir``, default a folder under the system temp
dir), with only its own test files, and the score is printed per module. Goal: at least 85% of the
mutants killed in every group. Not part of ``scripts/test.sh``: the whole run takes minutes, not seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_KILLED = 0.85


@dataclass(frozen=True)
class Group:
    """One mutation run: the files mutmut changes, the tests it runs, and (optionally) which mutants."""

    files: tuple[str, ...]
    tests: tuple[str, ...]
    mutants: tuple[str, ...] = ()  # mutmut name globs; empty: every mutant of ``files``
    pytest_args: tuple[str, ...] = ()


GROUPS: dict[str, Group] = {
    "dedup": Group(("mathdash/dedup/*.py",),
                   ("tests/test_dedup_hashing.py", "tests/test_dedup_groups.py", "tests/test_dedup_search.py",
                    "tests/test_dedup_leakage.py", "tests/test_dedup_mutants.py")),
    "split": Group(("mathdash/split.py",), ("tests/test_split.py", "tests/test_split_mutants.py")),
    "loaders": Group(("mathdash/loaders/*.py",),
                     tuple(f"tests/test_loaders_{name}.py" for name in
                           ("archive", "emnist", "folder", "hasy", "images", "pickle", "source", "mutants")),
                     pytest_args=("-m", "not slow")),
    "flip": Group(("mathdash/augment/flip.py",), ("tests/test_augment_pipeline.py", "tests/test_augment_flip.py")),
    "prepare_drawing": Group(("mathdash/predict.py",), ("tests/test_predict.py", "tests/test_predict_mutants.py"),
                             mutants=tuple(f"mathdash.predict.x_{name}__mutmut_*" for name in
                                           ("prepare_drawing", "_ink_strength", "_check_pixels",
                                            "_ink_from_grey", "_resample", "_redraw")),
                             pytest_args=("-m", "not slow")),
    "evaluate": Group(("mathdash/evaluate.py",), ("tests/test_evaluate.py", "tests/test_evaluate_mutants.py")),
}

# Mutants that survive because they change nothing a caller can see; each was read and judged by hand.
# Keys are mutmut's names (they shift when the function they live in is edited: re-check then).
EQUIVALENT: dict[str, str] = {}

STATUS_LINE = re.compile(r"^\s+(?P<name>\S+__mutmut_\d+): (?P<status>.+)$")


def prepare(group: str, spec: Group, work_dir: Path, resume: bool = False) -> Path:
    """A fresh scratch copy of the package, the tests and a pyproject with this group's mutmut section.

    With ``resume`` an existing copy is kept as it is, so mutmut goes on with the mutants an interrupted
    run left unchecked (only valid when neither the code nor the tests changed since).
    """
    target = work_dir / group
    if resume and (target / "mutants").is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "mathdash", target / "mathdash", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", target / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "artifacts").mkdir()
    shutil.copytree(ROOT / "artifacts" / "builtin", target / "artifacts" / "builtin")
    tests = [test for test in spec.tests if (ROOT / test).is_file()]
    section = "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["mathdash"]',
        f"only_mutate = {list(spec.files)!r}",
        f"pytest_add_cli_args = {['-p', 'no:cacheprovider', '-q', *spec.pytest_args]!r}",
        f"pytest_add_cli_args_test_selection = {tests!r}",
        "use_git_change_detection = false",
        "",
    ]).replace("'", '"')
    pyproject = (ROOT / "pyproject.toml").read_text() + section
    (target / "pyproject.toml").write_text(pyproject)
    return target


def run_group(group: str, spec: Group, work_dir: Path, jobs: int,
              resume: bool = False) -> tuple[dict[str, str], float]:
    """Run mutmut for one group; returns {mutant name: status} and the seconds it took."""
    folder = prepare(group, spec, work_dir, resume)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", MATHDASH_RUNS_DIR=str(folder / "runs"))
    started = time.perf_counter()
    run = subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *spec.mutants], cwd=folder, env=env,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (folder / "mutmut-run.log").write_text(run.stdout + run.stderr)
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=folder, env=env,
                             capture_output=True, text=True)
    statuses = {m["name"]: m["status"] for m in map(STATUS_LINE.match, listing.stdout.splitlines()) if m}
    if spec.mutants:
        statuses = {name: status for name, status in statuses.items()
                    if any(_glob(pattern).match(name) for pattern in spec.mutants)}
    if run.returncode != 0 or not statuses:
        print(f"mutmut failed for {group} (exit {run.returncode}); see {folder / 'mutmut-run.log'}")
    return statuses, seconds


def _glob(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\*", ".*") + "$")


def module_of(name: str) -> str:
    """``mathdash.split.x_make_split__mutmut_3`` -> ``mathdash/split.py``."""
    dotted = name.split("__mutmut_")[0].rsplit(".", 1)[0]
    dotted = re.sub(r"\.x[ǁ_].*$", "", dotted) if "ǁ" in dotted else dotted
    return dotted.replace(".", "/") + ".py"


def score_table(statuses: dict[str, str]) -> list[tuple[str, Counter]]:
    per_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in statuses.items():
        counts = per_module[module_of(name)]
        counts["equivalent" if status == "survived" and name in EQUIVALENT else status] += 1
    return sorted(per_module.items())


def killed_share(counts: Counter) -> float:
    """Killed (a test failed, or it timed out) over all mutants that ran."""
    ran = sum(counts.values()) - counts["skipped"]
    return (counts["killed"] + counts["timeout"]) / ran if ran else 0.0


def print_scores(results: dict[str, tuple[dict[str, str], float]], survivors: bool = True) -> None:
    header = f"{'module':36} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} {'no tests':>8} " \
             f"{'score':>6} {'w/o equiv.':>10}"
    print(header)
    print("-" * len(header))
    for group, (statuses, seconds) in results.items():
        total = Counter()
        for module, counts in score_table(statuses):
            total.update(counts)
            print(_row(module, counts))
        print(_row(f"= {group} ({seconds:.0f} s)", total), "" if killed_share(total) >= GOAL_KILLED else
              f"  below the {GOAL_KILLED:.0%} goal")
    alive = sorted(name for statuses, _ in results.values() for name, status in statuses.items()
                   if status != "killed" and status != "timeout" and name not in EQUIVALENT)
    if survivors and alive:
        print("\nnot killed (inspect with `mutmut show NAME` in the group's scratch folder):")
        for name in alive:
            print(f"  {name}: {next(s[name] for s, _ in results.values() if name in s)}")


def _row(label: str, counts: Counter) -> str:
    total = sum(counts.values())
    without = total - counts["equivalent"]
    plain = (counts["killed"] + counts["timeout"]) / total if total else 0.0
    return (f"{label:36} {total:7} {counts['killed'] + counts['timeout']:6} {counts['survived']:8} "
            f"{counts['equivalent']:6} {counts['no tests']:8} {plain:6.1%} {killed_share(counts) if without else 0:10.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups: {', '.join(GROUPS)}")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "mathdash-mutation")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted run's scratch copy instead of starting afresh")
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    results = {}
    for name in names:
        results[name] = run_group(name, GROUPS[name], args.work_dir, args.jobs, args.resume)
        print_scores({name: results[name]}, survivors=False)  # as it goes: a long run may be cut short
    print_scores(results)
    return 0 if all(killed_share(Counter(s.values())) >= GOAL_KILLED for s, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
