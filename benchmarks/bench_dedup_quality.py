"""Duplicate-finding quality on sets with known copies: pixel-verified (default) and hash-only.

Verified mode (``--mode verified``): one row at the candidate threshold, with recall and
precision per copy kind (exact, jpeg, shift, contrast, mislabel), pair precision/recall, how many
distinct drawings of the simple symbols (-, 1, |, comma, prime) and of the worst class are wrongly
merged, and how many pairs were candidates and verified. Hash mode (``--mode hash``): the same per
Hamming threshold 0..12 (the old route; its default threshold was chosen from it).

Run: ``.venv/bin/python benchmarks/bench_dedup_quality.py [--mode verified|hash] [--data builtin]
[--small] [--methods all] [--max-threshold 12] [--imagededup 0,4,10]``.
``--data``: ``builtin`` (the shipped set), a generator scale (``default``, ``kaggle``, a number),
or ``crohme[:PATH]`` (real handwriting, ``../shared/crohme/inkml`` by default, with copies injected:
exact, JPEG q70, 1-px shift, contrast, exact copy under another class; says so when absent).
``--imagededup T,...``: imagededup's PHash ``find_duplicates`` on the same images at those
thresholds, scored by its pairs (it lists each image's duplicates; it does not group).

On CROHME each original carries the recording of its pen strokes, so the verified mode never groups
two originals however alike their pixels; the copies are pixels only and carry none.

Definitions (a "family" is an original with its copies; a copy of an original that is
pixel-identical to another original, as many writers' plain bars are, belongs to the family of
whichever of those originals it was grouped with: nothing in its pixels can tell them apart, and
the count of copies so credited is printed; with recordings, a second line also credits near twins,
originals correlating at least 0.999 with the copy's own, see ``credit_near_twins``):
  recall[kind]     share of kind's copies grouped with their original;
  precision[kind]  over the group-mates of kind's copies, the share from the same family;
  pairs P / R      same-group pairs that are same-family / same-family pairs that share a group;
  merged[class]    share of the class's distinct originals whose group holds another original.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup_sets import load_ground_truth  # noqa: E402
from mathdash.dedup import (  # noqa: E402
    CANDIDATE_THRESHOLD,
    DEFAULT_THRESHOLD,
    HASH_METHODS,
    exact_digests,
    find_duplicate_groups,
    hash_distinct_images,
)
from mathdash.symbols import label  # noqa: E402

__all__ = ["credit_twins", "keep_some_families", "load_ground_truth", "score"]

KINDS = ("exact", "jpeg", "shift", "contrast", "mislabel")
SIMPLE_SYMBOLS = ("-", "1", "ascii_124", ",", "prime")
MAX_THRESHOLD = 12
SMALL_SHARE = 0.25  # --small: keep this share of the families
NEAR_TWIN = 0.999  # originals correlating this well are closer to each other than a JPEG copy is to either


def keep_some_families(root: np.ndarray, share: float, seed: int = 0) -> np.ndarray:
    """Row indices of a random share of the families (each kept whole)."""
    families = np.unique(root)
    chosen = np.random.default_rng(seed).choice(families, size=int(len(families) * share), replace=False)
    return np.flatnonzero(np.isin(root, chosen))


def credit_twins(group: np.ndarray, root: np.ndarray, digests: np.ndarray) -> tuple[np.ndarray, int]:
    """(root with each copy moved to a pixel-identical twin of its original it was grouped with, count).

    A copy grouped apart from its original, in a group holding another original with exactly the
    original's pixels, is credited to that original (the first such, by index).
    """
    originals = np.flatnonzero(root == np.arange(len(root)))
    _, code = np.unique(digests, return_inverse=True)
    code = code.ravel().astype(np.int64)
    key = group.astype(np.int64) * (code.max(initial=0) + 1) + code
    original_keys, first = np.unique(key[originals], return_index=True)
    copies = np.flatnonzero((root != np.arange(len(root))) & (group != group[root]))
    wanted = group[copies].astype(np.int64) * (code.max(initial=0) + 1) + code[root[copies]]
    place = np.clip(np.searchsorted(original_keys, wanted), 0, max(len(original_keys) - 1, 0))
    found = (original_keys[place] == wanted) if len(original_keys) else np.zeros(len(copies), bool)
    credited = root.copy()
    credited[copies[found]] = originals[first[place[found]]]
    return credited, int(found.sum())


def credit_near_twins(group: np.ndarray, root: np.ndarray, images: np.ndarray,
                      floor: float = NEAR_TWIN) -> tuple[np.ndarray, int]:
    """Like ``credit_twins``, for twins that are near, not identical: a copy grouped apart from its
    original, with another original whose pixels correlate at least ``floor`` with its own
    original's (best shift of up to 2 px), is credited to that one. Such originals (writers' plain
    bars, which differ in a few end pixels) are closer to each other than a JPEG copy is
    to either, so no measure of the copy's pixels can choose between them.
    """
    from mathdash.dedup.verify import pixel_similarity

    originals = root == np.arange(len(root))
    copies = np.flatnonzero(~originals & (group != group[root]))
    members = np.flatnonzero(originals & np.isin(group, group[copies]))
    by_group = {}
    for o in members:
        by_group.setdefault(int(group[o]), []).append(int(o))
    pairs = np.array([(root[c], o, c) for c in copies for o in by_group.get(int(group[c]), [])],
                     dtype=np.int64).reshape(-1, 3)
    credited = root.copy()
    if not len(pairs):
        return credited, 0
    similarity, _ = pixel_similarity(images, pairs[:, :2])
    near = pairs[similarity >= floor]
    credited[near[:, 2]] = near[:, 1]
    return credited, len(np.unique(near[:, 2]))


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
        if name is not None and name not in class_names:
            figures[f"merged {name}"] = float("nan")
            continue
        mask = originals if name is None else originals & (labels == class_names.index(name))
        figures[f"merged {name or 'all'}"] = _share(merged[mask].sum(), mask.sum())
    per_class = (np.bincount(labels[originals & merged], minlength=len(class_names))
                 / np.maximum(np.bincount(labels[originals], minlength=len(class_names)), 1))
    figures["merged worst"] = float(per_class.max()) if len(per_class) else float("nan")
    figures["worst class"] = class_names[int(per_class.argmax())] if len(per_class) else ""
    figures["removed"] = len(group) - len(np.unique(group))
    return figures


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def print_tables(method: str, rows: dict[int, dict[str, float]], true_removed: int) -> None:
    print(f"\n== hash only, {method}: recall by kind / pair precision and recall / images removed "
          f"(truth: {true_removed:,} copies) ==")
    _table(rows, [f"recall {k}" for k in KINDS] + ["pair precision", "pair recall", "removed"],
           [*KINDS, "pair P", "pair R", "removed"])
    print(f"\n== {method}: precision by kind (share of a copy's group-mates that are its family) ==")
    _table(rows, [f"precision {k}" for k in KINDS], list(KINDS))
    print(f"\n== {method}: distinct originals wrongly merged (share of the class's originals) ==")
    _table(rows, [f"merged {s}" for s in (*SIMPLE_SYMBOLS, "all")],
           [label(s) for s in SIMPLE_SYMBOLS] + ["all classes"])


def _table(rows: dict[int, dict[str, float]], keys: list[str], headers: list[str], marker: bool = True,
           digits: int = 3) -> None:
    width = max(9, *(len(h) + 1 for h in headers))
    print("  t " + "".join(f"{h:>{width}}" for h in headers))
    for threshold, figures in rows.items():
        cells = [f"{figures[k]:>{width},}" if k == "removed" else f"{figures[k]:>{width}.{digits}f}"
                 for k in keys]
        note = " <- default" if marker and threshold == DEFAULT_THRESHOLD else ""
        print(f"{threshold:>3} " + "".join(cells) + note)


def print_verified(method: str, threshold: int, figures: dict[str, float], report, true_removed: int) -> None:
    """The verified mode's one row, as three small tables."""
    stats = report.timings
    print(f"\n== verified ({method} candidates within {threshold} bits, pixel correlation >= "
          f"{report.min_similarity}): {sum(stats.values()):.1f} s ==")
    rows = {threshold: figures}
    _table(rows, [f"recall {k}" for k in KINDS] + ["pair precision", "pair recall", "removed"],
           [*KINDS, "pair P", "pair R", "removed"], marker=False, digits=4)
    print(f"  (truth: {true_removed:,} copies)")
    _table(rows, [f"precision {k}" for k in KINDS], [f"P {k}" for k in KINDS], marker=False, digits=4)
    _table(rows, [f"merged {s}" for s in (*SIMPLE_SYMBOLS, "all", "worst")],
           [f"merged {label(s)}" for s in SIMPLE_SYMBOLS] + ["merged all", "worst class"],
           marker=False, digits=4)
    worst = label(figures["worst class"]) if figures["merged worst"] > 0 else "none merged"
    print(f"  worst class: {worst}; stages: "
          + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stats.items()))


