"""Load throughput: the first decode of a Kaggle-scale class folder, then its cached reload.

Usage: .venv/bin/python benchmarks/bench_load.py [--small] [--count N] [--root DIR] [--workers W] [--gray]
Generates the folder once (reused on later runs), then prints images/s and seconds against the goals.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mathdash.loaders import load_source  # noqa: E402
from mathdash.loaders.folder import list_class_folders  # noqa: E402
from mathdash.loaders.parallel import default_workers  # noqa: E402
from mathdash.loaders.writer import folder_name  # noqa: E402
from mathdash.symbols import KAGGLE_CLASSES  # noqa: E402

KAGGLE_FILES = 376_000  # the Kaggle set holds 375,974 files
SMALL_FILES = 20_000
UNIQUE_POOL = 4_000  # distinct drawings the files cycle through (Kaggle itself is mostly copies)
GOAL_IMAGES_PER_S = 10_000
GOAL_RELOAD_S = 3.0
JPEG_QUALITY = 90


def main() -> None:
    args = _parse_args()
    count = args.count or (SMALL_FILES if args.small else KAGGLE_FILES)
    mode = "L" if args.gray else "RGB"
    root = Path(args.root or f"/tmp/mathdash-kaggle-scale-{count}-{mode}")
    workers = args.workers or default_workers()
    ensure_folder(root, count, mode)
    cache = Path(tempfile.mkdtemp(prefix="mathdash-bench-cache-"))
    try:
        _measure(root, count, workers, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help=f"{SMALL_FILES:,} files instead of {KAGGLE_FILES:,}")
    parser.add_argument("--count", type=int, default=None, help="number of files (overrides --small)")
    parser.add_argument("--root", default=None, help="folder to generate into / reuse")
    parser.add_argument("--workers", type=int, default=None, help="decoding processes (default: all cores)")
    parser.add_argument("--gray", action="store_true", help="write 1-channel JPEGs (default: 3-channel)")
    return parser.parse_args()


def _measure(root: Path, count: int, workers: int, cache: Path) -> None:
    started = time.perf_counter()
    listing = list_class_folders(root)
    listed = time.perf_counter() - started
    print(f"folder: {root} ({len(listing.names):,} files in {len(set(listing.classes))} classes); "
          f"listing with sizes and mtimes: {listed:.2f} s")

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    first = load_source(root, cache_dir=cache, workers=workers)
    first_s, cpu_s = time.perf_counter() - started, _cpu_seconds() - cpu_started
    rate = len(first) / first_s
    print(f"first load ({workers} workers, cache empty, files in the OS cache): {len(first):,} images "
          f"in {first_s:.2f} s = {rate:,.0f} images/s "
          f"(goal {GOAL_IMAGES_PER_S:,}/s: {rate / GOAL_IMAGES_PER_S:.2f}x)")
    per_image = cpu_s / len(first)
    print(f"  CPU time, this process and its workers: {per_image * 1e6:.0f} us per image, i.e. at most "
          f"{workers / per_image:,.0f} images/s on {workers} otherwise idle cores")
    if first.report.skipped:
        print(f"  skipped {len(first.report.skipped)} files, e.g. {first.report.skipped[0]}")

    started = time.perf_counter()
    again = load_source(root, cache_dir=cache)
    reload_s = time.perf_counter() - started
    if not again.report.from_cache:
        print("warning: the second load did not come from the cache")
    print(f"cached reload: {reload_s:.2f} s (goal under {GOAL_RELOAD_S:.0f} s: "
          f"{GOAL_RELOAD_S / reload_s:.2f}x headroom)")
    if count != KAGGLE_FILES:
        print(f"note: {count:,} files; the goals are set for {KAGGLE_FILES:,} (run without --small)")


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of its finished child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ensure_folder(root: Path, count: int, mode: str) -> None:
    """Write ``root/extracted_images/<class>/<class>_<i>.jpg`` once; a marker records completion."""
    marker = root / ".complete"
    if marker.is_file() and marker.read_text() == str(count):
        return
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    pool, names, how = _unique_drawings()
    plan = _file_plan(count, names)
    for name in set(names):
        (root / "extracted_images" / folder_name(name)).mkdir(parents=True, exist_ok=True)
    tasks = [(str(root / "extracted_images"), plan[i::8], mode) for i in range(8)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(default_workers(), initializer=_set_pool, initargs=(pool,)) as workers:
        workers.map(_write_files, tasks)
    marker.write_text(str(count))
    print(f"generated {count:,} 45x45 {mode} JPEGs from {len(pool):,} {how} in "
          f"{time.perf_counter() - started:.0f} s")


def _unique_drawings() -> tuple[np.ndarray, list[str], str]:
    """(uint8 (P, 45, 45), class name per drawing, description): mathdash.synth's, else random strokes."""
    try:
        from mathdash.synth import generate_dataset
    except ImportError:
        return (*_random_strokes(UNIQUE_POOL), "random-stroke drawings")
    dataset = generate_dataset(seed=0, scale=UNIQUE_POOL, duplicate_rate=0)
    return dataset.images, dataset.label_names(), "mathdash.synth drawings"


def _random_strokes(count: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    images = np.empty((count, 45, 45), np.uint8)
    for i in range(count):
        canvas = Image.new("L", (45, 45), 255)
        draw = ImageDraw.Draw(canvas)
        for _ in range(rng.integers(1, 4)):
            points = [tuple(int(v) for v in rng.integers(4, 41, 2)) for _ in range(3)]
            draw.line(points, fill=0, width=int(rng.integers(1, 4)))
        images[i] = np.asarray(canvas)
    return images, [KAGGLE_CLASSES[i % len(KAGGLE_CLASSES)] for i in range(count)]


def _file_plan(count: int, names: list[str]) -> list[tuple[str, int]]:
    """(path relative to the class root, drawing index) per file; file i copies drawing i mod P."""
    plan = []
    for i in range(count):
        source = i % len(names)
        folder = folder_name(names[source])
        plan.append((f"{folder}/{folder}_{i}.jpg", source))
    return plan


_POOL: np.ndarray | None = None


def _set_pool(pool: np.ndarray) -> None:
    global _POOL
    _POOL = pool


def _write_files(task: tuple[str, list[tuple[str, int]], str]) -> None:
    root, plan, mode = task
    for relative, source in plan:
        image = Image.fromarray(_POOL[source])
        image.convert(mode).save(os.path.join(root, relative), "JPEG", quality=JPEG_QUALITY)


if __name__ == "__main__":
    main()
