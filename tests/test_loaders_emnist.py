"""EMNIST idx files written byte for byte: headers, gzip, the mapping, orientation and polarity."""

import gzip

import numpy as np
import pytest

from mathdash.errors import DatasetError
from mathdash.loaders import detect_kind, load_source
from mathdash.loaders.emnist import find_emnist_files, read_idx


def upright_l() -> np.ndarray:
    """28x28 white 'L' on black (EMNIST polarity), as a person would see it."""
    image = np.zeros((28, 28), np.uint8)
    image[4:22, 6:10] = 255  # the bar, on the left
    image[18:22, 6:20] = 255  # the foot, at the bottom
    return image


def idx_bytes(array: np.ndarray) -> bytes:
    """The real idx encoding: magic 0x0000 08 <ndim>, big-endian int32 dims, then the bytes."""
    magic = (0x08 << 8) | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_split(folder, split="emnist-letters", part="train", count=3, gz=True, transposed=True):
    images = np.stack([upright_l()] * count)
    stored = images.transpose(0, 2, 1) if transposed else images
    labels = np.arange(count, dtype=np.uint8) % 3
    suffix = ".gz" if gz else ""
    prefix = f"{split}-{part}" if split else part
    opener = gzip.open if gz else open
    folder.mkdir(parents=True, exist_ok=True)
    with opener(folder / f"{prefix}-images-idx3-ubyte{suffix}", "wb") as out:
        out.write(idx_bytes(stored))
    with opener(folder / f"{prefix}-labels-idx1-ubyte{suffix}", "wb") as out:
        out.write(idx_bytes(labels))
    return folder / f"{prefix}-images-idx3-ubyte{suffix}"


def write_mapping(folder, split="emnist-letters"):
    # label, ascii code: '0', 'A', '|'
    (folder / f"{split}-mapping.txt").write_text("0 48\n1 65\n2 124\n")


def test_idx_headers_are_the_real_ones(tmp_path):
    images_file = write_split(tmp_path, gz=False)
    raw = images_file.read_bytes()
    assert int.from_bytes(raw[:4], "big") == 2051
    assert [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3)] == [3, 28, 28]
    labels_raw = (tmp_path / "emnist-letters-train-labels-idx1-ubyte").read_bytes()
    assert int.from_bytes(labels_raw[:4], "big") == 2049
    assert read_idx(images_file, 2051).shape == (3, 28, 28)


@pytest.mark.parametrize("gz", [True, False])
def test_orientation_polarity_and_mapping(tmp_path, gz):
    images_file = write_split(tmp_path, gz=gz)
    write_mapping(tmp_path)
    dataset = load_source(images_file, cache_dir=tmp_path / "cache")
    assert dataset.class_names == ["0", "A", "ascii_124"]
    assert dataset.label_names() == ["0", "A", "ascii_124"]
    assert dataset.original_size == (28, 28) and dataset.images.shape == (3, 45, 45)
    image = dataset.images[0]
    ink = image < 128
    assert image[0].min() == 255 and image[:, 0].min() == 255  # white paper around dark ink
    assert ink[:, :22].sum() > 2 * ink[:, 23:].sum()  # the bar is on the left ...
    assert ink[23:].sum() > ink[:22].sum()  # ... and the foot at the bottom: upright, not transposed
    notes = " ".join(dataset.report.notes)
    assert "transposed" in notes and "inverted" in notes and "28x28 to 45x45" in notes
    assert dataset.sources[1] == f"{images_file}#1"


def test_folder_loads_train_then_test(tmp_path):
    write_split(tmp_path, part="train", count=3)
    write_split(tmp_path, part="test", count=2)
    write_mapping(tmp_path)
    assert detect_kind(tmp_path) == "emnist"
    dataset = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert len(dataset) == 5 and "train-images" in dataset.sources[0] and "test-images" in dataset.sources[-1]
    cached = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert cached.report.from_cache
    np.testing.assert_array_equal(cached.images, dataset.images)


def test_mnist_without_mapping_is_not_transposed(tmp_path):
    images_file = write_split(tmp_path, split="", transposed=False, gz=False)
    dataset = load_source(images_file, cache_dir=tmp_path / "cache")
    assert dataset.class_names == ["0", "1", "2"]
    ink = dataset.images[0] < 128
    assert ink[:, :22].sum() > 2 * ink[:, 23:].sum()
    assert any("digits" in note for note in dataset.report.notes)
    assert not any("transposed" in note for note in dataset.report.notes)


def test_label_missing_from_mapping_is_skipped(tmp_path):
    images_file = write_split(tmp_path)
    (tmp_path / "emnist-letters-mapping.txt").write_text("0 48\n1 65\n")  # no label 2
    dataset = load_source(images_file, cache_dir=tmp_path / "cache")
    assert len(dataset) == 2 and dataset.class_names == ["0", "A"]
    assert dataset.report.skipped[0].reason == "label 2 is not in the mapping file"


def test_merged_case_mapping_names_by_the_first_letter(tmp_path):
    images_file = write_split(tmp_path)
    (tmp_path / "emnist-letters-mapping.txt").write_text("0 65 97\n1 66 98\n2 67 99\n")
    dataset = load_source(images_file, cache_dir=tmp_path / "cache")
    assert dataset.class_names == ["A", "B", "C"]
    assert any("merges upper and lower case" in note for note in dataset.report.notes)


def test_bad_files_raise_clear_errors(tmp_path):
    images_file = write_split(tmp_path, gz=False)
    with pytest.raises(DatasetError, match="magic number 2051, expected 2049"):
        read_idx(images_file, 2049)
    images_file.write_bytes(images_file.read_bytes()[:-10])
    with pytest.raises(DatasetError, match="truncated"):
        load_source(images_file, cache_dir=tmp_path / "cache")
    (tmp_path / "emnist-letters-train-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="labels file"):
        find_emnist_files(images_file)


def test_folder_with_two_splits_asks_for_one(tmp_path):
    write_split(tmp_path, split="emnist-letters")
    write_split(tmp_path, split="emnist-digits")
    with pytest.raises(DatasetError, match="several EMNIST splits"):
        load_source(tmp_path, cache_dir=tmp_path / "cache")


def test_folder_with_plain_and_gzip_copies_reads_each_file_once(tmp_path):
    write_split(tmp_path, gz=True)
    write_split(tmp_path, gz=False)
    write_mapping(tmp_path)
    dataset = load_source(tmp_path, cache_dir=tmp_path / "cache")
    assert len(dataset) == 3 and not dataset.sources[0].split("#")[0].endswith(".gz")
