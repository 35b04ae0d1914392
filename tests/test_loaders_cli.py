"""``python -m mathdash data info|convert|export|builtin`` on tiny sources made in the test."""

import json
import pickle

import numpy as np
import pytest
from PIL import Image

import mathdash.synth
from mathdash.cli import main
from mathdash.dataset import Dataset
from mathdash.loaders import load_source


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "cache"))


def make_folder(root) -> None:
    for name, count in {"alpha": 2, "geq": 3}.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            image = np.full((45, 45), 255, np.uint8)
            image[5 + i:20 + i, 5:20] = 0
            Image.fromarray(image).save(root / name / f"{i}.png")
    (root / "geq" / "bad.jpg").write_bytes(b"")


def test_info_json(tmp_path, capsys):
    make_folder(tmp_path / "src")
    assert main(["data", "info", str(tmp_path / "src"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["class_counts"] == {"alpha": 2, "geq": 3}
    assert info["summary"]["images"] == 5
    assert info["report"]["skipped"] == [{"path": str((tmp_path / "src" / "geq" / "bad.jpg").resolve()),
                                          "reason": "empty file (0 bytes)"}]


def test_info_text_lists_classes_and_skips(tmp_path, capsys):
    make_folder(tmp_path / "src")
    assert main(["data", "info", str(tmp_path / "src")]) == 0
    out = capsys.readouterr().out
    assert "5 images, 2 classes" in out and "≥ (geq)" in out
    assert "skipped 1 files" in out and "empty file (0 bytes)" in out


def test_convert_pickle_needs_trust_then_writes_npz(tmp_path, capsys):
    rows = np.zeros((3, 3136), np.uint8)
    rows[:, 100:400] = 1
    with open(tmp_path / "d.pkl", "wb") as out:
        pickle.dump((rows, np.array([0, 1, 11])), out)
    command = ["data", "convert", str(tmp_path / "d.pkl"), "--out", str(tmp_path / "d.npz")]
    assert main(command) == 2
    assert "can run any code" in capsys.readouterr().err
    assert main([*command, "--trust"]) == 0
    converted = load_source(tmp_path / "d.npz")
    assert len(converted) == 3 and converted.label_names() == ["0", "1", "B"]


def test_export_writes_class_folders(tmp_path, capsys):
    make_folder(tmp_path / "src")
    assert main(["data", "export", str(tmp_path / "src"), "--out", str(tmp_path / "out"),
                 "--format", "jpg", "--no-cache"]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "geq").iterdir()) == ["2.jpg", "3.jpg", "4.jpg"]
    assert "wrote 5 jpg images in 2 class folders" in capsys.readouterr().out


def test_builtin_writes_the_kaggle_layout(tmp_path, monkeypatch, capsys):
    requested = {}

    def fake_generate(seed=0, scale="default", progress=None, **_):
        requested.update(seed=seed, scale=scale)
        images = np.full((4, 45, 45), 255, np.uint8)
        return Dataset(images, np.array([0, 1, 1, 0]), ["pi", "sum"], [f"synth:{i}" for i in range(4)])

    monkeypatch.setattr(mathdash.synth, "generate_dataset", fake_generate)
    assert main(["data", "builtin", "--scale", "500", "--seed", "3", "--out", str(tmp_path / "b")]) == 0
    assert requested == {"seed": 3, "scale": 500}
    assert sorted(p.name for p in (tmp_path / "b" / "pi").iterdir()) == ["0.jpg", "3.jpg"]
    assert main(["data", "builtin", "--scale", "huge", "--out", str(tmp_path / "b")]) == 2
    assert "--scale must be" in capsys.readouterr().err
