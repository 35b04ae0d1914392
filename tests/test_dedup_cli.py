"""``python -m mathdash dedup``: summary table, JSON report, cleaned export and leakage, from folders."""

import json
from pathlib import Path

import numpy as np
import pytest

from dedup_support import drawings
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


def test_report_lists_every_skipped_file_with_its_reason(folders, capsys):
    (folders / "train" / "alpha" / "broken.png").write_bytes(b"not a png")
    (folders / "test" / "alpha" / "empty.png").write_bytes(b"")
    out = folders / "report.json"
    status = main(["dedup", str(folders / "train"), "--out", str(out),
                   "--test-source", str(folders / "test")])
    assert status == 0
    assert "skipped 1 unreadable files" in capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [Path(s["path"]).name for s in report["skipped"]] == ["broken.png"]
    assert report["skipped"][0]["reason"]
    assert [Path(s["path"]).name for s in report["leakage"]["skipped"]] == ["empty.png"]
    assert report["summary"]["images"] == 15 and report["summary"]["mode"] == "verified"
    assert all(m["similarity"] == 1.0 for g in report["groups"] for m in g["members"])


def test_hash_mode_finds_fewer_dimmer_copies_than_verified(folders, tmp_path):
    from mathdash.loaders import write_folder

    originals = drawings(10, seed=4)
    dimmer = np.rint(255 - (255 - originals.astype(float)) * 0.75).astype(np.uint8)
    write_folder(Dataset(np.concatenate([originals, dimmer]), np.zeros(20, np.int64), ["alpha"],
                         [str(i) for i in range(20)]), tmp_path / "dim")
    removed = {}
    for mode in ["verified", "hash"]:
        out = tmp_path / f"{mode}.json"
        assert main(["dedup", str(tmp_path / "dim"), "--mode", mode, "--out", str(out)]) == 0
        document = json.loads(out.read_text())
        assert document["summary"]["mode"] == mode
        removed[mode] = document["summary"]["removed"]
    assert removed["verified"] == 10 and removed["hash"] < 10


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