def compare_imagededup(images: np.ndarray, root: np.ndarray, kind: np.ndarray, thresholds: list[int]) -> None:
    """imagededup's PHash find_duplicates on the same images, scored by its pairs (guarded)."""
    from dedup_imagededup import available, imagededup_pairs, score_pairs

    reason = available()
    if reason:
        print(f"\nimagededup comparison skipped: {reason}")
        return
    print("\n== imagededup PHash find_duplicates, scored by its pairs ==")
    for threshold in thresholds:
        pairs, seconds = imagededup_pairs(images, threshold)
        figures = score_pairs(pairs, root, kind, KINDS)
        print(f"  t={threshold:>2}: {figures['pairs']:,} pairs, pair P {figures['pair precision']:.4f}, "
              f"pair R {figures['pair recall']:.4f}, "
              + ", ".join(f"{k} {figures[f'recall {k}']:.3f}" for k in KINDS)
              + f"; encoding {seconds['encoding']:.1f} s, search {seconds['search']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["verified", "hash"], default="verified")
    parser.add_argument("--small", action="store_true", help=f"keep {SMALL_SHARE:.0%} of the families")
    parser.add_argument("--methods", default="phash", help="comma-separated hash methods, or 'all'")
    parser.add_argument("--max-threshold", type=int, default=MAX_THRESHOLD,
                        help="hash mode: thresholds 0..this")
    parser.add_argument("--threshold", type=int, default=CANDIDATE_THRESHOLD,
                        help="verified mode: candidate bits")
    parser.add_argument("--data", "--scale", dest="data", default="builtin",
                        help="builtin, a generator scale (default, kaggle, a number), or crohme[:PATH]")
    parser.add_argument("--imagededup", default="", help="comma-separated thresholds for imagededup's PHash")
    args = parser.parse_args()
    methods = HASH_METHODS if args.methods == "all" else tuple(args.methods.split(","))
    images, labels, class_names, root, kind, recordings = load_ground_truth(args.data)
    if args.small:
        rows = keep_some_families(root, SMALL_SHARE)
        images, labels, kind = images[rows], labels[rows], kind[rows]
        recordings = None if recordings is None else recordings[rows]
        root = np.searchsorted(rows, root[rows])
        print(f"--small: {len(rows):,} images in {len(np.unique(root)):,} families")
    digests = exact_digests(images)
    true_removed = len(root) - len(np.unique(root))
    for method in methods:
        started = time.perf_counter()
        hashes = hash_distinct_images(images, method, digests)
        if args.mode == "verified":
            report = find_duplicate_groups(images, labels, method=method, threshold=args.threshold,
                                           hashes=hashes, digests=digests, recordings=recordings)
            families, credited = credit_twins(report.group, root, digests)
            print_verified(method, args.threshold, score(report.group, families, kind, labels, class_names),
                           report, true_removed)
            print(f"  copies credited to a pixel-identical twin of their original: {credited:,}")
            if recordings is not None:  # only recorded originals can be near twins kept apart
                near, count = credit_near_twins(report.group, families, images)
                lenient = score(report.group, near, kind, labels, class_names)
                print(f"  also crediting {count:,} copies to a near twin of their original (pixel correlation >= "
                      f"{NEAR_TWIN}): " + ", ".join(f"{name} {lenient['recall ' + name]:.4f}" for name in KINDS)
                      + f", pair P {lenient['pair precision']:.4f}, pair R {lenient['pair recall']:.4f}")
            continue
        results = {}
        for threshold in range(args.max_threshold + 1):
            report = find_duplicate_groups(images, labels, method=method, threshold=threshold,
                                           hashes=hashes, digests=digests, mode="hash")
            families, _ = credit_twins(report.group, root, digests)
            results[threshold] = score(report.group, families, kind, labels, class_names)
        print_tables(method, results, true_removed)
        print(f"({method}: {time.perf_counter() - started:.1f} s for hashing and {len(results)} groupings)")
    if args.imagededup:
        compare_imagededup(images, root, kind, [int(t) for t in args.imagededup.split(",")])


if __name__ == "__main__":
    main()
