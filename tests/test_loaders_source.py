"""load_source and detect_kind across kinds; MathDash's .npz round trip; built-in delegation."""

import sys
import types

import numpy as np
import pytest
from PIL import Image

from mathdash.dataset import Dataset
from mathdash.errors import DatasetError
from mathdash.loaders import detect_kind, load_npz, load_source, save_npz


def small_dataset(count: int = 6) -> Dataset:
    rng = np.random.default_rng(0)
    images = np.full((count, 45, 45), 255, np.uint8)
    images[:, 10:30, 10:30] = rng.integers(0, 100, (count, 20, 20), dtype=np.uint8)
    return Dataset(images, np.arange(count) % 3, ["alpha", "β", "sum"],
                   [f"synth:{i}" for i in range(count)], name="tiny", original_size=(32, 32),
                   extras={"duplicate_of": np.array([-1, 0, -1, -1, 2, -1][:count]),
                           "duplicate_kind": np.array(["", "exact", "", "", "jpeg", ""][:count])})


def test_npz_round_trip_keeps_everything(tmp_path):
    dataset = small_dataset()
    path = save_npz(dataset, tmp_path / "sub" / "set.npz")
    loaded = load_source(path, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(loaded.images, dataset.images)
    np.testing.assert_array_equal(loaded.labels, dataset.labels)
    assert loaded.class_names == ["alpha", "β", "sum"] and loaded.sources == dataset.sources
    assert loaded.name == "tiny" and loaded.original_size == (32, 32)
    assert loaded.extras["duplicate_of"].tolist() == [-1, 0, -1, -1, 2, -1]
    assert loaded.extras["duplicate_kind"].tolist() == ["", "exact", "", "", "jpeg", ""]
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["set.npz"]  # no temporary left


def test_foreign_npz_is_converted(tmp_path):
    images = np.zeros((3, 28, 28), np.float32)
    images[:, 5:20, 8:12] = 1.0  # white ink on black, fractions of white
    np.savez(tmp_path / "foreign.npz", images=images, labels=np.array([2, 0, 1]))
    dataset = load_npz(tmp_path / "foreign.npz")
    assert dataset.images.shape == (3, 45, 45) and dataset.class_names == ["0", "1", "2"]
    assert (dataset.images[:, 0] == 255).all() and dataset.images.min() < 30
    assert dataset.original_size == (28, 28)
    assert dataset.report.notes == ["white-on-black images inverted to dark ink on white",
                                    "images scaled from 28x28 to 45x45"]


def test_npz_without_images(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DatasetError, match="lacks images, labels"):
        load_source(tmp_path / "other.npz")


def test_detect_kind_for_every_layout(tmp_path):
    (tmp_path / "classes" / "a").mkdir(parents=True)
    Image.new("L", (45, 45), 255).save(tmp_path / "classes" / "a" / "1.png")
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04")
    (tmp_path / "x.npz").write_bytes(b"PK\x03\x04")
    (tmp_path / "x.pkl").write_bytes(b"\x80\x04.")
    (tmp_path / "noname").write_bytes(b"\x80\x04.")
    assert detect_kind(tmp_path / "classes") == "folder"
    assert detect_kind(tmp_path / "x.zip") == "zip"
    assert detect_kind(tmp_path / "x.npz") == "npz"
    assert detect_kind(tmp_path / "x.pkl") == "pickle"
    assert detect_kind(tmp_path / "noname") == "pickle"
    assert detect_kind("builtin:digits") == "builtin:digits"


def test_detect_kind_errors_say_what_is_expected(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        detect_kind(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="Expected a folder of class folders"):
        detect_kind(tmp_path / "empty")
    Image.new("L", (45, 45), 255).save(tmp_path / "one.png")
    with pytest.raises(DatasetError, match="single image"):
        detect_kind(tmp_path / "one.png")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="cannot tell"):
        load_source(tmp_path / "notes.txt")


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="unknown source kind 'tar'"):
        load_source(tmp_path, kind="tar")


def test_builtin_sources_are_delegated(monkeypatch):
    calls = []
    fake = types.ModuleType("mathdash.builtin")
    fake.load_builtin = lambda name="symbols": calls.append(("builtin", name)) or small_dataset()
    fake.load_digits = lambda: calls.append(("digits",)) or small_dataset(3)
    monkeypatch.setitem(sys.modules, "mathdash.builtin", fake)
    symbols = load_source("builtin:symbols")
    digits = load_source("", kind="builtin:digits")
    assert calls == [("builtin", "symbols"), ("digits",)]
    assert len(symbols) == 6 and len(digits) == 3
    assert symbols.report.source == "builtin:symbols" and symbols.report.loaded == 6


def test_empty_source_is_refused():
    with pytest.raises(DatasetError, match="no source given"):
        load_source("  ")
