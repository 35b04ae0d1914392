"""Class folders in the Kaggle layout: labels, class order, bad files with reasons, the cache."""

import os

import numpy as np
import pytest
from PIL import Image

from mathdash.errors import DatasetError
from mathdash.loaders import load_source, write_folder
from mathdash.loaders.folder import find_class_root, list_class_folders
from mathdash.loaders.parallel import decode_files


def ink_square(seed: int) -> np.ndarray:
    """A 45x45 white image with one dark square placed by the seed (distinct per seed)."""
    image = np.full((45, 45), 255, np.uint8)
    top, left = 3 + seed % 30, 3 + (seed * 7) % 30
    image[top:top + 8, left:left + 8] = 0
    return image


def make_kaggle(root, counts: dict[str, int], fmt: str = "png") -> dict[str, list[np.ndarray]]:
    """Write ``root/extracted_images/<class>/<i>.<fmt>``; returns the images per class."""
    written = {}
    for c, (name, count) in enumerate(counts.items()):
        folder = root / "extracted_images" / name
        folder.mkdir(parents=True)
        written[name] = []
        for i in range(count):
            image = ink_square(c * 10 + i)
            Image.fromarray(image).save(folder / f"{name}_{i}.{fmt}")
            written[name].append(image)
    return written


def test_kaggle_layout_loads_exact_pixels_in_catalogue_order(tmp_path):
    written = make_kaggle(tmp_path, {"geq": 2, "alpha": 3, "0": 1, "zzz_custom": 1})
    dataset = load_source(tmp_path / "extracted_images", cache_dir=tmp_path / "cache")
    # catalogue order ('0' < 'alpha' < 'geq'), names outside the catalogue last
    assert dataset.class_names == ["0", "alpha", "geq", "zzz_custom"]
    assert dataset.class_counts() == {"0": 1, "alpha": 3, "geq": 2, "zzz_custom": 1}
    alpha = [i for i, name in enumerate(dataset.label_names()) if name == "alpha"]
    np.testing.assert_array_equal(dataset.images[alpha], np.stack(written["alpha"]))
    assert dataset.sources[alpha[0]].endswith(os.path.join("alpha", "alpha_0.png"))
    assert dataset.original_size == (45, 45)
    assert dataset.report.loaded == 7 and not dataset.report.skipped


def test_parent_of_extracted_images_is_accepted(tmp_path):
    make_kaggle(tmp_path / "download", {"1": 2, "2": 2})
    assert find_class_root(tmp_path / "download").name == "extracted_images"
    dataset = load_source(tmp_path / "download", cache_dir=tmp_path / "cache")
    assert len(dataset) == 4 and dataset.class_names == ["1", "2"]


def test_one_class_folder_of_images_is_not_descended_into(tmp_path):
    make_kaggle(tmp_path, {"pi": 2})
    assert find_class_root(tmp_path / "extracted_images").name == "extracted_images"


def test_bad_inputs_are_skipped_with_reasons(tmp_path):
    make_kaggle(tmp_path, {"alpha": 2, "beta": 1})
    root = tmp_path / "extracted_images"
    (root / "alpha" / "zero.jpg").write_bytes(b"")
    Image.fromarray(ink_square(5)).save(root / "beta" / "whole.jpg", quality=90)
    whole = (root / "beta" / "whole.jpg").read_bytes()
    (root / "beta" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    (root / "beta" / "fake.jpg").write_text("hello")
    Image.new("1", (5000, 5000), 1).save(root / "beta" / "bomb.png")
    (root / "beta" / "readme.txt").write_text("notes")
    (root / "beta" / "nested").mkdir()
    (root / "labels.csv").write_text("stray")
    (root / "empty_class").mkdir()
    (root / "broken_class").mkdir()
    (root / "broken_class" / "x.png").write_bytes(b"")
    dataset = load_source(root, cache_dir=tmp_path / "cache")
    reasons = {os.path.basename(s.path): s.reason for s in dataset.report.skipped}
    assert "empty file" in reasons["zero.jpg"]
    assert "truncated or corrupt" in reasons["cut.jpg"]
    assert "not an image" in reasons["fake.jpg"]
    assert "decompression bomb" in reasons["bomb.png"]
    assert "not an image file type (.txt)" == reasons["readme.txt"]
    assert "inside a class folder" in reasons["nested"]
    assert reasons["labels.csv"] == "stray file at the top level, not in a class folder"
    assert len(dataset) == 4 and dataset.class_names == ["alpha", "beta"]
    notes = " | ".join(dataset.report.notes)
    assert "empty class folder 'empty_class' dropped" in notes
    assert "class 'broken_class' dropped: none of its 1 files" in notes


def test_non_ascii_and_undecodable_names(tmp_path):
    root = tmp_path / "data"
    (root / "α").mkdir(parents=True)
    Image.fromarray(ink_square(1)).save(root / "α" / "été.png")
    raw_folder = os.fsencode(root / "α") + b"/\xff\xfe.png"  # not UTF-8: a surrogate-escaped name
    Image.fromarray(ink_square(2)).save(raw_folder.decode("utf-8", "surrogateescape"), "PNG")
    first = load_source(root, cache_dir=tmp_path / "cache")
    again = load_source(root, cache_dir=tmp_path / "cache")
    assert first.class_names == ["α"] and len(first) == 2
    assert again.report.from_cache and again.sources == first.sources
    assert any(source.endswith("été.png") for source in again.sources)


def test_cache_hit_then_invalidation_by_touch_and_new_file(tmp_path):
    make_kaggle(tmp_path, {"x": 3, "y": 2})
    root, cache = tmp_path / "extracted_images", tmp_path / "cache"
    first = load_source(root, cache_dir=cache)
    second = load_source(root, cache_dir=cache)
    assert not first.report.from_cache and second.report.from_cache
    np.testing.assert_array_equal(first.images, second.images)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert first.sources == second.sources and first.class_names == second.class_names
    touched = root / "x" / "x_0.png"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert not load_source(root, cache_dir=cache).report.from_cache
    assert load_source(root, cache_dir=cache).report.from_cache
    Image.fromarray(ink_square(40)).save(root / "y" / "new.png")
    third = load_source(root, cache_dir=cache)
    assert not third.report.from_cache and len(third) == 6


def test_use_cache_false_writes_nothing(tmp_path):
    make_kaggle(tmp_path, {"x": 2})
    dataset = load_source(tmp_path / "extracted_images", cache_dir=tmp_path / "cache", use_cache=False)
    assert len(dataset) == 2 and not (tmp_path / "cache").exists()


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    make_kaggle(tmp_path, {"x": 2})
    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "env_cache"))
    load_source(tmp_path / "extracted_images")
    assert len(list((tmp_path / "env_cache").iterdir())) == 1


