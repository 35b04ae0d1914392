"""Duplicate finding at Kaggle scale: the verified route (default) against the hash-only route, ~376k images.

Times both routes end to end (digests, hashing, candidates and pixel verification or search,
grouping) and prints the ratio. On a 20,000-image subset it also times the naive route (imagehash per
image, then comparing hash objects pair by pair) and imagededup's PHash ``find_duplicates``
(guarded: skipped, saying why, when imagededup is not importable).

Run: ``.venv/bin/python benchmarks/bench_dedup_speed.py [--small] [--data kaggle|tiled|builtin]``.
Goal: the verified route on the Kaggle-scale set in at most 30 s on 2 cores.

Data: ``kaggle`` generates the built-in set at Kaggle scale (376,440 files, ~83k distinct drawings,
the rest copies) once and keeps it as an .npz in ``$MATHDASH_CACHE_DIR``; ``tiled`` repeats the shipped
built-in set, each repeat shifted by one pixel and re-inked, to the same size (no generation);
``builtin`` is the shipped set itself (34,881 images; what ``--small`` uses).
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
    DEFAULT_METHOD,
    DEFAULT_THRESHOLD,
    exact_digests,
    find_duplicate_groups,
    hash_images,
)

GOAL_SECONDS = 30.0
KAGGLE_FILES = 376_440
NAIVE_SUBSET = 20_000
NAIVE_PAIR_SAMPLE = 300_000  # pairs actually compared by the naive route; the rest extrapolated
SMALL_NAIVE_SUBSET = 2_000
OTHER_THRESHOLDS = (2, 4, 6)  # the search does real work above 0 bits; timed for reference


def benchmark_images(kind: str, files: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, description) of the benchmark set: generated, tiled or the shipped one."""
    if kind == "tiled":
        return _tiled(files)
    from bench_dedup_quality import load_ground_truth  # the same cached sets as the quality benchmark

    scale = "builtin" if kind == "builtin" else "kaggle" if files == KAGGLE_FILES else str(files)
    images, labels, *_ = load_ground_truth(scale)
    if kind == "builtin":
        return images, labels, "the shipped built-in set"
    return images, labels, f"the built-in set generated at scale {scale}"


