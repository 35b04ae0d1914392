"""Class balancing: targets, provenance of every new sample, the report, determinism, output."""

import sys
import types

import cv2
import numpy as np
import pytest

from mathdash.augment import PRESETS, balance_classes, materialise, plan_balance, resolve_target
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

CLASSES = ["(", ")", "+", "3", "empty"]


def make_dataset(counts=(12, 5, 3, 7, 0), extras=True) -> Dataset:
    """Per-class stroke images: class c is a line at angle 30*c, with a small per-image offset."""
    images, labels = [], []
    rng = np.random.default_rng(0)
    for label, count in enumerate(counts):
        for _ in range(count):
            image = np.full((45, 45), 255, np.uint8)
            dx, dy = rng.integers(-3, 4, size=2)
            angle = np.deg2rad(30 * label)
            a = (int(22 + dx - 12 * np.cos(angle)), int(22 + dy - 12 * np.sin(angle)))
            b = (int(22 + dx + 12 * np.cos(angle)), int(22 + dy + 12 * np.sin(angle)))
            cv2.line(image, a, b, 0, 3, cv2.LINE_AA)
            images.append(image)
            labels.append(label)
    n = len(images)
    kinds = np.array(["", "exact"] * (n // 2) + [""] * (n % 2))
    extra = {"group": np.arange(n) // 2, "duplicate_kind": kinds}
    return Dataset(np.stack(images), np.array(labels), CLASSES, [f"file{i}.png" for i in range(n)],
                   name="tiny", extras=extra if extras else {})


def test_resolve_target_rules():
    counts = {"a": 12, "b": 5, "c": 3, "d": 7, "e": 0}
    assert resolve_target(counts, "median") == (6, "median")  # median of 12, 5, 3, 7 = 6
    assert resolve_target(counts, "max") == (12, "max")
    assert resolve_target(counts, 9) == (9, "fixed")
    assert resolve_target(counts, "9") == (9, "fixed")
    for bad in ["mean", 0, -3, 2.5, True]:
        with pytest.raises(ConfigError, match="target"):
            resolve_target(counts, bad)


def test_plan_counts_before_and_after_and_notes_empty_classes():
    report = plan_balance(make_dataset(), "max")
    assert report.before == {"(": 12, ")": 5, "+": 3, "3": 7, "empty": 0}
    assert report.after == {"(": 12, ")": 12, "+": 12, "3": 12, "empty": 0}
    assert report.generated == 7 + 9 + 5
    assert report.rows()[1] == {"class": ")", "before": 5, "after": 12, "added": 7}
    assert "empty" in report.notes[0] and report.seconds == 0


def test_balance_grows_classes_to_the_target_and_records_each_source():
    dataset = make_dataset()
    seen = []
    balanced, report = balance_classes(dataset, PRESETS["grow-rare"], target="max", seed=1,
                                       progress=lambda done, total, message="": seen.append((done, total)))
    assert balanced.class_counts() == report.after == {"(": 12, ")": 12, "+": 12, "3": 12, "empty": 0}
    n = len(dataset)
    assert np.array_equal(balanced.images[:n], dataset.images) and balanced.sources[:n] == dataset.sources
    origin = balanced.extras["augmented_from"]
    assert (origin[:n] == -1).all() and (origin[n:] >= 0).all()
    assert np.array_equal(balanced.labels[n:], dataset.labels[origin[n:]])
    assert np.array_equal(balanced.extras["group"][n:], dataset.extras["group"][origin[n:]])
    assert balanced.sources[n:] == [f"aug:file{i}.png" for i in origin[n:]]
    changed = [not np.array_equal(new, dataset.images[i]) for new, i in zip(balanced.images[n:], origin[n:])]
    assert np.mean(changed) > 0.8  # grow-rare leaves ~3% untouched (no operation drawn)
    assert seen[-1] == (21, 21)
    assert report.seconds > 0


def test_sources_are_spread_evenly_over_a_class():
    dataset = make_dataset()
    balanced, _ = balance_classes(dataset, PRESETS["default"], target=11, seed=0)
    origin = balanced.extras["augmented_from"][len(dataset):]
    plus = np.flatnonzero(dataset.labels == 2)  # 3 images grow by 8: each used 2 or 3 times
    uses = np.bincount(origin, minlength=len(dataset))[plus]
    assert sorted(uses.tolist()) == [2, 3, 3]


def test_balancing_is_deterministic_per_seed():
    dataset = make_dataset()
    first, _ = balance_classes(dataset, PRESETS["default"], seed=4)
    again, _ = balance_classes(dataset, PRESETS["default"], seed=4)
    other, _ = balance_classes(dataset, PRESETS["default"], seed=5)
    assert np.array_equal(first.images, again.images) and first.sources == again.sources
    assert not np.array_equal(first.images, other.images)


def test_flip_in_balancing_never_moves_a_sample_to_another_class():
    dataset = make_dataset()
    config = PRESETS["none"].with_op("flip", enabled=True, probability=1.0)
    balanced, _ = balance_classes(dataset, config, target="max", seed=0)
    n = len(dataset)
    origin = balanced.extras["augmented_from"][n:]
    assert np.array_equal(balanced.labels[n:], dataset.labels[origin])
    plus = balanced.labels[n:] == 2
    assert np.array_equal(balanced.images[n:][plus], dataset.images[origin[plus]][:, :, ::-1])
    paren = balanced.labels[n:] == 1
    assert np.array_equal(balanced.images[n:][paren], dataset.images[origin[paren]])


def test_rebalancing_uses_real_images_only_and_points_to_the_root():
    once, _ = balance_classes(make_dataset(extras=False), PRESETS["default"], target=8, seed=0)
    twice, _ = balance_classes(once, PRESETS["default"], target=15, seed=0)
    origin = twice.extras["augmented_from"]
    assert len(once) > 27 and (origin[len(once):] < 27).all(), "new samples come from the 27 real images"
    assert np.array_equal(twice.labels[len(once):], twice.labels[origin[len(once):]])


def test_classes_above_target_are_kept_whole():
    dataset = make_dataset()
    balanced, report = balance_classes(dataset, PRESETS["default"], target=4, seed=0)
    assert balanced.class_counts() == {"(": 12, ")": 5, "+": 4, "3": 7, "empty": 0}
    assert report.generated == 1


def test_materialise_picks_npz_or_folder_by_suffix(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("mathdash.loaders")
    fake.save_npz = lambda dataset, path: calls.append(("npz", path))
    fake.write_folder = lambda dataset, root: calls.append(("folder", root))
    monkeypatch.setitem(sys.modules, "mathdash.loaders", fake)
    dataset = make_dataset()
    assert materialise(dataset, tmp_path / "out.npz") == tmp_path / "out.npz"
    materialise(dataset, tmp_path / "tree")
    assert calls == [("npz", tmp_path / "out.npz"), ("folder", tmp_path / "tree")]
