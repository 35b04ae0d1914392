"""Duplicate-finding quality on the built-in set's injected duplicates, threshold by threshold.

For each hash method and Hamming threshold 0..12: recall and precision per duplicate kind (exact,
jpeg, shift, contrast, mislabel), pair precision/recall overall, and how often distinct samples of
simple symbols (-, 1, |, comma, prime) are wrongly merged. The default threshold is chosen from it.

Run: ``.venv/bin/python benchmarks/bench_dedup_quality.py [--small] [--methods all] [--scale kaggle]
[--max-threshold 12]`` (at Kaggle scale, thresholds past 8 chain nearly every image together and
the search slows to minutes; ``--max-threshold 8`` keeps it short).

Definitions (groups are transitive, as the cleaning uses them; a "family" is an original with
its injected copies):
  recall[kind]     share of kind's copies grouped with their original;
  precision[kind]  over the group-mates of kind's copies, the share from the same family;
  pairs P / R      same-group pairs that are same-family / same-family pairs that share a group;
  merged[class]    share of the class's distinct originals whose group holds another original.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mathdash.dedup import (  # noqa: E402
    DEFAULT_THRESHOLD,
    HASH_METHODS,
    exact_digests,
    find_duplicate_groups,
    hash_distinct_images,
)
from mathdash.symbols import label  # noqa: E402

KINDS = ("exact", "jpeg", "shift", "contrast", "mislabel")
SIMPLE_SYMBOLS = ("-", "1", "ascii_124", ",", "prime")
MAX_THRESHOLD = 12
SMALL_SHARE = 0.25  # --small: keep this share of the families


def load_ground_truth(scale: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(images, labels, class_names, family root per image, duplicate kind per image).

    ``builtin`` reads the shipped set; a generator scale is generated once and kept as an .npz in
    ``$MATHDASH_CACHE_DIR`` (default ``artifacts/cache``), since the Kaggle scale takes minutes.
    """
    started = time.perf_counter()
    arrays = _shipped_set() if scale == "builtin" else _generated_set(scale)
    duplicate_of = arrays["duplicate_of"].astype(np.int64)
    root = np.where(duplicate_of >= 0, duplicate_of, np.arange(len(duplicate_of)))
    if np.any(duplicate_of[root] >= 0):
        raise SystemExit("ground truth has copies of copies; this benchmark expects copies of originals")
    print(f"{arrays['name']}: {len(root):,} images, {int((duplicate_of < 0).sum()):,} originals, "
          f"loaded in {time.perf_counter() - started:.1f} s")
    return (arrays["images"], arrays["labels"], [str(n) for n in arrays["class_names"]], root,
            arrays["duplicate_kind"].astype(str))


def _shipped_set() -> dict[str, np.ndarray]:
    from mathdash.loaders import load_source

    return _as_arrays(load_source("builtin:symbols"))


