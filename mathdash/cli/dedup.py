"""``python -m mathdash dedup SOURCE``: find exact and near-duplicate images, report, export a clean set.

Prints a summary table, writes the full report as JSON (``--out``, with every skipped file and
its reason), the deduplicated set (``--export``) and, with ``--test-source``, how many test images
have a duplicate in SOURCE. Pairs are verified by their pixels unless ``--mode hash``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from mathdash.cli.progress import progress_bar
from mathdash.dataset import Dataset
from mathdash.dedup import (
    CANDIDATE_THRESHOLD,
    DEFAULT_METHOD,
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_MODE,
    DEFAULT_THRESHOLD,
    HASH_METHODS,
    MODES,
    DuplicateReport,
    LeakageReport,
    find_duplicate_groups,
    hash_distinct_images,
    leakage_from_hashes,
    remove_duplicates,
    verified_leakage,
)
from mathdash.symbols import label

SHOWN_CLASSES = 15  # classes listed in the table, most duplicated first
SHOWN_CONFLICTS = 5  # label-conflict groups listed with a few of their images
SHOWN_MEMBERS = 3  # images named per listed conflict (those filed under another class than the kept one)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dedup`` subcommand."""
    parser = subparsers.add_parser("dedup", help="find duplicate images, label conflicts and leakage",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a path, or builtin:symbols / builtin:digits")
    parser.add_argument("--kind", default="auto", help="loader kind of SOURCE (default: detect)")
    parser.add_argument("--hash", choices=HASH_METHODS, default=DEFAULT_METHOD, dest="method")
    parser.add_argument("--mode", choices=MODES, default=DEFAULT_MODE,
                        help="verified: hash candidates kept only when their pixels agree after the best "
                             "shift of up to 2 px (default); hash: hashes within --threshold alone, grouped "
                             "transitively")
    parser.add_argument("--threshold", type=int, default=None,
                        help=f"Hamming distance (bits): of candidates in verified mode (default "
                             f"{CANDIDATE_THRESHOLD}), of duplicates in hash mode "
                             f"(default {DEFAULT_THRESHOLD})")
    parser.add_argument("--min-similarity", type=float, default=DEFAULT_MIN_SIMILARITY,
                        help=f"verified mode: smallest pixel correlation of a duplicate pair "
                             f"(default {DEFAULT_MIN_SIMILARITY})")
    parser.add_argument("--out", help="write the full report as JSON here")
    parser.add_argument("--export", help="write the deduplicated set: a folder of class folders, or a .npz")
    parser.add_argument("--format", choices=["png", "jpg"], default="png", help="image format of --export")
    parser.add_argument("--test-source", help="a second source (e.g. a test folder) checked for leakage")
    parser.add_argument("--trust", action="store_true", help="allow opening a pickle (it can run code)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, group, print the summary, then write the report, export and leakage as asked."""
    dataset = _load(args.source, args.kind, args.trust)
    with progress_bar("hashing") as progress:
        report = find_duplicate_groups(dataset, method=args.method, threshold=args.threshold,
                                       progress=progress, mode=args.mode, min_similarity=args.min_similarity)
    print_summary(dataset, report)
    document = {"source": args.source, "skipped": _skipped(dataset), **report.to_dict()}
    if args.test_source:
        test, leakage = _leakage(dataset, report, args)
        print_leakage(leakage, args.source, args.test_source)
        document["leakage"] = {"test_source": args.test_source, "skipped": _skipped(test),
                               **leakage.to_dict()}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(document, indent=1, ensure_ascii=False))
        print(f"wrote the report to {args.out}")
    if args.export:
        _export(remove_duplicates(dataset, report), args.export, args.format)
    return 0


def print_summary(dataset: Dataset, report: DuplicateReport) -> None:
    """The headline table, the most duplicated classes and the first label conflicts."""
    summary = report.summary()
    timings = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in report.timings.items())
    rows = [
        ("images", f"{summary['images']:,}"),
        ("unique (kept)", f"{summary['unique']:,}"),
        ("removed", f"{summary['removed']:,} ({summary['exact_copies_removed']:,} pixel-identical)"),
        ("duplicate groups", f"{summary['groups']:,} (largest {summary['largest_group']:,})"),
        ("label conflicts",
         f"{summary['label_conflicts']:,} groups, {summary['images_in_conflicts']:,} images"),
        ("seconds", f"{sum(report.timings.values()):.2f} ({timings})"),
    ]
    if report.mode == "verified":
        print(f"{dataset.name}: verified, {report.method} candidates within {report.threshold} bits kept "
              f"when their pixels correlate >= {report.min_similarity} "
              "(every member matches its group's anchor)")
    else:
        print(f"{dataset.name}: hash only, {report.method}, threshold {report.threshold} bits "
              "(groups are transitive: A~B and B~C put A, B, C together)")
    for name, value in rows:
        print(f"  {name:<18} {value}")
    _print_classes(report)
    _print_conflicts(report)