def test_progress_reaches_the_total(tmp_path):
    make_kaggle(tmp_path, {"x": 3})
    calls = []
    load_source(tmp_path / "extracted_images", cache_dir=tmp_path / "c", progress=lambda *a: calls.append(a))
    assert calls[-1][:2] == (3, 3)


def test_listing_is_sorted_and_keyed(tmp_path):
    make_kaggle(tmp_path, {"b": 2, "a": 2})
    listing = list_class_folders(tmp_path / "extracted_images")
    assert listing.names == ["a/a_0.png", "a/a_1.png", "b/b_0.png", "b/b_1.png"]
    assert len(listing.key()) == 32 and listing.key() == list_class_folders(tmp_path).key()


def test_folder_without_class_folders(tmp_path):
    (tmp_path / "flat").mkdir()
    Image.fromarray(ink_square(0)).save(tmp_path / "flat" / "a.png")
    with pytest.raises(DatasetError, match="no class folders"):
        load_source(tmp_path / "flat", kind="folder", cache_dir=tmp_path / "c")


def test_folder_where_nothing_decodes(tmp_path):
    (tmp_path / "d" / "x").mkdir(parents=True)
    (tmp_path / "d" / "x" / "a.png").write_text("no")
    with pytest.raises(DatasetError, match="No image"):
        load_source(tmp_path / "d", kind="folder", cache_dir=tmp_path / "c")


@pytest.mark.slow
def test_process_pool_gives_the_same_result_as_one_process(tmp_path):
    make_kaggle(tmp_path, {"x": 9, "y": 8})
    paths = sorted(str(p) for p in (tmp_path / "extracted_images").rglob("*.png"))
    paths.insert(5, str(tmp_path / "missing.png"))
    calls = []
    pooled = decode_files(paths, workers=2, chunk_size=10, parallel_from=0,
                          progress=lambda *a: calls.append(a))
    alone = decode_files(paths, workers=1)
    np.testing.assert_array_equal(pooled.images, alone.images)
    assert pooled.reasons == alone.reasons and pooled.reasons[5].startswith("cannot read")
    # 18 files for 2 workers: chunks of ceil(18 / 8) = 3 files, so 6 progress calls
    assert pooled.ok.sum() == 17 and len(calls) == 6 and calls[-1][:2] == (18, 18)


@pytest.mark.parametrize("fmt", ["png", "jpg"])
def test_write_folder_round_trip(tmp_path, fmt):
    make_kaggle(tmp_path, {"alpha": 2, "forward_slash": 3})
    original = load_source(tmp_path / "extracted_images", cache_dir=tmp_path / "c")
    written = write_folder(original, tmp_path / "out", fmt=fmt)
    assert written == {"alpha": 2, "forward_slash": 3}
    assert sorted(p.name for p in (tmp_path / "out" / "alpha").iterdir()) == [f"0.{fmt}", f"1.{fmt}"]
    again = load_source(tmp_path / "out", cache_dir=tmp_path / "c")
    assert again.class_names == original.class_names
    tolerance = 0 if fmt == "png" else 40
    assert np.abs(again.images.astype(int) - original.images).max() <= tolerance


def test_a_pool_that_cannot_start_falls_back_with_a_note(tmp_path, monkeypatch):
    import mathdash.loaders.parallel as parallel

    def refuse(*args, **kwargs):
        raise OSError("process creation not permitted")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)
    make_kaggle(tmp_path, {"x": 5})
    paths = sorted(str(p) for p in (tmp_path / "extracted_images").rglob("*.png"))
    decoded = decode_files(paths, workers=2, chunk_size=2, parallel_from=0)
    assert decoded.ok.all() and len(decoded.images) == 5
    assert decoded.notes == ["worker processes failed (OSError: process creation not permitted); "
                             "the rest was decoded in one process"]


def test_an_unexpected_decoder_error_costs_one_file(tmp_path, monkeypatch):
    import mathdash.loaders.parallel as parallel

    real = parallel.decode_file

    def flaky(path):
        if path.endswith("x_1.png"):
            raise ValueError("decoder bug")
        return real(path)

    monkeypatch.setattr(parallel, "decode_file", flaky)
    make_kaggle(tmp_path, {"x": 3})
    dataset = load_source(tmp_path / "extracted_images", cache_dir=tmp_path / "c", workers=1)
    assert len(dataset) == 2
    assert dataset.report.skipped[0].reason == "cannot decode: ValueError: decoder bug"
