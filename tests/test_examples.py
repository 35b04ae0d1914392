"""The user's drawings store and the ``examples`` command, on drawings made here."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from browser_support import SYMBOL_STROKES, render_strokes
from mathdash.cli import main
from mathdash.errors import DatasetError
from mathdash.examples import ExampleStore
from mathdash.loaders import load_source
from mathdash.predict import prepare_drawing


def _image(name: str, width: float = 12) -> np.ndarray:
    return prepare_drawing(render_strokes(SYMBOL_STROKES[name], width=width))


def test_saved_drawings_load_back_in_the_kaggle_layout(tmp_path):
    store = ExampleStore(tmp_path / "ex")
    assert len(store) == 0 and store.counts() == {}
    with pytest.raises(DatasetError, match="no saved drawings"):
        store.load()
    first = store.add(_image("+"), "+")
    store.add(_image("0"), "0")
    store.add(_image("0", 20), "0")
    assert first.parent == tmp_path / "ex" / "+" and first.suffix == ".png"
    assert store.counts() == {"+": 1, "0": 2} and len(store) == 3
    drawings = store.load()
    assert drawings.class_names == ["+", "0"] and drawings.labels.tolist() == [0, 1, 1]
    np.testing.assert_array_equal(drawings.images[0], _image("+"))
    # the same folder read by the ordinary Kaggle-folder loader
    loaded = load_source(tmp_path / "ex", kind="folder", use_cache=False, workers=1)
    assert sorted(loaded.class_names) == ["+", "0"] and len(loaded) == 3


def test_bad_labels_and_images_are_refused(tmp_path):
    store = ExampleStore(tmp_path)
    with pytest.raises(DatasetError, match="unknown class 'plus'"):
        store.add(_image("+"), "plus")
    assert store.add(_image("0"), "o").parent.name == "o"  # Kaggle's lower-case folder
    assert store.add(_image("0"), "O").parent.name == "o"  # either case of a letter
    assert store.add(_image("-"), r"\alpha").parent.name == "alpha"
    with pytest.raises(DatasetError, match="45x45"):
        store.add(np.zeros((28, 28), np.uint8), "+")
    assert len(store) == 3


def test_zip_holds_every_drawing_under_its_class(tmp_path):
    store = ExampleStore(tmp_path / "ex")
    store.add(_image("-"), "-")
    store.add(_image("1"), "1")
    names = sorted(zipfile.ZipFile(io.BytesIO(store.zip_bytes())).namelist())
    assert [n.split("/")[:2] for n in names] == [["my_drawings", "-"], ["my_drawings", "1"]]
    target = store.export_zip(tmp_path / "out" / "mine.zip")
    assert sorted(zipfile.ZipFile(target).namelist()) == names
    assert store.clear() == 2 and len(store) == 0


def test_examples_command_adds_lists_exports_and_clears(tmp_path, capsys):
    pictures = []
    for i, width in enumerate((6, 14)):
        path = tmp_path / f"seven{i}.png"
        Image.fromarray(255 - render_strokes(SYMBOL_STROKES["1"], width=width)[..., 3]).save(path)
        pictures.append(str(path))
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(blank)
    folder = str(tmp_path / "ex")
    assert main(["examples", "add", *pictures, str(blank), "--label", "7", "--dir", folder]) == 0
    out = capsys.readouterr().out
    assert "blank.png: skipped: nothing drawn" in out and "2 of 3 added" in out
    assert main(["examples", "list", "--dir", folder]) == 0
    assert "  7: 2" in capsys.readouterr().out
    assert main(["examples", "export", str(tmp_path / "mine.zip"), "--dir", folder]) == 0
    assert len(zipfile.ZipFile(tmp_path / "mine.zip").namelist()) == 2
    assert main(["examples", "clear", "--dir", folder]) == 2  # needs --yes
    assert main(["examples", "clear", "--yes", "--dir", folder]) == 0
    assert len(ExampleStore(folder)) == 0
    assert main(["examples", "add", str(blank), "--label", "7", "--dir", folder]) == 1
    assert main(["examples", "add", *pictures, "--label", "seven", "--dir", folder]) == 2  # unknown class
