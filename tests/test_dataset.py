"""The Dataset contract: validation, subsets carrying extras, counts."""

import numpy as np
import pytest

from mathdash.dataset import Dataset, LoadReport
from mathdash.errors import DatasetError


def _dataset(n=6):
    images = np.full((n, 45, 45), 255, np.uint8)
    images[:, 20, :] = np.arange(n)[:, None]
    return Dataset(images, np.arange(n) % 3, ["a", "b", "c"], [f"f{i}" for i in range(n)],
                   extras={"duplicate_of": np.full(n, -1)})


def test_counts_include_empty_classes():
    data = Dataset(np.full((2, 45, 45), 255, np.uint8), [0, 0], ["a", "b"], ["x", "y"])
    assert data.class_counts() == {"a": 2, "b": 0}
    assert data.summary()["classes_under_50"] == 2


def test_subset_by_mask_keeps_rows_and_extras_aligned():
    data = _dataset()
    part = data.subset(data.labels == 1)
    assert len(part) == 2
    assert part.sources == ["f1", "f4"]
    assert part.images[1, 20, 0] == 4
    assert part.extras["duplicate_of"].tolist() == [-1, -1]


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (np.zeros((2, 28, 28), np.uint8), [0, 1], "shape"),
        (np.zeros((2, 45, 45), np.float32), [0, 1], "uint8"),
        (np.zeros((2, 45, 45), np.uint8), [0], "labels"),
        (np.zeros((2, 45, 45), np.uint8), [0, 5], "0..1"),
    ],
)
def test_bad_arrays_raise_dataset_error(images, labels, message):
    with pytest.raises(DatasetError, match=message):
        Dataset(images, labels, ["a", "b"], ["x", "y"])


def test_load_report_records_skips():
    report = LoadReport(source="s")
    report.skip("bad.jpg", "truncated JPEG")
    assert report.to_dict()["skipped"] == [{"path": "bad.jpg", "reason": "truncated JPEG"}]


def test_empty_subset_is_an_empty_dataset():
    part = _dataset().subset([])
    assert len(part) == 0 and part.images.shape == (0, 45, 45)
    assert part.extras["duplicate_of"].shape == (0,)


def test_concat_renumbers_classes_and_keeps_extras_apart():
    from mathdash.dataset import concat_datasets

    images = np.full((3, 45, 45), 255, np.uint8)
    built_in = Dataset(images, [0, 1, 1], ["1", "X"], ["g0", "g1", "g2"], name="builtin",
                       extras={"duplicate_of": np.array([-1, -1, 1]), "group": np.array([0, 1, 1])})
    real = Dataset(images[:2], [1, 0], ["alpha", "X"], ["a.inkml", "b.inkml"], name="crohme",
                   extras={"writer": np.array(["w1", "w2"])})
    both = concat_datasets([built_in, real])
    assert both.class_names == ["1", "alpha", "X"]  # catalogue order
    assert both.label_names() == ["1", "X", "X", "X", "alpha"]
    assert list(both.extras["duplicate_of"]) == [-1, -1, 1, -1, -1]
    assert list(both.extras["group"]) == [0, 1, 1, 2, 3]  # the real rows get groups of their own
    assert list(both.extras["writer"]) == ["", "", "", "w1", "w2"]
    assert both.sources[3] == "a.inkml" and both.name == "builtin + crohme"
