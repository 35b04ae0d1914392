"""CROHME InkML: one framed 45x45 image per labelled traceGroup, with writer and trace ids."""

import zipfile

import numpy as np
import pytest

from mathdash.errors import DatasetError
from mathdash.loaders import detect_kind, load_source
from mathdash.loaders.inkml import parse_inkml
from mathdash.loaders.strokes import render_strokes
from mathdash.predict import estimate_pen_width
from mathdash.preprocess import ink_bbox
from tests.inkml_support import circle, line, write_inkml

ALPHA = [np.array([[0, 0], [2, 2], [4, 0], [2, -1], [0, 0], [5, 3]], float)]
PLUS = [line(0, 5, 10, 5), line(5, 0, 5, 10)]


def write_corpus(root):
    """Two writers' formulas, a MathBrush file named by its session, a dot and a broken file."""
    write_inkml(root / "KAIST" / "a.inkml", [("x", [line(0, 0, 9, 9), line(9, 0, 0, 9)]),
                                             (r"\alpha", ALPHA), ("+", PLUS), (".", [circle(0, 0, 0.2)])],
                writer="User001")
    write_inkml(root / "KAIST" / "b.inkml", [("B", [line(0, 0, 0, 10), circle(2, 7, 2.5)]),
                                             (r"\lt", [np.array([[6, 0], [0, 3], [6, 6]], float)]),
                                             ("|", [line(0, 0, 0, 12)]), ("/", [line(4, 0, 0, 9)])],
                writer="User002", time_channel=True)
    write_inkml(root / "MathBrush" / "200923-131-7.inkml", [(r"\{", [line(2, 0, 0, 5), line(0, 5, 2, 10)]),
                                                             ("0", [circle(0, 0, 3)])], writer=None)
    (root / "MathBrush" / "broken.inkml").write_text("<ink><trace id='0'>1 2, 3", encoding="utf-8")


def test_every_labelled_group_becomes_one_image_filed_under_its_kaggle_class(tmp_path):
    write_corpus(tmp_path / "crohme")
    assert detect_kind(tmp_path / "crohme") == "inkml"
    data = load_source(tmp_path / "crohme", cache_dir=tmp_path / "cache")
    assert data.label_names() == ["X", "alpha", "+", "b", "lt", "ascii_124", "forward_slash", "{", "0"]
    assert list(data.extras["writer"]) == ["User001"] * 3 + ["User002"] * 4 + ["200923-131"] * 2
    assert list(data.extras["trace_ids"][:3]) == ["0,1", "2", "3,4"]
    assert data.sources[0].endswith("KAIST/a.inkml") and data.sources[-1].endswith("200923-131-7.inkml")
    assert data.images.shape == (9, 45, 45) and data.images.dtype == np.uint8
    assert [s.path.rsplit("/", 1)[-1] for s in data.report.skipped] == ["broken.inkml"]
    assert "not a readable InkML file" in data.report.skipped[0].reason
    assert any("1 symbols have no Kaggle class" in note and "'.' x1" in note for note in data.report.notes)


def test_strokes_fill_the_frame_with_a_two_to_three_pixel_pen(tmp_path):
    image = render_strokes([line(0, 0, 30, 0), line(15, -10, 15, 10)])  # a wide plus
    top, left, bottom, right = ink_bbox(image)
    assert right - left == 41 and left == 2  # the longer side spans the frame inside a 2 px margin
    assert 26 <= bottom - top <= 30  # aspect kept: 20/30 of the width, plus the pen
    assert 1.8 <= estimate_pen_width(image[None]) <= 3.2
    assert 0 < (image[(image > 0) & (image < 255)]).size  # anti-aliased edges, not a hard mask


def test_a_dot_and_an_empty_symbol(tmp_path):
    dot = render_strokes([np.array([[3.0, 4.0]])])
    assert dot is not None and dot.min() == 0
    assert render_strokes([np.empty((0, 2))]) is None


