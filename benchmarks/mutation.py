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
from dataclasses import dataclass, replace
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
                    "tests/test_dedup_leakage.py", "tests/test_dedup_verify.py", "tests/test_dedup_cli.py",
                    "tests/test_dedup_mutants.py", "tests/test_dedup_verify_mutants.py")),
    "split": Group(("mathdash/split.py",), ("tests/test_split.py", "tests/test_split_mutants.py")),
    "loaders": Group(("mathdash/loaders/*.py",),
                     tuple(f"tests/test_loaders_{name}.py" for name in
                           ("archive", "emnist", "folder", "hasy", "images", "pickle", "source", "mutants")),
                     pytest_args=("-m", "not slow")),
    "flip": Group(("mathdash/augment/flip.py",),
                  ("tests/test_augment_pipeline.py", "tests/test_augment_flip.py")),
    "prepare_drawing": Group(("mathdash/predict.py",),
                             ("tests/test_predict.py", "tests/test_predict_mutants.py"),
                             mutants=tuple(f"mathdash.predict.x_{name}__mutmut_*" for name in
                                           ("prepare_drawing", "_ink_strength", "_check_pixels",
                                            "_ink_from_grey", "_resample", "_redraw")),
                             pytest_args=("-m", "not slow")),
    "evaluate": Group(("mathdash/evaluate.py",),
                      ("tests/test_evaluate.py", "tests/test_evaluate_mutants.py")),
}