def _generated_set(scale: str) -> dict[str, np.ndarray]:
    path = Path(os.environ.get("MATHDASH_CACHE_DIR", "artifacts/cache")) / f"bench_dedup_{scale}.npz"
    if not path.exists():
        from mathdash.synth import generate_dataset

        started = time.perf_counter()
        dataset = generate_dataset(seed=0, scale=scale if scale in ("default", "kaggle") else int(scale))
        print(f"generated {len(dataset):,} images in {time.perf_counter() - started:.0f} s; kept in {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **_as_arrays(dataset))
    with np.load(path) as stored:
        return {key: stored[key] for key in stored.files}


def _as_arrays(dataset) -> dict[str, np.ndarray]:
    return {"images": dataset.images, "labels": dataset.labels, "class_names": np.array(dataset.class_names),
            "duplicate_of": np.asarray(dataset.extras["duplicate_of"]),
            "duplicate_kind": np.asarray(dataset.extras["duplicate_kind"]).astype(str),
            "name": np.array(dataset.name)}


def keep_some_families(root: np.ndarray, share: float, seed: int = 0) -> np.ndarray:
    """Row indices of a random share of the families (each kept whole)."""
    families = np.unique(root)
    chosen = np.random.default_rng(seed).choice(families, size=int(len(families) * share), replace=False)
    return np.flatnonzero(np.isin(root, chosen))


def score(group: np.ndarray, root: np.ndarray, kind: np.ndarray, labels: np.ndarray,
          class_names: list[str]) -> dict[str, float]:
    """All figures for one grouping (see the module docstring)."""
    group_size = np.bincount(group)[group]
    family_key = group.astype(np.int64) * (root.max() + 1) + root
    family_in_group = np.unique(family_key, return_inverse=True, return_counts=True)
    same_family_mates = family_in_group[2][family_in_group[1]] - 1
    figures: dict[str, float] = {}
    for name in KINDS:
        copies = np.flatnonzero(kind == name)
        mates = (group_size[copies] - 1).sum()
        figures[f"recall {name}"] = _share((group[copies] == group[root[copies]]).sum(), len(copies))
        figures[f"precision {name}"] = _share(same_family_mates[copies].sum(), mates)
    in_group_pairs = (group_size - 1).sum() / 2
    true_in_group = same_family_mates.sum() / 2
    family_size = np.bincount(root)[root]
    figures["pair precision"] = _share(true_in_group, in_group_pairs)
    figures["pair recall"] = _share(true_in_group, (family_size - 1).sum() / 2)
    originals = root == np.arange(len(root))
    originals_in_group = np.bincount(group[originals], minlength=group.max() + 1)
    merged = originals & (originals_in_group[group] > 1)
    for name in (*SIMPLE_SYMBOLS, None):
        mask = originals if name is None else originals & (labels == class_names.index(name))
        figures[f"merged {name or 'all'}"] = _share(merged[mask].sum(), mask.sum())
    figures["removed"] = len(group) - len(np.unique(group))
    return figures


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def print_tables(method: str, rows: dict[int, dict[str, float]], true_removed: int) -> None:
    print(f"\n== {method}: recall by kind / pair precision and recall / images removed "
          f"(truth: {true_removed:,} copies) ==")
    _table(rows, [f"recall {k}" for k in KINDS] + ["pair precision", "pair recall", "removed"],
           [*KINDS, "pair P", "pair R", "removed"])
    print(f"\n== {method}: precision by kind (share of a copy's group-mates that are its family) ==")
    _table(rows, [f"precision {k}" for k in KINDS], list(KINDS))
    print(f"\n== {method}: distinct originals wrongly merged (share of the class's originals) ==")
    _table(rows, [f"merged {s}" for s in (*SIMPLE_SYMBOLS, "all")],
           [label(s) for s in SIMPLE_SYMBOLS] + ["all classes"])


def _table(rows: dict[int, dict[str, float]], keys: list[str], headers: list[str]) -> None:
    width = max(9, *(len(h) + 1 for h in headers))
    print("  t " + "".join(f"{h:>{width}}" for h in headers))
    for threshold, figures in rows.items():
        cells = [f"{figures[k]:>{width},}" if k == "removed" else f"{figures[k]:>{width}.3f}" for k in keys]
        marker = " <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(f"{threshold:>3} " + "".join(cells) + marker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help=f"keep {SMALL_SHARE:.0%} of the families")
    parser.add_argument("--methods", default="phash", help="comma-separated hash methods, or 'all'")
    parser.add_argument("--max-threshold", type=int, default=MAX_THRESHOLD, help="thresholds 0..this")
    parser.add_argument("--scale", default="builtin",
                        help="builtin (the shipped set), or a generator scale: default, kaggle, a number")
    args = parser.parse_args()
    methods = HASH_METHODS if args.methods == "all" else tuple(args.methods.split(","))
    images, labels, class_names, root, kind = load_ground_truth(args.scale)
    if args.small:
        rows = keep_some_families(root, SMALL_SHARE)
        images, labels, kind = images[rows], labels[rows], kind[rows]
        root = np.searchsorted(rows, root[rows])
        print(f"--small: {len(rows):,} images in {len(np.unique(root)):,} families")
    digests = exact_digests(images)
    true_removed = len(root) - len(np.unique(root))
    for method in methods:
        started = time.perf_counter()
        hashes = hash_distinct_images(images, method, digests)
        results = {}
        for threshold in range(args.max_threshold + 1):
            report = find_duplicate_groups(images, labels, method=method, threshold=threshold,
                                           hashes=hashes, digests=digests)
            results[threshold] = score(report.group, root, kind, labels, class_names)
        print_tables(method, results, true_removed)
        seconds = time.perf_counter() - started
        print(f"({method}: {seconds:.1f} s for hashing and {len(results)} groupings)")


if __name__ == "__main__":
    main()