def test_a_zip_of_inkml_loads_like_the_folder(tmp_path):
    write_corpus(tmp_path / "crohme")
    archive = tmp_path / "crohme.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted((tmp_path / "crohme").rglob("*.inkml")):
            handle.write(path, path.relative_to(tmp_path).as_posix())
    assert detect_kind(archive) == "inkml"
    zipped = load_source(archive, cache_dir=tmp_path / "cache")
    folder = load_source(tmp_path / "crohme", use_cache=False)
    assert zipped.label_names() == folder.label_names()
    assert np.array_equal(zipped.images, folder.images)
    assert zipped.sources[0].endswith("crohme.zip/crohme/KAIST/a.inkml")
    uploaded = load_source(archive, kind="zip", use_cache=False)  # the sidebar's upload says "zip"
    assert uploaded.label_names() == folder.label_names() and "writer" in uploaded.extras


def test_the_cache_keeps_writers_and_a_changed_file_reloads(tmp_path):
    write_corpus(tmp_path / "crohme")
    first = load_source(tmp_path / "crohme", cache_dir=tmp_path / "cache")
    again = load_source(tmp_path / "crohme", cache_dir=tmp_path / "cache")
    assert again.report.from_cache and list(again.extras["writer"]) == list(first.extras["writer"])
    write_inkml(tmp_path / "crohme" / "KAIST" / "c.inkml", [("7", [line(0, 0, 5, 0), line(5, 0, 1, 9)])])
    changed = load_source(tmp_path / "crohme", cache_dir=tmp_path / "cache")
    assert not changed.report.from_cache and len(changed) == len(first) + 1


def test_parse_reads_the_writer_and_points_with_or_without_a_time_channel(tmp_path):
    path = write_inkml(tmp_path / "f.inkml", [("2", [line(0, 0, 4, 0, n=3)])], writer="depart001",
                       time_channel=True)
    writer, symbols = parse_inkml(path.read_bytes(), path.name)
    assert writer == "depart001" and symbols[0].label == "2" and symbols[0].trace_ids == ("0",)
    assert symbols[0].strokes[0].tolist() == [[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]]
    assert parse_inkml(b'<ink><traceGroup><annotation type="truth">1</annotation>'
                       b'<traceView traceDataRef="0"/></traceGroup><trace id="0">1 1</trace></ink>',
                       "2009210-947-3.inkml")[0] == "2009210-947"


def test_a_group_naming_a_missing_trace_skips_its_file(tmp_path):
    path = tmp_path / "bad.inkml"
    path.write_text('<ink xmlns="http://www.w3.org/2003/InkML"><traceGroup>'
                    '<annotation type="truth">1</annotation><traceView traceDataRef="5"/></traceGroup></ink>')
    with pytest.raises(ValueError, match="missing trace"):
        parse_inkml(path.read_bytes(), path.name)
    write_inkml(tmp_path / "good.inkml", [("1", [line(0, 0, 0, 9)])])
    data = load_source(tmp_path, kind="inkml", use_cache=False)
    assert len(data) == 1 and "bad.inkml" in data.report.skipped[0].path


def test_a_folder_without_inkml_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(DatasetError, match="no .inkml files"):
        load_source(tmp_path, kind="inkml", use_cache=False)


def test_data_info_names_the_writers(tmp_path, capsys):
    from mathdash.cli import main

    write_corpus(tmp_path / "crohme")
    assert main(["data", "info", str(tmp_path / "crohme"), "--kind", "inkml"]) == 0
    out = capsys.readouterr().out
    assert "9 images, 9 classes" in out and ", 3 writers" in out
    assert "note: 1 symbols have no Kaggle class and were left out: '.' x1" in out
    assert "broken.inkml" in out


def test_a_folder_finds_inkml_files_whatever_the_case_of_their_suffix(tmp_path):
    write_inkml(tmp_path / "set" / "a.inkml", [("x", [line(0, 0, 9, 9)])])
    write_inkml(tmp_path / "set" / "deep" / "B.INKML", [("1", [line(0, 0, 0, 9)]), ("x", [line(0, 9, 9, 0)])])
    (tmp_path / "set" / "notes.txt").write_text("not a symbol", encoding="utf-8")
    assert detect_kind(tmp_path / "set") == "inkml"
    dataset = load_source(tmp_path / "set", use_cache=False, workers=1)
    assert sorted(dataset.label_names()) == ["1", "X", "X"]
    assert sorted(set(dataset.sources)) == [str(tmp_path / "set" / "a.inkml"),
                                            str(tmp_path / "set" / "deep" / "B.INKML")]
