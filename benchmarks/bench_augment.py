"""Augmentation throughput: each operation alone, the default pipeline batched and one image at a
time, imgaug's own geometry for comparison, and balancing the built-in set to its target.

Run: ``.venv/bin/python benchmarks/bench_augment.py [--small]``. Goals: the default pipeline at
least 5,000 images/s on 2 cores; balancing the built-in set in under a minute.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import imgaug.augmenters as iaa  # noqa: E402

from mathdash.augment import OP_SPECS, OPERATIONS, PRESETS, augment_images, balance_classes  # noqa: E402
from mathdash.dataset import Dataset  # noqa: E402

GOAL_IMAGES_PER_S = 5_000
GOAL_BALANCE_S = 60.0
CLASSES_FOR_FLIP = ["+"]  # a mirror-symmetric class: every image may flip


def load_images() -> tuple[np.ndarray, Dataset | None]:
    """The built-in set's images (and the set), or drawn strokes when it is not available."""
    try:
        from mathdash.builtin import load_builtin

        started = time.perf_counter()
        dataset = load_builtin()
        print(f"built-in set: {len(dataset):,} images, {dataset.num_classes} classes, "
              f"loaded in {time.perf_counter() - started:.1f} s")
        return dataset.images, dataset
    except ImportError as error:
        print(f"built-in set unavailable ({error}); using drawn strokes")
        return _strokes(2_000), None


def _strokes(n: int) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(0)
    images = np.full((n, 45, 45), 255, np.uint8)
    for image in images:
        for _ in range(2):
            a, b = rng.integers(8, 37, size=(2, 2))
            cv2.line(image, tuple(map(int, a)), tuple(map(int, b)), 0, 3, cv2.LINE_AA)
    return images


def rate(fn, count: int, repeat: int = 3) -> float:
    """Images per second of ``fn()`` (which handles ``count`` images), best of ``repeat``."""
    best = min(_timed(fn) for _ in range(repeat))
    return count / best


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def single_op(name: str):
    """Only ``name`` on, always applied, at half its largest intensity (stroke: 1 px)."""
    spec = OP_SPECS[name]
    intensity = 1.0 if name == "stroke" else spec.max_intensity / 2
    return PRESETS["none"].with_op(name, enabled=True, intensity=intensity, probability=1.0)


def bench_operations(images: np.ndarray) -> None:
    print(f"\nper operation, batched ({len(images):,} images, probability 1, half intensity)")
    print(f"{'operation':<14}{'images/s':>12}{'µs/image':>10}")
    labels = np.zeros(len(images), dtype=np.int64)
    for name in OPERATIONS:
        config = single_op(name)
        speed = rate(lambda: augment_images(images, config, 0, labels, CLASSES_FOR_FLIP), len(images))
        print(f"{name:<14}{speed:>12,.0f}{1e6 / speed:>10.1f}")


def bench_imgaug_geometry(images: np.ndarray) -> float:
    """imgaug's own Affine + ElasticTransformation at the default preset's ranges, for comparison."""
    d = PRESETS["default"]
    rotation, shear, scale = d.rotation.intensity, d.shear.intensity, d.scale.intensity
    pipeline = iaa.Sequential([
        iaa.Sometimes(d.rotation.probability, iaa.Affine(rotate=(-rotation, rotation))),
        iaa.Sometimes(d.shear.probability, iaa.Affine(shear=(-shear, shear))),
        iaa.Sometimes(d.scale.probability, iaa.Affine(scale=(1 - scale, 1 + scale))),
        iaa.Sometimes(d.translate_x.probability, iaa.Affine(translate_percent={"x": (-0.06, 0.06)})),
        iaa.Sometimes(d.translate_y.probability, iaa.Affine(translate_percent={"y": (-0.06, 0.06)})),
        iaa.Sometimes(d.elastic.probability,
                      iaa.ElasticTransformation(alpha=(0, d.elastic.intensity), sigma=d.elastic_sigma)),
    ], seed=0)
    return rate(lambda: pipeline(images=images), len(images))


def bench_pipeline(images: np.ndarray, one_at_a_time: int) -> None:
    config = PRESETS["default"]
    print(f"\ndefault pipeline ({', '.join(config.active_ops())})")
    batched = rate(lambda: augment_images(images, config, 0), len(images))
    threads = rate(lambda: augment_images(images, config, 0, workers=2), len(images))
    few = images[:one_at_a_time]
    single = rate(lambda: [augment_images(image[None], config, i) for i, image in enumerate(few)],
                  len(few), repeat=1)
    native = bench_imgaug_geometry(images)
    print(f"{'batched, 1 thread':<34}{batched:>12,.0f} images/s")
    print(f"{'batched, 2 threads':<34}{threads:>12,.0f} images/s")
    print(f"{'one image at a time':<34}{single:>12,.0f} images/s   "
          f"(batched is {batched / single:.0f}x faster)")
    print(f"{'imgaug Affine+Elastic (geometry only)':<34}{native:>12,.0f} images/s")
    best = max(batched, threads)
    verdict = "meets" if best >= GOAL_IMAGES_PER_S else "MISSES"
    print(f"goal {GOAL_IMAGES_PER_S:,} images/s: {verdict} it ({best / GOAL_IMAGES_PER_S:.1f}x)")


def bench_balance(dataset: Dataset | None, small: bool) -> None:
    if dataset is None:
        print("\nbalancing: skipped (no built-in set)")
        return
    targets = ["median"] if small else ["median", "max"]
    print("\nbalancing the built-in set (2 threads)")
    for preset in ["default", "grow-rare"]:
        for target in targets:
            started = time.perf_counter()
            balanced, report = balance_classes(dataset, PRESETS[preset], target=target, seed=0, workers=2)
            seconds = time.perf_counter() - started
            verdict = "meets" if seconds < GOAL_BALANCE_S else "MISSES"
            print(f"{preset:<10} to {target:<7} (target {report.target:>5,}): "
                  f"{report.generated:>7,} new images in {seconds:5.1f} s "
                  f"({report.generated / seconds:,.0f}/s) -> {len(balanced):,}; "
                  f"goal < {GOAL_BALANCE_S:.0f} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run: fewer images, fewer targets")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    images, dataset = load_images()
    count = 2_000 if args.small else 20_000
    batch = np.resize(images, (count, *images.shape[1:])).astype(np.uint8)
    bench_operations(batch)
    bench_pipeline(batch, one_at_a_time=200 if args.small else 1_000)
    bench_balance(dataset, args.small)


if __name__ == "__main__":
    main()
