"""``python -m mathdash dedup``: summary table, JSON report, cleaned export and leakage, from folders."""

import json

import numpy as np
import pytest

from apps.dedup_app import drawings
from mathdash.cli import main
from mathdash.dataset import Dataset


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A train folder of 12 drawings plus 3 copies (one filed under the other class), a test folder."""
    from mathdash.loaders import write_folder

    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "cache"))
    originals = drawings(12, seed=2)
    images = np.concatenate([originals, originals[[0, 1, 2]]])
    labels = np.array([0, 1] * 6 + [0, 1, 1])  # the copy of row 2 (class 0) is filed under class 1
    train = Dataset(images, labels, ["alpha", "beta"], [str(i) for i in range(15)])
    write_folder(train, tmp_path / "train")
    test = Dataset(np.concatenate([originals[[4, 5]], drawings(3, seed=9)]), np.zeros(5, np.int64),
                   ["alpha"], [str(i) for i in range(5)])
    write_folder(test, tmp_path / "test")
    return tmp_path


def test_report_export_and_leakage(folders, capsys):
    out, export = folders / "report.json", folders / "clean"
    status = main(["dedup", str(folders / "train"), "--threshold", "0", "--out", str(out),
                   "--export", str(export), "--test-source", str(folders / "test")])
    assert status == 0
    printed = capsys.readouterr().out
    assert "unique (kept)      12" in printed
    assert "conflict" in printed and "kept" in printed
    assert "leakage: 2 of 5 images" in printed
    report = json.loads(out.read_text())
    assert report["summary"]["images"] == 15 and report["summary"]["removed"] == 3
    assert report["summary"]["label_conflicts"] == 1
    assert report["leakage"]["leaking_test_images"] == 2
    assert len(report["groups"]) == 3 and all(g["size"] == 2 for g in report["groups"])
    assert sum(1 for _ in export.rglob("*.png")) == 12


def test_export_to_npz_keeps_group_ids(folders):
    from mathdash.loaders import load_source

    target = folders / "clean.npz"
    assert main(["dedup", str(folders / "train"), "--threshold", "0", "--export", str(target)]) == 0
    cleaned = load_source(target)
    assert len(cleaned) == 12
    assert sorted(cleaned.extras["group"]) == list(range(12))


def test_a_missing_source_is_a_clear_error(tmp_path, capsys):
    assert main(["dedup", str(tmp_path / "nowhere")]) == 2
    assert "error:" in capsys.readouterr().err
