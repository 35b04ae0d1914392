"""The pickled (train_x, train_y) tuple of 56x56 binary rows: trust gate, conversion, class names."""

import pickle

import numpy as np
import pytest

from mathdash.errors import DatasetError
from mathdash.loaders import load_source, save_npz


def binary_rows(count: int) -> np.ndarray:
    """(count, 3136) rows of 56x56 images, ink 1 on background 0 (white on black), asymmetric."""
    images = np.zeros((count, 56, 56), np.uint8)
    for i in range(count):
        images[i, 8:48, 10 + i % 5:16 + i % 5] = 1  # a bar on the left
    return images.reshape(count, 3136)


def write_pickle(path, content) -> None:
    with open(path, "wb") as out:
        pickle.dump(content, out)


def test_auto_detected_pickle_is_refused_without_trust(tmp_path):
    path = tmp_path / "data.pkl"
    write_pickle(path, (binary_rows(3), np.array([0, 1, 2])))
    with pytest.raises(DatasetError, match="can run any code"):
        load_source(path, cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("how", [{"trust": True}, {"kind": "pickle"}])
def test_pickle_loads_when_trusted(tmp_path, how):
    path = tmp_path / "data.pkl"
    labels = np.array([0, 9, 10, 35, 10])
    write_pickle(path, (binary_rows(5), labels))
    dataset = load_source(path, cache_dir=tmp_path / "cache", **how)
    assert dataset.class_names[:3] == ["0", "1", "2"] and dataset.class_names[10] == "A"
    assert dataset.num_classes == 36 and dataset.class_names[-1] == "Z"
    assert dataset.label_names() == ["0", "9", "A", "Z", "A"]
    assert dataset.original_size == (56, 56) and dataset.images.shape == (5, 45, 45)
    image = dataset.images[0]
    assert (image[0] == 255).all()  # inverted: white paper at the border
    assert image[:, :20].min() == 0 and image[:, 25:].min() == 255  # the dark bar stays on the left
    notes = " ".join(dataset.report.notes)
    assert "0-9 then A-Z" in notes and "inverted" in notes and "only open pickles you trust" in notes
    assert dataset.sources[3] == f"{path}#3"


def test_train_and_test_pairs_are_concatenated(tmp_path):
    path = tmp_path / "both.pickle"
    write_pickle(path, ((binary_rows(3), [0, 1, 2]), (binary_rows(2), [3, 4])))
    dataset = load_source(path, kind="pickle", cache_dir=tmp_path / "cache")
    assert len(dataset) == 5 and dataset.labels.tolist() == [0, 1, 2, 3, 4]


def test_pickle_reloads_from_cache_and_converts_to_npz(tmp_path):
    path = tmp_path / "data.pkl"
    write_pickle(path, (binary_rows(4), np.array([1, 2, 3, 4])))
    first = load_source(path, kind="pickle", cache_dir=tmp_path / "cache")
    second = load_source(path, kind="pickle", cache_dir=tmp_path / "cache")
    assert second.report.from_cache
    np.testing.assert_array_equal(first.images, second.images)
    npz = save_npz(first, tmp_path / "data.npz")
    converted = load_source(npz, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(converted.images, first.images)
    assert converted.class_names == first.class_names


def test_wrong_contents_give_clear_errors(tmp_path):
    path = tmp_path / "odd.pkl"
    write_pickle(path, {"x": 1})
    with pytest.raises(DatasetError, match="does not hold an"):
        load_source(path, kind="pickle", cache_dir=tmp_path / "cache")
    write_pickle(path, (np.zeros((2, 3000)), [0, 1]))
    with pytest.raises(DatasetError, match="not square"):
        load_source(path, kind="pickle", use_cache=False)
    write_pickle(path, (binary_rows(2), [0, 1, 2]))
    with pytest.raises(DatasetError, match="expected 2 integer labels"):
        load_source(path, kind="pickle", use_cache=False)
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(DatasetError, match="could not be unpickled"):
        load_source(path, kind="pickle", use_cache=False)