def print_leakage(leakage: LeakageReport, train_source: str, test_source: str) -> None:
    """One line: how many test images have a duplicate in the training source."""
    print(f"leakage: {leakage.count:,} of {leakage.n_test:,} images in {test_source} "
          f"({leakage.fraction:.1%}) have a duplicate in {train_source}")


def _print_classes(report: DuplicateReport) -> None:
    table = sorted(report.class_table(), key=lambda row: -row["removed"])
    shown = [row for row in table if row["removed"]][:SHOWN_CLASSES]
    if not shown:
        return
    print(f"  {'class':<22} {'before':>8} {'after':>8} {'removed':>8}")
    for row in shown:
        print(f"  {label(row['class']):<22} {row['before']:>8,} {row['after']:>8,} {row['removed']:>8,}")
    hidden = sum(1 for row in table if row["removed"]) - len(shown)
    if hidden > 0:
        print(f"  ... and {hidden} more classes with duplicates (all in --out)")


def _print_conflicts(report: DuplicateReport) -> None:
    for members in report.conflicts[:SHOWN_CONFLICTS]:
        described = report.group_members(members)
        kept = next(m for m in described if m["kept"])
        classes = Counter(m["class"] for m in described)
        examples = [m for m in described if m["class"] != kept["class"]][:SHOWN_MEMBERS]
        print(f"  conflict, group {report.group[members[0]]} ({len(members)} images): "
              + ", ".join(f"{label(name)} x{count}" for name, count in classes.most_common())
              + f"; kept {label(kept['class'])}; e.g. "
              + ", ".join(f"{m.get('source', m['index'])} as {label(m['class'])}" for m in examples))
    if len(report.conflicts) > SHOWN_CONFLICTS:
        print(f"  ... and {len(report.conflicts) - SHOWN_CONFLICTS} more conflicts (all in --out)")


def _leakage(dataset: Dataset, report: DuplicateReport,
             args: argparse.Namespace) -> tuple[Dataset, LeakageReport]:
    test = _load(args.test_source, "auto", args.trust)
    with progress_bar("hashing the test source") as progress:
        test_hashes = hash_distinct_images(test.images, report.method, progress=progress)
    if report.mode == "verified":
        return test, verified_leakage(dataset.images, test.images, report.hashes, test_hashes,
                                      report.threshold, report.min_similarity, report.method)
    return test, leakage_from_hashes(report.hashes, test_hashes, report.threshold, report.method)


def _skipped(dataset: Dataset) -> list[dict[str, str]]:
    """Every file the loader skipped, with its reason (``[{"path", "reason"}]``)."""
    return dataset.report.to_dict()["skipped"]


def _load(source: str, kind: str, trust: bool) -> Dataset:
    from mathdash.loaders import load_source

    with progress_bar(f"loading {source}") as progress:
        dataset = load_source(source, kind=kind, progress=progress, trust=trust)
    if dataset.report.skipped:
        print(f"{source}: skipped {len(dataset.report.skipped):,} unreadable files "
              "(each with its reason in --out)")
    return dataset


def _export(cleaned: Dataset, target: str, fmt: str) -> None:
    from mathdash.loaders import save_npz, write_folder

    if target.endswith(".npz"):
        save_npz(cleaned, target)
        print(f"wrote {len(cleaned):,} kept images to {target}")
        return
    with progress_bar("writing") as progress:
        written = write_folder(cleaned, target, fmt=fmt, progress=progress)
    print(f"wrote {sum(written.values()):,} kept images in {len(written)} class folders to {target}")