# Mutants that survive because they change nothing a caller can see; each was read and judged by hand.
# Keys are mutmut's names (they shift when the function they live in is edited: re-check then).
_INT64_DEFAULT = "numpy's default integer is int64 here: the same array"
_SAME_ARGMAX = "an extra zero column, or scaled counts, never change the argmax"
_NONZERO_PATTERN = "only the graph's non-zero pattern counts for its components"
_RESHAPE_NO_OP = "the inverse of a 1-D array is 1-D: reshape is a no-op"
_NO_WORST = "no worst class only for empty input, which sklearn refuses first"
_LIGHT_CLIP = "(bg - grey) / bg <= 1 for grey >= 0: the upper clip never acts"
_DARK_CLIP = "(grey - bg) / (255 - bg) <= 1: the upper clip never acts"
EQUIVALENT: dict[str, str] = {
    "mathdash.augment.flip.x_flip_targets__mutmut_7": _INT64_DEFAULT,
    "mathdash.augment.flip.x_flip_targets__mutmut_10": _INT64_DEFAULT,
    "mathdash.augment.flip.x_flip_by_label__mutmut_9": "'<' vs '<=' on a draw in [0, 1): differs only on an "
                                                       "exact tie with the probability",
    "mathdash.split.x_sample_groups__mutmut_16": "scipy takes the float index array all the same",
    "mathdash.split.x_sample_groups__mutmut_18": "scipy takes the float index array all the same",
    "mathdash.split.x_sample_groups__mutmut_34": "every row links to itself, so the inferred shape is (n, n)",
    "mathdash.split.x_sample_groups__mutmut_36": "every row links to itself, so the inferred shape is (n, n)",
    "mathdash.split.x_sample_groups__mutmut_38": _NONZERO_PATTERN,
    "mathdash.split.x_sample_groups__mutmut_40": _NONZERO_PATTERN,
    "mathdash.split.x_sample_groups__mutmut_43": "directed with connection='weak' gives the same components",
    "mathdash.split.x_sample_groups__mutmut_45": "directed with connection='weak' gives the same components",
    "mathdash.split.x_sample_groups__mutmut_46": "directed with connection='weak' gives the same components",
    "mathdash.split.x_make_split__mutmut_11": _INT64_DEFAULT,
    "mathdash.split.x_make_split__mutmut_13": _INT64_DEFAULT,
    "mathdash.split.x__first_with_same_value__mutmut_11": _RESHAPE_NO_OP,
    "mathdash.split.x__first_with_same_value__mutmut_13": _RESHAPE_NO_OP,
    "mathdash.split.x__assign_groups__mutmut_6": "an extra empty group gets no rows",
    "mathdash.split.x__assign_groups__mutmut_7": "an empty dataset: the one group gets no rows",
    "mathdash.split.x__assign_groups__mutmut_10": "group ids are dense 0..G-1: bincount is G long anyway",
    "mathdash.split.x__assign_groups__mutmut_12": "group ids are dense 0..G-1: bincount is G long anyway",
    "mathdash.split.x__assign_groups__mutmut_22": "parts are only compared with ==: float 0/1/2 serve",
    "mathdash.split.x__assign_groups__mutmut_24": "parts are only compared with ==: float 0/1/2 serve",
    "mathdash.split.x__deal_class__mutmut_8": "numpy reads the sort kind case-insensitively",
    "mathdash.split.x__deal_class__mutmut_10": "targets scaled by a constant: (t - f) / t keeps its argmax",
    "mathdash.split.x__deal_class__mutmut_18": "the gap rule deals three groups one to each part as well",
    "mathdash.split.x__deal_class__mutmut_19": "the gap rule deals three groups one to each part as well",
    "mathdash.split.x__majority_label__mutmut_6": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_7": "an empty dataset: no group reads the column",
    "mathdash.split.x__majority_label__mutmut_10": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_12": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_17": _SAME_ARGMAX,
    "mathdash.split.x__majority_label__mutmut_24": _SAME_ARGMAX,
    "mathdash.split.x__check_fractions__mutmut_3": "three numbers become float64 either way",
    "mathdash.split.x__check_fractions__mutmut_5": "three numbers become float64 either way",
    "mathdash.evaluate.x_scores_from_labels__mutmut_11": "zero_division's default 'warn' also gives 0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_48": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_107": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_112": _NO_WORST,
    "mathdash.evaluate.x_scores_from_labels__mutmut_71": "macro F1 over classes with support: never 0/0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_74": "macro F1 over classes with support: never 0/0",
    "mathdash.evaluate.x_scores_from_labels__mutmut_80": "classes left out have zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_85": "classes left out have zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_87": "a 0/0 class has zero support: zero weight",
    "mathdash.evaluate.x_scores_from_labels__mutmut_90": "a 0/0 class has zero support: zero weight",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_3": "counts are cast with int() on the way out",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_5": "counts are cast with int() on the way out",
    "mathdash.evaluate.x_most_confused_pairs__mutmut_18": "numpy reads the sort kind case-insensitively",
    "mathdash.evaluate.x_per_class_table__mutmut_13": "pandas reads orient case-insensitively",
    "mathdash.evaluate.x_predict_proba__mutmut_9": "output_shape is (None, K): [1] is [-1]",
    "mathdash.evaluate.x_align_classes__mutmut_5": _INT64_DEFAULT,
    "mathdash.evaluate.x_align_classes__mutmut_7": _INT64_DEFAULT,
    "mathdash.evaluate.x_align_classes__mutmut_13": "any negative marks a missing class (kept: >= 0)",
    "mathdash.evaluate.x_align_classes__mutmut_16": "an empty label array indexes to an empty array",
    "mathdash.predict.x__ink_from_grey__mutmut_8": _LIGHT_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_20": _LIGHT_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_23": _DARK_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_37": _DARK_CLIP,
    "mathdash.predict.x__ink_from_grey__mutmut_18": "on light paper bg >= 128: max(bg, 2) == max(bg, 1)",
    "mathdash.predict.x__ink_from_grey__mutmut_35": "on dark paper 255 - bg > 127: max(., 2) == max(., 1)",
    "mathdash.predict.x__resample__mutmut_26": "a scale of exactly 1 is no resize under either filter",
    "mathdash.predict.x__resample__mutmut_34": "PIL infers mode 'F' from a float32 array",
    "mathdash.predict.x__resample__mutmut_36": "PIL infers mode 'F' from a float32 array",
    "mathdash.predict.x_prepare_drawing__mutmut_41": "one more pixel of padding: the skeleton and the crop "
                                                     "around it are the same",
    "mathdash.predict.x_prepare_drawing__mutmut_47": "fit_to_box's default margin is DEFAULT_MARGIN",
    "mathdash.predict.x__redraw__mutmut_43": "one more pixel of padding: fit_to_box crops it off",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_28": "test rows are distinct: no ties to sort stably",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_30": "test rows are distinct: no ties to sort stably",
    "mathdash.dedup.leakage.x_split_leakage__mutmut_32": "test rows are distinct: no ties to sort stably",
}

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