def _tiled(files: int) -> tuple[np.ndarray, np.ndarray, str]:
    from mathdash.loaders import load_source

    base = load_source("builtin:symbols")
    rng = np.random.default_rng(0)
    repeats = -(-files // len(base))
    tiles = [base.images]
    for _ in range(repeats - 1):
        shifted = np.roll(base.images, shift=tuple(rng.integers(-1, 2, 2)), axis=(1, 2))
        tiles.append(np.clip(shifted.astype(np.int16) - rng.integers(0, 20), 0, 255).astype(np.uint8))
    images = np.concatenate(tiles)[:files]
    labels = np.tile(base.labels, repeats)[:files]
    return images, labels, f"built-in set ({len(base):,}) tiled {repeats}x with 1-pixel shifts and re-inking"


def time_batched(images: np.ndarray, labels: np.ndarray, threshold: int | None, mode: str = "hash",
                 **cached) -> tuple[float, object]:
    """Seconds for the whole route, the way the CLI and the page run it.

    ``cached`` may pass ``hashes`` and ``digests`` to time the later stages alone.
    """
    started = time.perf_counter()
    report = find_duplicate_groups(images, labels, method=DEFAULT_METHOD, threshold=threshold, mode=mode,
                                   **cached)
    seconds = time.perf_counter() - started
    stages = ", ".join(f"{stage} {s:.2f} s" for stage, s in report.timings.items())
    print(f"  {mode}, threshold {report.threshold}: {len(images):,} images -> {report.n_kept:,} kept, "
          f"{len(report.groups):,} groups (largest {report.summary()['largest_group']:,}): "
          f"{seconds:.2f} s ({stages})")
    return seconds, report


def time_naive(images: np.ndarray, threshold: int, rng: np.random.Generator) -> float:
    """Seconds for imagehash per image plus every pair compared as hash objects (extrapolated)."""
    import imagehash
    from PIL import Image

    started = time.perf_counter()
    hashes = [imagehash.phash(Image.fromarray(image)) for image in images]
    hashing = time.perf_counter() - started
    count = len(hashes)
    all_pairs = count * (count - 1) // 2
    sample = min(NAIVE_PAIR_SAMPLE, all_pairs)
    first = rng.integers(0, count, sample)
    second = (first + rng.integers(1, count, sample)) % count
    started = time.perf_counter()
    matches = sum(1 for i, j in zip(first.tolist(), second.tolist()) if hashes[i] - hashes[j] <= threshold)
    per_pair = (time.perf_counter() - started) / sample
    comparing = per_pair * all_pairs
    print(f"  imagehash.phash per image: {hashing:.1f} s for {count:,} images")
    print(f"  pairwise 'h1 - h2 <= {threshold}': {per_pair * 1e6:.2f} us per pair, timed on {sample:,} "
          f"random pairs ({matches} matched), extrapolated to all {all_pairs:,} pairs: {comparing:,.0f} s")
    _check_same_hashes(images, hashes)
    return hashing + comparing


def _check_same_hashes(images: np.ndarray, naive: list) -> None:
    batched = hash_images(images, DEFAULT_METHOD)
    expected = np.array([int(str(h), 16) for h in naive], dtype=np.uint64)
    same = int((batched == expected).sum())
    print(f"  batched hashes equal to imagehash's: {same:,} of {len(images):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help=f"the shipped built-in set and a {SMALL_NAIVE_SUBSET:,}-image naive subset")
    parser.add_argument("--data", choices=["kaggle", "tiled", "builtin"], default=None,
                        help="kaggle (default), tiled, or builtin (default with --small)")
    parser.add_argument("--files", type=int, default=KAGGLE_FILES, help="images for kaggle/tiled data")
    parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    data = args.data or ("builtin" if args.small else "kaggle")
    subset_size = SMALL_NAIVE_SUBSET if args.small else NAIVE_SUBSET
    images, labels, description = benchmark_images(data, args.files)
    print(f"data: {description}: {len(images):,} images {images.shape[1]}x{images.shape[2]}, "
          f"{DEFAULT_METHOD}, threshold {args.threshold}; {os.cpu_count()} CPU cores visible")

    print("\nVerified route (default), whole set: digests, raw and centred phash of each distinct picture, "
          "candidates, pixel verification, grouping:")
    verified, _ = time_batched(images, labels, None, mode="verified")
    print("Hash-only route (today's before this change), whole set:")
    whole, report = time_batched(images, labels, args.threshold)
    print("  hash-only search and grouping alone at other thresholds (hashes and digests reused):")
    digests = exact_digests(images)
    for threshold in OTHER_THRESHOLDS:
        time_batched(images, labels, threshold, hashes=report.hashes, digests=digests)

    rng = np.random.default_rng(0)
    subset = np.sort(rng.choice(len(images), size=subset_size, replace=False))
    print(f"\nSame {subset_size:,}-image random subset, every route:")
    fast_verified, _ = time_batched(images[subset], labels[subset], None, mode="verified")
    fast, _ = time_batched(images[subset], labels[subset], args.threshold)
    naive = time_naive(images[subset], args.threshold, rng)
    reference = time_imagededup(images[subset], args.threshold)

    print("\nSummary")
    verdict = "meets" if verified <= GOAL_SECONDS else "MISSES"
    print(f"  verified route, {len(images):,} images: {verified:.1f} s "
          f"({verdict} the {GOAL_SECONDS:.0f} s goal); "
          f"hash-only route {whole:.1f} s: verified / hash-only = {verified / whole:.2f}x")
    print(f"  {subset_size:,} images: verified {fast_verified:.2f} s, hash-only {fast:.2f} s, "
          f"naive {naive:,.0f} s "
          f"(pairs extrapolated) -> hash-only {naive / fast:,.0f}x faster than naive")
    if reference is not None:
        print(f"  imagededup PHash on the subset: {reference:.1f} s; verified route "
              f"{reference / fast_verified:.2f}x as fast, hash-only route {reference / fast:.2f}x")


def time_imagededup(images: np.ndarray, threshold: int) -> float | None:
    """Seconds for imagededup's PHash encode + find_duplicates, or None (saying why) if missing."""
    from dedup_imagededup import available, imagededup_pairs

    reason = available()
    if reason:
        print(f"  imagededup skipped: {reason}")
        return None
    pairs, seconds = imagededup_pairs(images, threshold)
    print(f"  imagededup PHash, threshold {threshold}: {len(pairs):,} pairs; "
          f"encoding {seconds['encoding']:.1f} s, "
          f"find_duplicates {seconds['search']:.1f} s")
    return seconds["encoding"] + seconds["search"]


if __name__ == "__main__":
    main()
