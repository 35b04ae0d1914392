"""HASYv2: the labels csv beside 32x32 PNGs, LaTeX mapped to catalogue names."""

import numpy as np
import pytest
from PIL import Image

from mathdash.errors import DatasetError
from mathdash.loaders import detect_kind, load_source

ROWS = [  # path, symbol_id, latex, user_id
    ("hasy-data/v2-00000.png", 31, r"\alpha", 7),
    ("hasy-data/v2-00001.png", 32, r"\alpha", 7),
    ("hasy-data/v2-00002.png", 70, "A", 8),
    ("hasy-data/v2-00003.png", 195, r"\geq", 9),
    ("hasy-data/v2-00004.png", 500, r"\mathcal{Q}", 9),
]


def write_hasy(root, rows=ROWS, missing=()):
    (root / "hasy-data").mkdir(parents=True)
    lines = ["path,symbol_id,latex,user_id"]
    for i, (path, symbol_id, latex, user) in enumerate(rows):
        lines.append(f"{path},{symbol_id},{latex},{user}")
        if not path or path in missing:
            continue
        image = np.full((32, 32), 255, np.uint8)
        image[4 + i:12 + i, 8:24] = 0
        Image.fromarray(image).save(root / path)
    (root / "hasy-data-labels.csv").write_text("\n".join(lines) + "\n")
    return root / "hasy-data-labels.csv"


def test_hasy_loads_with_catalogue_names(tmp_path):
    csv_path = write_hasy(tmp_path)
    assert detect_kind(tmp_path) == "hasy" and detect_kind(csv_path) == "hasy"
    dataset = load_source(csv_path, cache_dir=tmp_path / "cache")
    assert dataset.class_names == ["A", "alpha", "geq", r"\mathcal{Q}"]
    assert dataset.label_names() == ["alpha", "alpha", "A", "geq", r"\mathcal{Q}"]
    assert dataset.original_size == (32, 32)
    assert (dataset.images[:, 0] == 255).all() and dataset.images[0].min() < 50
    assert dataset.sources[2].endswith("hasy-data/v2-00002.png")
    assert any("32x32" in note for note in dataset.report.notes)


def test_missing_images_and_bad_rows_are_skipped(tmp_path):
    rows = ROWS + [("", 1, "x", 1)]
    csv_path = write_hasy(tmp_path, rows=rows, missing={"hasy-data/v2-00003.png"})
    dataset = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert len(dataset) == 4 and "geq" not in dataset.class_names
    reasons = [s.reason for s in dataset.report.skipped]
    assert reasons == ["row without a path or a latex label", "listed in the csv but not found"]
    assert dataset.report.skipped[0].path == f"{csv_path.resolve()}:7"


def test_cache_hit_and_invalidation(tmp_path):
    write_hasy(tmp_path)
    first = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert load_source(tmp_path, cache_dir=tmp_path / "cache").report.from_cache
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "hasy-data" / "v2-00000.png")
    changed = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert not changed.report.from_cache
    assert not np.array_equal(changed.images[0], first.images[0])


def test_csv_without_the_columns(tmp_path):
    (tmp_path / "hasy-data-labels.csv").write_text("file,label\na.png,1\n")
    with pytest.raises(DatasetError, match="lacks the column"):
        load_source(tmp_path, kind="hasy", cache_dir=tmp_path / "cache")