def run_group(group: str, spec: Group, work_dir: Path, jobs: int, resume: bool = False,
              report_only: bool = False) -> tuple[dict[str, str], float]:
    """Run mutmut for one group (or only read its last run); returns {mutant name: status} and seconds."""
    mutmut = Path(sys.executable).with_name("mutmut")
    folder = work_dir / group if report_only else prepare(group, spec, work_dir, resume)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0",
               MATHDASH_RUNS_DIR=str(folder / "runs"))
    started, returncode = time.perf_counter(), 0
    if not report_only:
        run = subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *spec.mutants], cwd=folder,
                             env=env, capture_output=True, text=True)
        (folder / "mutmut-run.log").write_text(run.stdout + run.stderr)
        returncode = run.returncode
    seconds = time.perf_counter() - started
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=folder, env=env,
                             capture_output=True, text=True)
    statuses = {m["name"]: m["status"] for m in map(STATUS_LINE.match, listing.stdout.splitlines()) if m}
    if spec.mutants:
        statuses = {name: status for name, status in statuses.items()
                    if any(_glob(pattern).match(name) for pattern in spec.mutants)}
    if returncode != 0 or not statuses:
        print(f"mutmut failed for {group} (exit {returncode}); see {folder / 'mutmut-run.log'}")
    return statuses, seconds


def _glob(pattern: str) -> re.Pattern:
    return re.compile(re.escape(pattern).replace(r"\*", ".*") + "$")


def module_of(name: str) -> str:
    """``mathdash.split.x_make_split__mutmut_3`` -> ``mathdash/split.py``."""
    dotted = name.split("__mutmut_")[0].rsplit(".", 1)[0]
    dotted = re.sub(r"\.x[ǁ_].*$", "", dotted) if "ǁ" in dotted else dotted
    path = dotted.replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def score_table(statuses: dict[str, str]) -> list[tuple[str, Counter]]:
    per_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in statuses.items():
        counts = per_module[module_of(name)]
        counts["equivalent" if status == "survived" and name in EQUIVALENT else status] += 1
    return sorted(per_module.items())


def killed_share(counts: Counter) -> float:
    """Killed (a test failed, or it timed out) over all mutants that ran."""
    ran = sum(counts.values()) - counts["skipped"] - counts["not checked"]
    return (counts["killed"] + counts["timeout"]) / ran if ran else 0.0


def print_scores(results: dict[str, tuple[dict[str, str], float]], survivors: bool = True) -> None:
    header = f"{'module':36} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} {'no tests':>8} " \
             f"{'score':>6} {'w/o equiv.':>10} {'not run':>7}"
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
                   if status not in ("killed", "timeout", "not checked") and name not in EQUIVALENT)
    if survivors and alive:
        print("\nnot killed (inspect with `mutmut show NAME` in the group's scratch folder):")
        for name in alive:
            print(f"  {name}: {next(s[name] for s, _ in results.values() if name in s)}")


def _row(label: str, counts: Counter) -> str:
    """Scores over the mutants that ran; 'not checked' ones (an interrupted run) are counted apart."""
    counts = Counter(counts)
    unrun = counts.pop("not checked", 0)
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]
    plain = killed / total if total else 0.0
    without = killed / (total - counts["equivalent"]) if total > counts["equivalent"] else 0.0
    return (f"{label:36} {total:7} {killed:6} {counts['survived']:8} {counts['equivalent']:6} "
            f"{counts['no tests']:8} {plain:6.1%} {without:10.1%} {unrun:7}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups: {', '.join(GROUPS)}")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "mathdash-mutation")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted run's scratch copy instead of starting afresh")
    parser.add_argument("--report", action="store_true", help="only print the scores of the last run")
    parser.add_argument("--mutants", default="", help="comma-separated mutmut name globs, e.g. "
                        "'mathdash.dedup.leakage.*' (default: each group's own)")
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    results = {}
    for name in names:
        spec = GROUPS[name]
        if args.mutants:
            globs = tuple(glob.strip() for glob in args.mutants.split(",") if glob.strip())
            spec = replace(spec, mutants=globs)
        results[name] = run_group(name, spec, args.work_dir, args.jobs, args.resume, args.report)
        print_scores({name: results[name]}, survivors=False)  # as it goes: a long run may be cut short
    print()
    print_scores(results)
    return 0 if all(killed_share(Counter(s.values())) >= GOAL_KILLED for s, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
