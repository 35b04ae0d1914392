"""``python -m mathdash augment``: balancing to a file, the plan table, and the preview PNG."""

import argparse
import sys
import types

import cv2
import numpy as np
import pytest
from PIL import Image

from mathdash.cli import augment as augment_cli
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

CLASSES = ["+", "lt", "gt"]


def tiny_dataset() -> Dataset:
    images, labels = [], []
    for label, count in enumerate([6, 2, 3]):
        for i in range(count):
            image = np.full((45, 45), 255, np.uint8)
            cv2.line(image, (10 + i, 10), (34, 22 + label * 5), 0, 3, cv2.LINE_AA)
            images.append(image)
            labels.append(label)
    return Dataset(np.stack(images), np.array(labels), CLASSES, [f"s{i}" for i in range(len(images))])


@pytest.fixture
def fake_loaders(monkeypatch):
    """A stand-in for mathdash.loaders: the command's own logic is under test, not the loaders."""
    written = {}
    fake = types.ModuleType("mathdash.loaders")
    fake.load_source = lambda source: tiny_dataset()

    def save_npz(dataset, path):
        np.savez(path, images=dataset.images, labels=dataset.labels)
        written["npz"] = dataset

    fake.save_npz = save_npz
    fake.write_folder = lambda dataset, root: written.setdefault("folder", dataset)
    monkeypatch.setitem(sys.modules, "mathdash.loaders", fake)
    return written


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    augment_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["augment", *argv])
    return args.func(args)


def test_balance_writes_the_npz_and_prints_the_table(fake_loaders, tmp_path, capsys):
    out = tmp_path / "balanced.npz"
    argv = ["builtin:symbols", "--preset", "grow-rare", "--target", "max", "--out", str(out), "--seed", "3"]
    assert run(argv) == 0
    with np.load(out) as saved:
        assert np.bincount(saved["labels"]).tolist() == [6, 6, 6]
    origin = fake_loaders["npz"].extras["augmented_from"]
    assert (origin[:11] == -1).all() and (origin[11:] >= 0).all()
    text = capsys.readouterr().out
    assert "< (lt)" in text and "target 6 (max); 7 new images" in text
    total = [line.split() for line in text.splitlines() if line.startswith("total")]
    assert total == [["total", "11", "18", "7"]]


def test_without_out_only_the_plan_is_printed(fake_loaders, capsys):
    assert run(["some/folder", "--target", "4"]) == 0
    text = capsys.readouterr().out
    assert "plan only" in text and "target 4 (fixed); 3 new images" in text
    assert "npz" not in fake_loaders


def test_inline_json_config_wins_over_the_preset(fake_loaders, tmp_path):
    out = tmp_path / "tree"
    config = '{"rotation": {"enabled": true, "intensity": 5, "probability": 1}}'
    assert run(["src", "--config", config, "--preset", "none", "--target", "3", "--out", str(out)]) == 0
    dataset = fake_loaders["folder"]
    source = dataset.extras["augmented_from"][-1]
    assert len(dataset) == 12 and not np.array_equal(dataset.images[-1], dataset.images[source])


def test_preview_saves_a_grid_of_the_rarest_classes(fake_loaders, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert run(["preview", "src", "--rows", "2", "--variants", "4", "--out", str(out)]) == 0
    grid = np.asarray(Image.open(out))
    assert grid.shape == ((2 * 48 - 3) * 2, (5 * 45 + 3 * 3 + 9) * 2)
    assert "2 originals (lt, gt)" in capsys.readouterr().out


def test_bad_words_and_missing_preview_output_are_errors(fake_loaders):
    with pytest.raises(ConfigError, match="SOURCE"):
        run(["a", "b"])
    with pytest.raises(ConfigError, match="--out"):
        run(["preview", "src"])
    with pytest.raises(ConfigError, match="no augmentation config"):
        run(["src", "--preset", "wobbly"])
