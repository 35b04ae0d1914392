"""The loaders' promises in detail: the cache's entries and keys, the writer's files and progress, ...

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/loaders``; the broad
behaviour is in the per-module ``test_loaders_*.py`` files. Every test writes its own small data.
"""

import io
import json
import os
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import mathdash
from mathdash.dataset import Dataset, LoadReport, SkippedFile
from mathdash.errors import DatasetError
from mathdash.loaders import archive as archive_module
from mathdash.loaders import cache as cache_module
from mathdash.loaders import images as images_module
from mathdash.loaders import emnist as emnist_module
from mathdash.loaders import inkml as inkml_module
from mathdash.loaders import parallel as parallel_module
from mathdash.loaders import strokes as strokes_module
from mathdash.loaders import writer as writer_module
from mathdash.loaders import detect_kind, extract_zip, load_data, load_npz, load_source, save_npz, source_parts
from mathdash.loaders.pickled import load_pickle
from mathdash.loaders.cache import (
    CACHE_ENV,
    KEEP_ENTRIES,
    LOADER_VERSION,
    DatasetCache,
    content_key,
    default_cache_dir,
    fetch,
    file_key,
    prune_oldest,
)
from mathdash.loaders.emnist import find_emnist_files, read_idx
from mathdash.loaders.folder import find_class_root, is_class_folder_tree, list_class_folders
from mathdash.loaders.images import (
    UnreadableImage,
    _check_pixels,
    _decode_jpeg_fast,
    _jpeg_header,
    _wide_to_uint8,
    decode_bytes,
    decode_file,
)
from mathdash.loaders.hasy import find_hasy_csv, is_hasy_csv
from mathdash.loaders.inkml import parse_inkml
from mathdash.loaders.parallel import decode_chunk, decode_files, default_workers
from mathdash.loaders.resize import as_uint8_pixels, border_pixels, fit_whole, is_white_on_black, mostly_white_on_black
from mathdash.loaders.strokes import render_strokes
from mathdash.loaders.writer import folder_name, write_folder
from tests.inkml_support import circle, line, write_inkml

KEY = "0123456789abcdef0123456789abcdef"  # 32 lowercase hex digits: the form of a real key


def _images(count: int) -> np.ndarray:
    """Distinct 45x45 drawings: a dark bar whose place and grey depend on the row."""
    images = np.full((count, 45, 45), 255, np.uint8)
    for i in range(count):
        images[i, 5 + i % 30:15 + i % 30, 8:20] = (i * 37) % 200
    return images


def _dataset(sources, **fields) -> Dataset:
    count = len(sources)
    return Dataset(_images(count), np.arange(count) % 2, ["alpha", "beta"], list(sources), **fields)


# --- cache: what an entry keeps ---------------------------------------------------------------------

def test_an_entry_keeps_name_size_extras_and_the_whole_report(tmp_path):
    report = LoadReport(source="/data/set", loaded=3, skipped=[SkippedFile("/data/set/a/x.txt", "not an image")],
                        notes=["3 images were not 45x45"], seconds=1.5)
    dataset = _dataset(["/data/set/a/0.png", "/data/set/b/1.png", "/data/set/a/2.png"], name="kaggle",
                       original_size=(32, 28), extras={"writer": np.array(["w1", "", "w2"])}, report=report)
    store = DatasetCache(tmp_path / "cache")
    store.save(KEY, dataset, "/data/set/")
    loaded = store.load(KEY, "/data/set/")
    assert loaded.name == "kaggle" and loaded.original_size == (32, 28)
    assert loaded.class_names == ["alpha", "beta"] and loaded.labels.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(loaded.images, dataset.images)
    assert loaded.extras["writer"].tolist() == ["w1", "", "w2"]
    assert loaded.sources == dataset.sources
    got = loaded.report
    assert (got.source, got.loaded, got.notes, got.seconds) == ("/data/set", 3, ["3 images were not 45x45"], 1.5)
    assert got.skipped == [SkippedFile("/data/set/a/x.txt", "not an image")] and got.from_cache


def test_cached_pixels_are_mapped_read_only_from_disk(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    store.save(KEY, _dataset(["s0", "s1"]), "")
    images = store.load(KEY, "").images
    assert isinstance(images, np.memmap) and not images.flags.writeable


def test_a_report_recorded_without_its_fields_reads_as_an_empty_report(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    store.save(KEY, _dataset(["s0"]), "")
    meta_path = tmp_path / "cache" / KEY / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["report"] = {}  # an entry written before the report had these fields
    meta_path.write_text(json.dumps(meta))
    report = store.load(KEY, "").report
    assert (report.source, report.loaded, report.skipped, report.notes, report.seconds) == ("", 0, [], [], 0.0)
    assert report.from_cache


def test_the_entry_records_the_loader_version(tmp_path):
    DatasetCache(tmp_path / "cache").save(KEY, _dataset(["s0"]), "")
    meta = json.loads((tmp_path / "cache" / KEY / "meta.json").read_text())
    assert meta["version"] == LOADER_VERSION


def test_a_moved_folder_still_hits_with_its_new_paths(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    built = fetch(store, KEY, "/old/place/", lambda: _dataset(["/old/place/a/0.png", "/old/place/b/1.png"]))
    assert not built.report.from_cache
    moved = store.load(KEY, "/new/home/")
    assert moved.sources == ["/new/home/a/0.png", "/new/home/b/1.png"] and moved.report.from_cache


def test_sources_outside_the_prefix_are_stored_whole(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    store.save(KEY, _dataset(["/data/a/0.png", "/elsewhere/1.png"]), "/data/")
    assert store.load(KEY, "/moved/").sources == ["/data/a/0.png", "/elsewhere/1.png"]


def test_an_empty_dataset_is_cached_too(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    empty = Dataset(np.zeros((0, 45, 45), np.uint8), np.zeros(0, np.int64), ["alpha"], [], name="none")
    store.save(KEY, empty, "/data/")
    loaded = store.load(KEY, "/data/")
    assert loaded is not None and len(loaded) == 0 and loaded.sources == [] and loaded.name == "none"


def test_class_names_that_are_not_valid_utf8_survive_the_cache(tmp_path):
    # a folder name with undecodable bytes reaches Python as lone surrogates (surrogateescape)
    odd = os.fsdecode(b"caf\xe9")
    store = DatasetCache(tmp_path / "cache")
    dataset = Dataset(_images(2), np.array([0, 1]), [odd, "beta"], ["/d/" + odd + "/0.png", "/d/beta/1.png"])
    store.save(KEY, dataset, "/d/")
    loaded = store.load(KEY, "/d/")
    assert loaded.class_names == [odd, "beta"] and loaded.sources == dataset.sources


def test_save_creates_missing_parent_folders_and_writes_aside_in_the_root(tmp_path, monkeypatch):
    real = cache_module._write_entry
    folders = []
    monkeypatch.setattr(cache_module, "_write_entry",
                        lambda folder, dataset, prefix: folders.append(folder) or real(folder, dataset, prefix))
    root = tmp_path / "a" / "b" / "cache"
    DatasetCache(root).save(KEY, _dataset(["s0"]), "")
    assert (root / KEY / "images.npy").is_file()
    # written in a hidden ".partial-<key>-" folder of the cache itself, so the rename is atomic
    assert folders[0].parent == root and folders[0].name.startswith(f".partial-{KEY}-")
    assert not folders[0].exists() and [p.name for p in root.iterdir()] == [KEY]


def test_a_failed_write_raises_and_leaves_no_partial_folder(tmp_path, monkeypatch):
    def broken(folder, dataset, prefix):
        (folder / "images.npy").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(cache_module, "_write_entry", broken)
    root = tmp_path / "cache"
    with pytest.raises(OSError, match="disk full"):
        DatasetCache(root).save(KEY, _dataset(["s0"]), "")
    assert list(root.iterdir()) == []


def test_a_concurrent_writer_that_won_the_rename_is_fine(tmp_path):
    store = DatasetCache(tmp_path / "cache")
    store.save(KEY, _dataset(["first0", "first1"]), "")
    store.save(KEY, _dataset(["second0"]), "")  # the rename onto the existing entry fails: no error
    assert store.load(KEY, "").sources == ["first0", "first1"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [KEY]


def test_an_extra_of_python_objects_is_not_cached_and_leaves_no_partial_entry(tmp_path):
    objects = np.empty(2, dtype=object)
    objects[:] = [{"a": 1}, None]
    dataset = fetch(DatasetCache(tmp_path / "cache"), KEY, "", lambda: _dataset(["s0", "s1"], extras={"meta": objects}))
    assert dataset.extras["meta"][0] == {"a": 1}
    assert dataset.report.notes == ["decoded images could not be cached: extra 'meta' holds Python objects (object),"
                                    " which are not cached"]
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_cache_that_cannot_be_written_still_gives_the_dataset_with_a_note(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    dataset = fetch(DatasetCache(tmp_path / "cache"), KEY, "", lambda: _dataset(["s0"]))
    assert len(dataset) == 1
    assert len(dataset.report.notes) == 1
    assert dataset.report.notes[0].startswith("decoded images could not be cached: ")


def test_saving_prunes_to_the_most_recent_entries_and_keeps_what_is_not_an_entry(tmp_path):
    root = tmp_path / "cache"
    store = DatasetCache(root)
    keys = [f"{i:032x}" for i in range(KEEP_ENTRIES + 2)]
    for age, key in enumerate(keys):
        store.save(key, _dataset(["s0"]), "")
        os.utime(root / key, ns=(10**18 + age * 10**9,) * 2)  # saved one second apart, in this order
    others = ["notes", "cafe", "X" * 32, "ABCDEF0123456789ABCDEF0123456789"]
    for name in others:
        (root / name).mkdir()
    store.save(f"{99:032x}", _dataset(["s0"]), "")
    survivors = sorted(p.name for p in root.iterdir())
    newest = keys[-(KEEP_ENTRIES - 1):] + [f"{99:032x}"]
    assert survivors == sorted(newest + others)


def test_prune_oldest_keeps_the_newest_and_drops_stale_records(tmp_path):
    ages = {"b": 3, "a": 1, "d": 4, "c": 2}  # names in another order than their ages
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (age * 1000, age * 1000))
    (tmp_path / "a.json").write_text("[]")  # "c" has no record: its absence is fine
    (tmp_path / "d.json").write_text("[]")
    prune_oldest([tmp_path / name for name in ages], keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "d", "d.json"]


def test_prune_oldest_passes_over_an_entry_it_cannot_remove(tmp_path):
    (tmp_path / "old").write_text("a file, not a folder")
    os.utime(tmp_path / "old", (1000, 1000))
    (tmp_path / "new").mkdir()
    prune_oldest([tmp_path / "old", tmp_path / "new"], keep=1)
    assert (tmp_path / "new").is_dir()


# --- cache: keys ------------------------------------------------------------------------------------

def test_keys_tell_apart_kinds_and_one_nanosecond(tmp_path):
    path = tmp_path / "set.pkl"
    path.write_bytes(b"data")
    assert file_key("pickle", [path]) != file_key("emnist", [path])
    mtime = 1_700_000_000_123_456_789  # nanoseconds: past float64's exact integers
    assert content_key("k", ["a"], [4], [mtime]) != content_key("k", ["a"], [4], [mtime + 1])
    size = 2**53
    assert content_key("k", ["a"], [size], [0]) != content_key("k", ["a"], [size + 1], [0])


def test_a_key_needs_one_size_and_one_mtime_per_name():
    with pytest.raises(ValueError):
        content_key("k", ["a", "b"], [1], [1, 2])
    with pytest.raises(ValueError):
        content_key("k", ["a", "b"], [1, 2], [1])


def test_the_default_cache_dir_is_artifacts_cache_unless_configured(tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    repository = os.path.dirname(os.path.dirname(os.path.abspath(mathdash.__file__)))
    assert str(default_cache_dir()) == os.path.join(os.path.realpath(repository), "artifacts", "cache")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


# --- writer -----------------------------------------------------------------------------------------

def test_folder_names_are_made_safe():
    assert folder_name("a/b") == "a_b" and folder_name("a\0b") == "a_b"
    assert folder_name("") == "__" and folder_name(".") == "_._" and folder_name("..") == "_.._"
    assert folder_name("alpha") == "alpha" and folder_name("...") == "..."


def test_write_folder_writes_png_by_default_and_can_write_again(tmp_path):
    dataset = _dataset(["s0", "s1", "s2"])
    assert write_folder(dataset, tmp_path / "out") == {"alpha": 2, "beta": 1}
    assert write_folder(dataset, tmp_path / "out") == {"alpha": 2, "beta": 1}  # replaces, no error
    assert sorted(p.name for p in (tmp_path / "out" / "alpha").iterdir()) == ["0.png", "2.png"]
    with Image.open(tmp_path / "out" / "beta" / "1.png") as image:
        assert image.format == "PNG"
        np.testing.assert_array_equal(np.asarray(image), dataset.images[1])


def test_jpeg_files_are_written_at_quality_95(tmp_path):
    dataset = _dataset(["s0"])
    write_folder(dataset, tmp_path / "out", fmt="jpg")
    expected = io.BytesIO()
    Image.fromarray(dataset.images[0]).save(expected, "JPEG", quality=95)
    assert (tmp_path / "out" / "alpha" / "0.jpg").read_bytes() == expected.getvalue()


def test_an_unknown_format_is_refused_with_the_choices(tmp_path):
    with pytest.raises(DatasetError) as error:
        write_folder(_dataset(["s0"]), tmp_path / "out", fmt="gif")
    assert str(error.value) == "unknown image format 'gif'; choose one of png, jpg"


def test_write_progress_every_few_images_and_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_PROGRESS_EVERY", 3)
    calls = []
    write_folder(_dataset([f"s{i}" for i in range(7)]), tmp_path / "out", progress=lambda *a: calls.append(a))
    assert calls == [(3, 7, "writing images"), (6, 7, "writing images"), (7, 7, "writing images")]


# --- images: the JPEG fast path ---------------------------------------------------------------------

def _jpeg(pixels: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def _sof(height: int, width: int, components: int = 1, precision: int = 8) -> bytes:
    """A baseline frame header, cut after its component count (all that the header parser reads)."""
    return (b"\xff\xc0" + (8 + 3 * components).to_bytes(2, "big") + bytes([precision])
            + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([components]))


def _l_shape(height: int = 45, width: int = 45) -> np.ndarray:
    image = np.full((height, width), 255, np.uint8)
    image[height // 5:height * 4 // 5, width // 5:width // 5 + 4] = 0
    image[height * 4 // 5 - 4:height * 4 // 5, width // 5:width * 3 // 5] = 0
    return image


@pytest.fixture
def no_pillow(monkeypatch):
    """Decoding must not fall back to Pillow: proves the OpenCV fast path took the file."""
    def refuse(data):
        raise AssertionError("the fast path should have decoded this JPEG")

    monkeypatch.setattr(images_module, "_decode_with_pillow", refuse)


def test_the_jpeg_header_gives_height_width_and_components():
    rgb = np.stack([_l_shape(260, 300)] * 3, axis=-1)
    assert _jpeg_header(_jpeg(rgb)) == (260, 300, 3)  # after the JFIF segment; sizes over 255
    assert _jpeg_header(_jpeg(_l_shape(30, 50))) == (30, 50, 1)
    assert _jpeg_header(_jpeg(_l_shape(30, 50), comment=b"x" * 300)) == (30, 50, 1)  # a segment over 255 bytes


def test_the_jpeg_header_parser_on_hand_made_marker_sequences():
    soi = b"\xff\xd8"
    assert _jpeg_header(soi + _sof(30, 50)) == (30, 50, 1)  # the frame header ends the data exactly
    assert _jpeg_header((soi + _sof(30, 50))[:-1]) is None  # its component count cut off
    assert _jpeg_header(soi + b"\xff\xe1\x00\x02" + _sof(30, 50)) == (30, 50, 1)  # an empty segment first
    assert _jpeg_header(soi + _sof(30, 50, precision=12)) is None  # 12-bit JPEG: Pillow's job
    assert _jpeg_header(soi + b"\xff\xda\x00\x04\x00\x00" + _sof(30, 50)) is None  # scan before frame
    assert _jpeg_header(soi + b"\xff\xe1\x00\x01" + _sof(30, 50)) is None  # a segment length under 2
    assert _jpeg_header(soi + b"\x12" + _sof(30, 50)[1:]) is None  # no 0xFF where a marker starts
    assert _jpeg_header(soi + b"\xff\xe0\x00\x10JFIF\x00") is None  # cut inside the first segment
    assert _jpeg_header(b"\x89PNG" + _sof(30, 50)) is None


def test_plain_jpegs_take_the_fast_path(no_pillow):
    for pixels in (_l_shape(), np.stack([_l_shape()] * 3, axis=-1), np.zeros((1, 1), np.uint8)):
        data = _jpeg(pixels)
        decoded = decode_bytes(data)
        assert decoded.pixels.shape == (45, 45)
    padded = _jpeg(_l_shape()) + b"\x00\x00\x00"  # zero bytes after the end marker, as some cameras write
    np.testing.assert_array_equal(decode_bytes(padded).pixels, decode_bytes(_jpeg(_l_shape())).pixels)


def test_the_fast_path_leaves_unusual_jpegs_to_pillow():
    plain = _jpeg(_l_shape())
    assert _decode_jpeg_fast(plain) is not None
    assert _decode_jpeg_fast(plain + b"XX") is None  # no end marker at the end: maybe truncated
    assert _decode_jpeg_fast(plain[:-2] + b"\xff\xd9"[:1]) is None
    cmyk = io.BytesIO()
    Image.fromarray(_l_shape()).convert("CMYK").save(cmyk, "JPEG", quality=90)
    assert _decode_jpeg_fast(cmyk.getvalue()) is None  # four components


def test_a_jpeg_frame_without_any_scan_is_reported_not_crashed():
    with pytest.raises(UnreadableImage):
        decode_bytes(b"\xff\xd8" + _sof(30, 50) + b"\x00\x00\x00" + b"\xff\xd9")


def test_an_exif_rotation_is_not_applied_like_pillow(no_pillow):
    exif = Image.Exif()
    exif[0x0112] = 3  # "rotate 180": the stored pixels are kept, as Pillow gives them
    data = _jpeg(_l_shape(), exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as image:
        stored = np.asarray(image.convert("L"))
    np.testing.assert_array_equal(decode_bytes(data).pixels, stored)


def test_the_pixel_limit_for_jpegs_is_inclusive(no_pillow):
    side = 4096  # exactly MAX_PIXELS: still decoded, by the fast path
    decoded = decode_bytes(_jpeg(np.full((side, side), 255, np.uint8)))
    assert decoded.original_size == (side, side)


def test_a_jpeg_over_the_pixel_limit_is_refused():
    with pytest.raises(UnreadableImage) as error:
        decode_bytes(_jpeg(np.full((4097, 4096), 255, np.uint8)))
    assert str(error.value) == ("image is 4096x4097, over the 16,777,216-pixel limit "
                                "(possible decompression bomb)")


def test_decode_bytes_tries_the_fast_path_first(monkeypatch):
    calls = []
    real = images_module._decode_with_pillow
    monkeypatch.setattr(images_module, "_decode_with_pillow", lambda data: calls.append(1) or real(data))
    decode_bytes(_jpeg(_l_shape()))
    png = io.BytesIO()
    Image.fromarray(_l_shape()).save(png, "PNG")
    decode_bytes(png.getvalue())
    assert calls == [1]  # only the PNG went to Pillow


# --- images: Pillow, limits and messages ------------------------------------------------------------

def _png_header(width: int, height: int) -> bytes:
    """A 1-bit PNG that declares a size but holds no pixel data: Pillow reads the size, then fails."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_pixel_limits_and_empty_sizes():
    _check_pixels((4096, 4096))  # exactly the limit
    _check_pixels((1, 5))
    _check_pixels((5, 1))
    with pytest.raises(UnreadableImage) as error:
        _check_pixels((4097, 4096))
    assert str(error.value) == "image is 4097x4096, over the 16,777,216-pixel limit (possible decompression bomb)"
    for size, text in (((0, 5), "0x5"), ((5, 0), "5x0")):
        with pytest.raises(UnreadableImage) as error:
            _check_pixels(size)
        assert str(error.value) == f"image has no pixels ({text})"


def test_a_png_at_the_pixel_limit_is_read_not_refused():
    with pytest.raises(UnreadableImage) as error:
        decode_bytes(_png_header(4096, 4096))
    assert str(error.value).startswith("truncated or corrupt image: ")


def test_pillows_own_bomb_warning_is_a_refusal():
    with pytest.raises(UnreadableImage) as error:
        decode_bytes(_png_header(10000, 10000))  # over Pillow's warning size, under its error size
    assert str(error.value).startswith("refused as a decompression bomb: Image size (100000000 pixels)")


def test_messages_for_empty_and_unrecognised_data():
    with pytest.raises(UnreadableImage) as error:
        decode_bytes(b"")
    assert str(error.value) == "empty file (0 bytes)"
    with pytest.raises(UnreadableImage) as error:
        decode_bytes(b"plain text, no image")
    assert str(error.value) == "not an image (format not recognised)"


def test_a_decoder_error_is_reported_with_its_message_or_its_type(monkeypatch):
    png = io.BytesIO()
    Image.fromarray(_l_shape()).save(png, "PNG")
    for error, text in ((ValueError("bad tile"), "bad tile"), (ValueError(), "ValueError")):
        def fail(image, error=error):
            raise error

        monkeypatch.setattr(images_module, "_to_gray", fail)
        with pytest.raises(UnreadableImage) as caught:
            decode_bytes(png.getvalue())
        assert str(caught.value) == f"truncated or corrupt image: {text}"


def test_file_size_limit_is_inclusive_and_named(tmp_path):
    limit = 64 * 2**20
    at_limit, over = tmp_path / "at.png", tmp_path / "over.png"
    for path, size in ((at_limit, limit), (over, limit + 1)):
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: no disk used
    with pytest.raises(UnreadableImage) as error:
        decode_file(str(at_limit))
    assert str(error.value) == "not an image (format not recognised)"  # read, then judged
    with pytest.raises(UnreadableImage) as error:
        decode_file(str(over))
    assert str(error.value) == "file is over 64 MB"
    with pytest.raises(UnreadableImage) as error:
        decode_file(str(tmp_path / "absent.png"))
    assert str(error.value) == "cannot read file: No such file or directory"


def test_sixteen_bit_greys_scale_to_their_eight_bit_values():
    grey = np.full((45, 45), 255, np.uint8)
    grey[10:35, 5:40] = np.arange(25 * 35).reshape(25, 35) % 200  # every grey 0..199, white border
    png = io.BytesIO()
    Image.fromarray(grey.astype(np.uint16) * 257).save(png, "PNG")  # v -> 257 v: full 16-bit range
    np.testing.assert_array_equal(decode_bytes(png.getvalue()).pixels, grey)


def test_a_ycbcr_tiff_decodes_to_the_grey_of_its_colours():
    rng = np.random.default_rng(3)
    rgb = np.full((45, 45, 3), 255, np.uint8)
    rgb[5:40, 5:40] = rng.integers(0, 256, (35, 35, 3), dtype=np.uint8)
    ycbcr = Image.fromarray(rgb).convert("YCbCr")
    tiff = io.BytesIO()
    ycbcr.save(tiff, "TIFF")
    assert Image.open(io.BytesIO(tiff.getvalue())).mode == "YCbCr"
    png = io.BytesIO()
    ycbcr.convert("RGB").save(png, "PNG")  # the same colours, stored as RGB
    np.testing.assert_array_equal(decode_bytes(tiff.getvalue()).pixels, decode_bytes(png.getvalue()).pixels)


def test_wide_pixels_map_onto_0_255():
    def wide(values, dtype):
        return _wide_to_uint8(np.array([values], dtype=dtype))[0].tolist()

    assert wide([0.0, 0.2, 0.6, 1.0], np.float32) == [0, 51, 153, 255]  # fractions of white
    assert wide([0.0, 1.5], np.float32) == [0, 2]  # not fractions: taken as they are
    assert wide([0.0, 100.0, 200.0], np.float64) == [0, 100, 200]
    assert wide([0, 1], np.int32) == [0, 1]  # integers are never fractions
    assert wide([-5, 100], np.int32) == [0, 100]  # clipped, not wrapped round
    assert wide([0, 128, 256], np.int32) == [0, 64, 128]  # 9 bits: 511 -> 255
    assert wide([0, 4096], np.int32) == [0, 128]  # 13 bits: 8191 -> 255
    twelve = np.array([0, 281, 1000, 2048, 3000, 4088, 4095])
    assert wide(twelve, np.uint16) == np.rint(twelve * 255 / 4095).astype(int).tolist()  # 12 bits
    assert _wide_to_uint8(np.array([[1000, 3000]], np.int32)).dtype == np.uint8
    flat = np.array([[0, 2048], [4095, 1000]], np.int32)
    np.testing.assert_array_equal(_wide_to_uint8(np.stack([flat] * 3, axis=2)), _wide_to_uint8(flat))


# --- archive ----------------------------------------------------------------------------------------

def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_images(seed + 1)[seed]).save(buffer, "PNG")
    return buffer.getvalue()


def _zip(path, entries):
    """A zip of (name, bytes) entries; names ending in '/' are folder entries."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive_file.writestr(info, data)
    return path


def _mark_encrypted(path):
    """Set the 'encrypted' flag of every entry (zipfile cannot write encrypted entries itself)."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start >= 0:
            data[start + offset] |= 0x1
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def test_zip_limits_are_inclusive_and_their_messages_give_the_sizes(tmp_path):
    src = _zip(tmp_path / "z.zip", [(f"c/{i}.png", b"x") for i in range(4)])
    assert extract_zip(src, tmp_path / "t1", max_files=4) == []  # exactly the limit
    with pytest.raises(DatasetError) as error:
        extract_zip(src, tmp_path / "t2", max_files=3)
    assert str(error.value) == f"{src} lists 4 entries, over the limit of 3"
    bomb = _zip(tmp_path / "bomb.zip", [("c/big.png", b"\0" * (3 * 2**20))])
    assert extract_zip(bomb, tmp_path / "t3", max_bytes=3 * 2**20) == []  # exactly the limit
    with pytest.raises(DatasetError) as error:
        extract_zip(bomb, tmp_path / "t4", max_bytes=2**20)
    assert str(error.value) == (f"{bomb} would expand to 3 MB, over the 1 MB limit "
                                "(refused as a possible zip bomb)")


def test_the_per_entry_size_limit_is_inclusive_and_named(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_FILE_BYTES", 2**20)
    src = _zip(tmp_path / "z.zip", [("c/fits.png", b"\0" * 2**20), ("c/big.png", b"\0" * (3 * 2**20))])
    skipped = extract_zip(src, tmp_path / "t")
    assert skipped == [SkippedFile(f"{src}/c/big.png", "entry is 3 MB, over the 1 MB per-file limit")]
    assert (tmp_path / "t" / "c" / "fits.png").stat().st_size == 2**20


def test_unsafe_entries_are_named_with_their_exact_reasons(tmp_path):
    src = _zip(tmp_path / "z.zip", [("/abs.png", b"x"), ("c/ok.png", b"x")])
    assert [s.reason for s in extract_zip(src, tmp_path / "t")] == ["absolute path in the archive: not extracted"]
    locked = _mark_encrypted(_zip(tmp_path / "locked.zip", [("c/secret.png", b"x")]))
    assert [s.reason for s in extract_zip(locked, tmp_path / "t2")] == ["encrypted entry: not extracted"]
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "t3"
    target.mkdir()
    (target / "link").symlink_to(outside)  # already in the target: an entry must not write through it
    src = _zip(tmp_path / "through.zip", [("link/a.png", b"x")])
    assert [s.reason for s in extract_zip(src, target)] == [
        "path leads outside the extraction folder: not extracted"]
    assert list(outside.iterdir()) == []


def test_an_encrypted_entry_with_a_legacy_utf8_name_is_named_right(tmp_path):
    src = _zip(tmp_path / "z.zip", [("c/XY.png", b"x")])
    src.write_bytes(src.read_bytes().replace(b"c/XY.png", "c/é.png".encode("utf-8")))
    _mark_encrypted(src)
    assert [s.path for s in extract_zip(src, tmp_path / "t")] == [f"{src}/c/é.png"]


def test_backslashes_in_entry_names_are_folder_separators(tmp_path):
    src = _zip(tmp_path / "z.zip", [("c\\a.png", b"x")])
    extract_zip(src, tmp_path / "t")
    assert [p.relative_to(tmp_path / "t").as_posix() for p in (tmp_path / "t").rglob("*")] == ["c", "c/a.png"]


def test_folder_entries_nested_or_after_their_files_extract_cleanly(tmp_path):
    src = _zip(tmp_path / "z.zip", [("c/a.png", b"x"), ("c/", b""), ("deep/er/", b"")])
    assert extract_zip(src, tmp_path / "t") == []
    assert (tmp_path / "t" / "c" / "a.png").is_file() and (tmp_path / "t" / "deep" / "er").is_dir()


def _class_zip(path, count: int = 3, extra=()):
    return _zip(path, [(f"set/c{i % 2}/{i}.png", _png(i)) for i in range(count)] + list(extra))


def test_load_zip_notes_where_it_extracted_and_hands_on_workers_and_progress(tmp_path, monkeypatch):
    import mathdash.loaders.assemble as assemble

    real = assemble.decode_files
    seen = []
    monkeypatch.setattr(assemble, "decode_files",
                        lambda paths, workers, progress: seen.append(workers) or real(paths, workers, progress))
    src = _class_zip(tmp_path / "upload.zip")
    calls = []
    dataset = load_source(src, cache_dir=tmp_path / "cache", workers=1, progress=lambda *a: calls.append(a))
    target = tmp_path / "cache" / "zips" / file_key("zip", [src])
    assert dataset.report.notes[0] == f"upload.zip extracted to {target}"
    assert seen == [1] and calls[-1] == (3, 3, "decoding images")


def test_a_zip_at_the_size_limit_loads_and_one_over_is_refused_with_sizes(tmp_path, monkeypatch):
    src = _class_zip(tmp_path / "upload.zip")
    monkeypatch.setattr(archive_module, "MAX_ARCHIVE_BYTES", src.stat().st_size)
    assert len(load_source(src, cache_dir=tmp_path / "cache")) == 3
    monkeypatch.undo()
    huge = tmp_path / "huge.zip"
    with open(huge, "wb") as handle:
        handle.truncate(3 * 2**30)  # sparse
    with pytest.raises(DatasetError) as error:
        load_source(huge, kind="zip", cache_dir=tmp_path / "cache")
    assert str(error.value) == "huge.zip is 3.0 GB; archives over 2 GB are refused"


def test_extractions_kept_are_the_three_newest_with_their_records(tmp_path):
    zips = tmp_path / "cache" / "zips"
    sources = [_class_zip(tmp_path / f"u{i}.zip", count=2 + i) for i in range(4)]
    (zips / ".partial-other-load").mkdir(parents=True)  # another load's extraction in progress
    for age, src in enumerate(sources):
        load_source(src, cache_dir=tmp_path / "cache")
        key = file_key("zip", [src])
        os.utime(zips / key, (1000 + age, 1000 + age))
    kept = [file_key("zip", [src]) for src in sources[1:]]
    expected = sorted([*kept, *(k + ".json" for k in kept), ".partial-other-load"])
    assert sorted(p.name for p in zips.iterdir()) == expected


def test_an_extraction_without_its_record_is_redone(tmp_path):
    src = _class_zip(tmp_path / "upload.zip")
    target = tmp_path / "cache" / "zips" / file_key("zip", [src])
    (target / "set" / "c0").mkdir(parents=True)  # interrupted: one folder, no record
    (target / "set" / "c0" / "junk.png").write_bytes(b"half a file")
    dataset = load_source(src, cache_dir=tmp_path / "cache")
    assert len(dataset) == 3 and dataset.report.skipped == []
    assert not (target / "set" / "c0" / "junk.png").exists()


def test_the_extraction_is_written_aside_in_the_zips_folder(tmp_path, monkeypatch):
    real = archive_module.extract_zip
    folders = []
    monkeypatch.setattr(archive_module, "extract_zip", lambda src, dest: folders.append(Path(dest)) or real(src, dest))
    src = _class_zip(tmp_path / "upload.zip")
    load_source(src, cache_dir=tmp_path / "cache")
    key = file_key("zip", [src])
    assert folders[0].parent == tmp_path / "cache" / "zips" and folders[0].name.startswith(f".partial-{key}-")


def test_a_refused_zip_leaves_no_partial_extraction(tmp_path, monkeypatch):
    real = archive_module.extract_zip
    monkeypatch.setattr(archive_module, "extract_zip", lambda src, dest: real(src, dest, max_bytes=10))
    src = _class_zip(tmp_path / "upload.zip")
    with pytest.raises(DatasetError, match="zip bomb"):
        load_source(src, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache" / "zips").iterdir()) == []


def test_a_concurrent_load_that_finished_the_extraction_first_is_fine(tmp_path, monkeypatch):
    real = archive_module.extract_zip

    def racing(src, dest):
        skipped = real(src, dest)
        target = Path(dest).parent / file_key("zip", [Path(src)])
        real(src, target)  # the other load renamed its finished copy into place meanwhile
        return skipped

    monkeypatch.setattr(archive_module, "extract_zip", racing)
    src = _class_zip(tmp_path / "upload.zip")
    assert len(load_source(src, cache_dir=tmp_path / "cache")) == 3
    assert not [p for p in (tmp_path / "cache" / "zips").iterdir() if p.name.startswith(".")]


def test_skips_of_a_zip_whose_name_is_not_utf8_are_recorded_and_reused(tmp_path):
    src = _class_zip(tmp_path / os.fsdecode(b"caf\xe9.zip"), extra=[("../evil.png", b"x")])
    first = load_source(src, cache_dir=tmp_path / "cache", use_cache=False)
    again = load_source(src, cache_dir=tmp_path / "cache", use_cache=False)  # from the record
    assert [s.path for s in again.report.skipped] == [s.path for s in first.report.skipped] == [f"{src}/../evil.png"]


# --- inkml ------------------------------------------------------------------------------------------

def _ink(body: str, declaration: str = "") -> bytes:
    return f'{declaration}<ink xmlns="http://www.w3.org/2003/InkML">{body}</ink>'.encode()


def _group(label: str, *refs: str, group_id: str = 'xml:id="100"') -> str:
    views = "".join(f'<traceView traceDataRef="{ref}"/>' for ref in refs)
    return f'<traceGroup {group_id}><annotation type="truth">{label}</annotation>{views}</traceGroup>'


def _skip_reasons(dataset) -> dict[str, str]:
    return {os.path.basename(s.path): s.reason for s in dataset.report.skipped}


def test_parse_errors_name_the_element_the_group_and_the_trace():
    with pytest.raises(ValueError) as error:
        parse_inkml(b"<svg/>", "f.inkml")
    assert str(error.value) == "the root element is <svg>, not <ink>"
    with pytest.raises(ValueError) as error:
        parse_inkml(_ink(_group("1", "5", "6")), "f.inkml")
    assert str(error.value) == "traceGroup '100' names missing trace(s) 5, 6"
    with pytest.raises(ValueError) as error:
        parse_inkml(_ink('<trace id="0">1 2, 3</trace>' + _group("1", "0", group_id='id="7"')), "f.inkml")
    assert str(error.value) == "trace '0' is not a list of 'x y' points"
    with pytest.raises(ValueError) as error:  # a group without any id, naming a group's id, not a trace's
        parse_inkml(_ink('<traceGroup xml:id="99"/>' + _group("1", "99", group_id="")), "f.inkml")
    assert str(error.value) == "traceGroup '' names missing trace(s) 99"


def test_traces_named_by_xml_id_and_empty_traces(tmp_path):
    writer, symbols = parse_inkml(_ink('<trace xml:id="t1">0 0, 4 4</trace><trace id="t2"></trace>'
                                       + _group("x", "t1", "t2")), "f.inkml")
    assert symbols[0].trace_ids == ("t1", "t2")
    assert symbols[0].strokes[0].tolist() == [[0.0, 0.0], [4.0, 4.0]] and symbols[0].strokes[1].shape == (0, 2)
    assert writer == ""


def test_the_writer_comes_from_a_non_empty_annotation_or_the_session_name():
    empty_writer = _ink('<annotation type="writer"> </annotation><trace id="0">0 0</trace>' + _group("1", "0"))
    assert parse_inkml(empty_writer, "2009-12-3.inkml")[0] == "2009-12"
    assert parse_inkml(empty_writer, "plain.inkml")[0] == ""
    no_text = _ink('<annotation type="writer"/><trace id="0">0 0</trace>' + _group("1", "0"))
    assert parse_inkml(no_text, "2009-12-3.inkml")[0] == "2009-12"
    named = _ink('<annotation type="writer">Jos\u00e9</annotation><trace id="0">0 0</trace>' + _group("1", "0"))
    assert parse_inkml(named, "2009-12-3.inkml")[0] == "José"


def test_an_inkml_file_in_latin1_is_read_as_its_declaration_says(tmp_path):
    text = ('<?xml version="1.0" encoding="ISO-8859-1"?><ink><annotation type="writer">Jos\u00e9</annotation>'
            '<trace id="0">0 0, 5 5</trace>' + _group("1", "0") + "</ink>")
    (tmp_path / "latin.inkml").write_bytes(text.encode("latin-1"))
    dataset = load_source(tmp_path, kind="inkml", use_cache=False, workers=1)
    assert dataset.extras["writer"].tolist() == ["José"] and dataset.report.skipped == []


def test_unfiled_symbols_are_counted_and_the_rest_of_their_file_still_drawn(tmp_path):
    strokes = [line(0, 0, 9, 9)]
    labels = [".", ".", "", "x"] + [f"\\unknown{i}" for i in range(12)]  # 15 unfiled labels: 13 kinds
    write_inkml(tmp_path / "a.inkml", [(label, strokes) for label in labels])
    dataset = load_source(tmp_path, kind="inkml", use_cache=False, workers=1)
    assert dataset.label_names() == ["X"]
    unfiled = next(note for note in dataset.report.notes if "no Kaggle class" in note)
    listed = ", ".join([r"'.' x2", r"'(empty label)' x1"] + [rf"'\\unknown{i}' x1" for i in range(10)])
    assert unfiled == f"15 symbols have no Kaggle class and were left out: {listed}"


def test_the_notes_count_files_symbols_writers_and_unnamed_writers(tmp_path):
    write_inkml(tmp_path / "a.inkml", [("x", [line(0, 0, 9, 9)]), ("y", [line(0, 0, 9, 9)])], writer="w1")
    write_inkml(tmp_path / "b.inkml", [("2", [line(0, 0, 9, 9)]), ("3", [line(0, 0, 9, 9)])], writer=None)
    write_inkml(tmp_path / "c.inkml", [("4", [line(0, 0, 9, 9)])], writer=None)
    (tmp_path / "d.inkml").write_text("<ink><trace", encoding="utf-8")
    dataset = load_source(tmp_path, kind="inkml", use_cache=False, workers=1)
    assert dataset.report.notes == ["5 symbols drawn from 3 InkML files; 1 writers",
                                    "3 symbols come from files that name no writer"]
    assert dataset.extras["writer"].tolist() == ["w1", "w1", "", "", ""]


def test_a_source_without_any_filed_symbol_is_refused_with_the_count_of_bad_files(tmp_path):
    write_inkml(tmp_path / "set" / "a.inkml", [(".", [circle(0, 0, 1)])])
    (tmp_path / "set" / "b.inkml").write_text("not xml", encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "set", kind="inkml", use_cache=False, workers=1)
    assert str(error.value) == "set holds no symbol with a Kaggle class (1 unreadable files)"


def test_one_inkml_file_loads_by_itself_named_after_its_folder(tmp_path):
    path = write_inkml(tmp_path / "crohme.2013" / "f.INKML", [("x", [line(0, 0, 9, 9)]), ("1", [line(0, 0, 0, 9)])])
    dataset = load_source(path, cache_dir=tmp_path / "cache", workers=1)
    assert dataset.label_names() == ["X", "1"] and dataset.sources == [str(path)] * 2
    assert dataset.name == "crohme.2013"
    assert load_source(path, cache_dir=tmp_path / "cache").report.from_cache
    write_inkml(tmp_path / "set.v2" / "g.inkml", [("x", [line(0, 0, 9, 9)])])
    assert load_source(tmp_path / "set.v2", kind="inkml", use_cache=False, workers=1).name == "set.v2"


def test_a_zip_of_inkml_is_named_after_the_zip_and_a_broken_one_is_refused(tmp_path):
    write_inkml(tmp_path / "f.inkml", [("x", [line(0, 0, 9, 9)])])
    with zipfile.ZipFile(tmp_path / "crohme.zip", "w") as archive_file:
        archive_file.write(tmp_path / "f.inkml", "f.inkml")
    assert load_source(tmp_path / "crohme.zip", use_cache=False, workers=1).name == "crohme"
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "fake.zip", kind="inkml", use_cache=False)
    assert str(error.value).startswith("fake.zip is not a readable zip archive: ")


def test_a_moved_inkml_folder_loads_from_the_cache_with_its_new_paths(tmp_path):
    write_inkml(tmp_path / "old" / "f.inkml", [("x", [line(0, 0, 9, 9)])])
    load_source(tmp_path / "old", kind="inkml", cache_dir=tmp_path / "cache", workers=1)
    (tmp_path / "old").rename(tmp_path / "new")
    moved = load_source(tmp_path / "new", kind="inkml", cache_dir=tmp_path / "cache", workers=1)
    assert moved.report.from_cache and moved.sources == [str(tmp_path / "new" / "f.inkml")]


def test_inkml_file_size_limit_is_inclusive_in_folders_and_zips(tmp_path, monkeypatch):
    monkeypatch.setattr(inkml_module, "MAX_FILE_BYTES", 2**20)
    write_inkml(tmp_path / "set" / "good.inkml", [("x", [line(0, 0, 9, 9)])])
    for name, size in (("at.inkml", 2**20), ("over.inkml", 2**20 + 1)):
        with open(tmp_path / "set" / name, "wb") as handle:
            handle.truncate(size)
    reasons = _skip_reasons(load_source(tmp_path / "set", kind="inkml", use_cache=False, workers=1))
    assert reasons["over.inkml"] == "not a readable InkML file: larger than 1 MB"
    assert "larger than" not in reasons["at.inkml"]  # read, then found not to be XML
    with zipfile.ZipFile(tmp_path / "set.zip", "w", zipfile.ZIP_DEFLATED) as archive_file:
        for path in sorted((tmp_path / "set").iterdir()):
            archive_file.write(path, path.name)
    reasons = _skip_reasons(load_source(tmp_path / "set.zip", use_cache=False, workers=1))
    assert reasons["over.inkml"] == "not a readable InkML file: larger than 1 MB"
    assert "larger than" not in reasons["at.inkml"]


def test_a_trace_view_without_a_reference_skips_its_file(tmp_path):
    (tmp_path / "a.inkml").write_bytes(_ink('<trace id="0">0 0, 1 1</trace><traceGroup xml:id="100">'
                                            '<annotation type="truth">1</annotation><traceView/></traceGroup>'))
    write_inkml(tmp_path / "b.inkml", [("x", [line(0, 0, 9, 9)])])
    dataset = load_source(tmp_path, kind="inkml", use_cache=False, workers=1)
    assert len(dataset) == 1
    assert _skip_reasons(dataset) == {"a.inkml": "not a readable InkML file: traceGroup '100' names missing trace(s) "}


class _InProcessPool:
    """Stands in for ProcessPoolExecutor: records the worker count, maps in this process."""

    made: list = []

    def __init__(self, workers):
        _InProcessPool.made.append(workers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, function, *iterables):
        return map(function, *iterables)


def _inkml_in_process(monkeypatch, chunk: int) -> None:
    """The InkML decoder's pool run in this process (``_InProcessPool``), ``chunk`` files a task, 4 cores."""
    monkeypatch.setattr(inkml_module, "_CHUNK", chunk)
    monkeypatch.setattr(inkml_module, "ProcessPoolExecutor", _InProcessPool)
    monkeypatch.setattr(_InProcessPool, "made", [])
    monkeypatch.setattr(inkml_module, "default_workers", lambda: 4)


def test_inkml_chunks_go_to_a_pool_of_the_workers_asked_for_with_progress(tmp_path, monkeypatch):
    _inkml_in_process(monkeypatch, chunk=2)
    for i in range(5):
        write_inkml(tmp_path / f"{i}.inkml", [(str(i), [line(0, 0, i + 1, 9)])])
    expected = [(2, 5, "drawing InkML strokes"), (4, 5, "drawing InkML strokes"), (5, 5, "drawing InkML strokes")]
    for workers, pools in ((1, []), (2, [2]), (None, [3])):  # None: every core, but no more than chunks
        calls = []
        dataset = load_source(tmp_path, kind="inkml", use_cache=False, workers=workers,
                              progress=lambda *a: calls.append(a))
        assert _InProcessPool.made == pools and calls == expected
        assert dataset.label_names() == ["0", "1", "2", "3", "4"]
        assert dataset.sources == [str(tmp_path / f"{i}.inkml") for i in range(5)]
        _InProcessPool.made = []


# --- strokes ----------------------------------------------------------------------------------------

@pytest.fixture
def canvas_only(monkeypatch):
    """render_strokes returns its 4x drawing canvas as drawn, before fit_to_box frames it."""
    monkeypatch.setattr(strokes_module, "fit_to_box", lambda canvas: canvas)


def _ink_box(image, threshold=200):
    rows, cols = np.nonzero(image < threshold)
    return rows.min(), cols.min(), rows.max(), cols.max()


def test_the_canvas_spans_the_frame_with_the_pen_inside_a_fixed_margin(canvas_only):
    # a plus 30 wide, 20 high, far from the origin; default pen 2.4 px -> 10 canvas px (4x)
    canvas = render_strokes([line(100, 205, 130, 205), line(115, 195, 115, 215)])
    top, left, bottom, right = _ink_box(canvas)
    assert right - left + 1 in (164, 165)  # the longer side, pen included: (45 - 2 * 2) * 4 = 164
    assert 110 <= bottom - top + 1 <= 116  # 20/30 of the centre line's 154 px, plus the pen
    height, width = canvas.shape
    # the centre line starts at pad = pen + 2 = 12 px: the pen's edge 12 - 5 = 7 px from every side
    assert (top, left, height - 1 - bottom, width - 1 - right) == (7, 7, 7, 7)
    assert canvas.min() == 0 and ((canvas > 0) & (canvas < 200)).any()  # black, anti-aliased edges


def test_a_dot_is_a_round_anti_aliased_pen_mark_in_the_middle(canvas_only):
    canvas = render_strokes([np.array([[3.0, 4.0]])])
    top, left, bottom, right = _ink_box(canvas, threshold=128)
    assert canvas.shape == (25, 25)  # no extent: just the pad around one point, 12 + 1 + 12
    assert (top, left) == (canvas.shape[0] - 1 - bottom, canvas.shape[1] - 1 - right)  # centred
    assert 9 <= right - left + 1 <= 11 and 9 <= bottom - top + 1 <= 11  # the 10 px pen's diameter
    assert canvas.min() == 0 and ((canvas > 0) & (canvas < 200)).any()
    assert canvas[0, 0] == 255 and canvas[12, 12] == 0


def test_a_very_thin_pen_still_draws_one_canvas_pixel(canvas_only):
    canvas = render_strokes([line(0, 0, 30, 0)], pen_width=0.1)
    assert canvas.shape[0] == 7  # pen 1 px, pad 3: 3 + 1 + 3 rows
    assert canvas.min() < 128


def test_strokes_of_two_points_or_of_tiny_units_are_lines_not_dots():
    for stroke in (np.array([[0.0, 0.0], [10.0, 0.0]]), line(0, 0, 0.5, 0)):
        top, left, bottom, right = _ink_box(render_strokes([stroke]))
        assert right - left + 1 == 41 and bottom - top + 1 < 10  # the frame's width, a pen's height


def test_a_stroke_held_in_one_place_is_a_dot():
    dot = render_strokes([np.array([[3.0, 4.0]])])
    np.testing.assert_array_equal(render_strokes([np.array([[3.0, 4.0]] * 3)]), dot)


def test_an_open_stroke_is_not_closed():
    corner = render_strokes([np.array([[0.0, 0.0], [0.0, 10.0], [10.0, 10.0]])])  # an "L"
    assert (corner[15:30, 15:30] == 255).all()  # no closing line across the middle, corner to corner


def test_integer_points_draw_like_the_same_points_as_floats():
    points = np.array([[-100, 0], [100, 0], [0, 90]])
    expected = render_strokes([points.astype(float)])
    for dtype in (np.int8, np.int64):  # int8: the extent (200) does not fit the type itself
        np.testing.assert_array_equal(render_strokes([points.astype(dtype)]), expected)


# --- load_source, load_data, detect_kind ------------------------------------------------------------

def _npz(path, count: int, name: str) -> Path:
    images = _images(count)
    return save_npz(Dataset(images, np.zeros(count, np.int64), ["alpha"], [f"{name}#{i}" for i in range(count)],
                            name=name), path)


def test_load_data_joins_sources_and_numbers_their_parts(tmp_path):
    first, second = _npz(tmp_path / "a.npz", 2, "a"), _npz(tmp_path / "b.npz", 3, "b")
    assert source_parts(f" {first} +  + {second} ") == [str(first), str(second)]
    joined = load_data(f"{first} + {second}")
    assert len(joined) == 5 and joined.name == f"{first} + {second}"
    assert joined.extras["source_part"].tolist() == [0, 0, 1, 1, 1]
    assert joined.sources == ["a#0", "a#1", "b#0", "b#1", "b#2"]
    one = load_data(str(first))
    assert len(one) == 2 and "source_part" not in one.extras and one.report.source == str(first)


def test_every_kind_hands_workers_and_progress_on_and_a_cache_hit_reports_itself(tmp_path, monkeypatch):
    import mathdash.loaders.assemble as assemble

    real = assemble.decode_files
    seen = []
    monkeypatch.setattr(assemble, "decode_files",
                        lambda paths, workers, progress: seen.append(workers) or real(paths, workers, progress))
    folder = tmp_path / "classes"
    for i in range(3):
        (folder / f"c{i % 2}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(_images(3)[i]).save(folder / f"c{i % 2}" / f"{i}.png")
    (tmp_path / "hasy").mkdir()
    Image.fromarray(_images(1)[0]).save(tmp_path / "hasy" / "0.png")
    (tmp_path / "hasy" / "hasy-data-labels.csv").write_text("path,symbol_id,latex,user_id\n0.png,1,\\alpha,7\n")
    for source, count in ((folder, 3), (_class_zip(tmp_path / "up.zip"), 3), (tmp_path / "hasy", 1)):
        calls = []
        dataset = load_source(source, cache_dir=tmp_path / "cache", workers=1, progress=lambda *a: calls.append(a))
        assert len(dataset) == count and calls[-1] == (count, count, "decoding images")
        assert 0 <= dataset.report.seconds < 60
        calls.clear()
        again = load_source(source, cache_dir=tmp_path / "cache", workers=1, progress=lambda *a: calls.append(a))
        assert again.report.from_cache and calls == [(count, count, "loaded from cache")]
    assert seen == [1, 1, 1]


def test_inkml_and_zipped_inkml_get_the_workers_and_progress(tmp_path, monkeypatch):
    _inkml_in_process(monkeypatch, chunk=1)
    for i in range(2):
        write_inkml(tmp_path / "ink" / f"{i}.inkml", [(str(i), [line(0, 0, 5, 9)])])
    with zipfile.ZipFile(tmp_path / "ink.zip", "w") as archive_file:
        for i in range(2):
            archive_file.write(tmp_path / "ink" / f"{i}.inkml", f"{i}.inkml")
    for source, kind in ((tmp_path / "ink", "auto"), (tmp_path / "ink.zip", "zip")):
        calls = []
        load_source(source, kind=kind, use_cache=False, workers=1, progress=lambda *a: calls.append(a))
        assert calls == [(1, 2, "drawing InkML strokes"), (2, 2, "drawing InkML strokes")]
    assert _InProcessPool.made == []


def test_moved_emnist_and_pickle_sources_reload_from_the_cache_with_their_new_paths(tmp_path):
    import gzip
    import pickle

    old = tmp_path / "old"
    old.mkdir()
    images = np.zeros((2, 28, 28), np.uint8)
    images[:, 5:20, 10:14] = 255
    with gzip.open(old / "mnist-train-images-idx3-ubyte.gz", "wb") as handle:
        handle.write((2051).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in (2, 28, 28))
                     + images.tobytes())
    with gzip.open(old / "mnist-train-labels-idx1-ubyte.gz", "wb") as handle:
        handle.write((2049).to_bytes(4, "big") + (2).to_bytes(4, "big") + bytes([3, 7]))
    with open(old / "set.pkl", "wb") as handle:
        pickle.dump((np.zeros((2, 16), np.uint8), np.array([0, 1])), handle)
    for name in ("mnist-train-images-idx3-ubyte.gz", "set.pkl"):
        first = load_source(old / name, cache_dir=tmp_path / "cache", trust=True)
        assert first.sources[0].startswith(str(old) + os.sep)
    old.rename(tmp_path / "new")
    for name in ("mnist-train-images-idx3-ubyte.gz", "set.pkl"):
        moved = load_source(tmp_path / "new" / name, cache_dir=tmp_path / "cache", trust=True)
        assert moved.report.from_cache and moved.sources[0] == f"{tmp_path / 'new' / name}#0"


def test_detect_kind_by_first_bytes_and_its_refusals(tmp_path):
    import pickle

    idx = tmp_path / "digits.bin"
    idx.write_bytes((2051).to_bytes(4, "big") + b"\0" * 12)
    assert detect_kind(idx) == "emnist"
    archive_file = _zip(tmp_path / "upload.bin", [("c/a.png", b"x")])
    assert detect_kind(archive_file) == "zip"
    for protocol in (2, 3, 4, 5):
        (tmp_path / f"p{protocol}").write_bytes(pickle.dumps([1], protocol=protocol))
        assert detect_kind(tmp_path / f"p{protocol}") == "pickle"
    ink = write_inkml(tmp_path / "one.inkml", [("x", [line(0, 0, 9, 9)])])
    assert detect_kind(ink) == "inkml"
    for name, data in (("x80", b"\x80\x09abc"), ("x04", b"a\x04bc"), ("notes.csv", b"name,value\n1,2\n")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DatasetError) as error:
            detect_kind(tmp_path / name)
        assert str(error.value) == (
            f"cannot tell what {tmp_path / name} holds. Expected a folder of class folders (Kaggle "
            "extracted_images), a .zip of one, EMNIST '*-images-idx3-ubyte[.gz]' files, "
            "HASYv2's hasy-data-labels.csv, a folder or .zip of CROHME .inkml files, "
            "a .pkl of (train_x, train_y) or a MathDash .npz")


def test_load_source_refusals_say_exactly_why(tmp_path, monkeypatch):
    import sys

    import mathdash.loaders as loaders_module

    with pytest.raises(DatasetError) as error:
        load_source(tmp_path, kind="tar")
    assert str(error.value) == ("unknown source kind 'tar'; choose one of auto, folder, zip, emnist, hasy, "
                                "inkml, pickle, npz")
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "absent", kind="folder")
    assert str(error.value) == f"{tmp_path / 'absent'} does not exist"
    with pytest.raises(DatasetError) as error:
        load_source(" ")
    assert str(error.value) == "no source given: choose a folder or file, or a built-in set"

    def denied(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loaders_module, "load_folder", denied)
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path, kind="folder", use_cache=False)
    assert str(error.value) == f"cannot read {tmp_path}: [Errno 13] Permission denied"
    monkeypatch.setitem(sys.modules, "mathdash.builtin", None)  # the import fails
    with pytest.raises(DatasetError) as error:
        load_source("builtin:symbols")
    assert str(error.value).startswith("the built-in sets are not available: ")


# --- resize -----------------------------------------------------------------------------------------

def test_border_pixels_are_the_outer_rows_then_the_outer_columns():
    image = np.arange(12).reshape(1, 3, 4)
    assert border_pixels(image).tolist() == [[0, 1, 2, 3, 8, 9, 10, 11, 0, 4, 8, 3, 7, 11]]


def test_polarity_is_told_by_more_than_half_the_border_being_darker_than_128():
    def framed(dark_share: float, dark: int = 0) -> np.ndarray:
        image = np.full((10, 10), 255, np.uint8)
        border = np.flatnonzero(np.pad(np.zeros((8, 8), bool), 1, constant_values=True))
        image.flat[border[:round(dark_share * len(border))]] = dark
        return image

    assert not is_white_on_black(framed(0.4)) and not is_white_on_black(framed(0.5))
    assert is_white_on_black(framed(0.6)) and is_white_on_black(framed(1.0, dark=127))
    assert not is_white_on_black(framed(1.0, dark=128))


def test_a_set_is_inverted_when_its_sampled_borders_median_is_dark():
    assert not mostly_white_on_black(np.zeros((0, 45, 45), np.uint8))
    assert mostly_white_on_black(np.zeros((1, 4, 4), np.uint8))
    assert not mostly_white_on_black(np.full((3, 4, 4), 128, np.uint8))
    # borders 100 and 200 alternating: all of the set gives a median of 150 (light) ...
    alternating = np.where(np.arange(4)[:, None, None] % 2 == 0, 100, 200).astype(np.uint8) * np.ones((1, 4, 4), np.uint8)
    assert not mostly_white_on_black(alternating)
    # ... but a big set is sampled every (N // 5000)th image: every 2nd of 10,000, all of them 100
    big = np.where(np.arange(10_000)[:, None, None] % 2 == 0, 100, 200).astype(np.uint8) * np.ones((1, 2, 2), np.uint8)
    assert mostly_white_on_black(big)


def test_pixels_become_uint8_from_any_number_type():
    def pixels(values, dtype):
        out = as_uint8_pixels(np.array(values, dtype=dtype))
        assert out.dtype == np.uint8
        return out.tolist()

    assert pixels([0, 1], np.uint8) == [0, 255] and pixels([1], np.uint8) == [255]
    assert pixels([0, 2, 200], np.uint8) == [0, 2, 200]
    assert pixels([True, False], bool) == [255, 0]
    assert pixels([0.0, 0.6, 1.0], np.float64) == [0, 153, 255]
    assert pixels([0.0, 1.5], np.float64) == [0, 2] and pixels([0.0, 100.0], np.float64) == [0, 100]
    assert pixels([-3.0, 300.0], np.float64) == [0, 255]
    assert pixels([], np.uint8) == [] and pixels([], np.float64) == []
    with pytest.raises(DatasetError) as error:
        as_uint8_pixels(np.array(["a", "b"]))
    assert str(error.value) == "images: pixels must be numbers, got <U1"


def test_fit_whole_keeps_one_pixel_lines_and_centres_tall_images():
    tall = fit_whole(np.zeros((1, 90, 30), np.uint8))[0]
    assert np.flatnonzero(tall.min(axis=0) < 128).tolist() == list(range(15, 30))  # 15 wide, centred
    thin_row = fit_whole(np.zeros((1, 1, 90), np.uint8))[0]
    assert np.flatnonzero(thin_row.min(axis=1) < 128).tolist() == [22]
    thin_column = fit_whole(np.zeros((1, 90, 1), np.uint8))[0]
    assert np.flatnonzero(thin_column.min(axis=0) < 128).tolist() == [22]


def test_fit_whole_enlarges_bicubically_and_shrinks_by_area_for_any_integer_input():
    rng = np.random.default_rng(5)
    small = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(fit_whole(small)[2], cv2.resize(small[2], (45, 45), interpolation=cv2.INTER_CUBIC))
    big = rng.integers(0, 256, (5, 90, 90), dtype=np.uint8)
    np.testing.assert_array_equal(fit_whole(big)[3], cv2.resize(big[3], (45, 45), interpolation=cv2.INTER_AREA))
    np.testing.assert_array_equal(fit_whole(small.astype(np.int64)), fit_whole(small))


# --- assemble and folder ----------------------------------------------------------------------------

def _save(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def test_the_load_report_notes_sizes_inversions_and_the_usual_size(tmp_path):
    root = tmp_path / "mixed"
    for i, (height, width) in enumerate([(50, 50), (50, 50), (30, 90), (20, 20), (60, 40), (45, 45)]):
        image = np.full((height, width), 255, np.uint8)
        image[height // 4:height // 2, width // 4:width // 2] = 0
        _save(root / "a" / f"{i}.png", image)
    for i in range(2):
        _save(root / "b" / f"inv{i}.png", 255 - _images(2)[i])
    dataset = load_source(root, use_cache=False, workers=1)
    assert dataset.name == "mixed" and dataset.original_size == (45, 45)  # 3 of 8 are 45x45
    assert dataset.report.notes == [
        "5 images were not 45x45 (e.g. 50x50, 30x90, 20x20) and were scaled whole to 45x45, aspect kept, on white",
        "2 white-on-black images were inverted to dark ink on white"]
    for i in (6, 7):
        _save(root / "a" / f"{i}.png", np.full((50, 50), 255, np.uint8))
    assert load_source(root, use_cache=False, workers=1).original_size == (50, 50)  # now 4 are 50x50


def test_nothing_readable_names_three_of_the_skipped_files(tmp_path):
    for i in range(4):
        (tmp_path / "bad" / "c").mkdir(parents=True, exist_ok=True)
        (tmp_path / "bad" / "c" / f"{i}.png").write_bytes(b"")
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "bad", use_cache=False, workers=1)
    examples = "; ".join(f"{tmp_path / 'bad' / 'c' / f'{i}.png'}: empty file (0 bytes)" for i in range(3))
    assert str(error.value) == f"No image in bad could be read (4 skipped). {examples}"


def test_hidden_and_resource_fork_folders_are_not_classes(tmp_path):
    root = tmp_path / "set"
    for name in ("a", ".git", "__MACOSX", "b"):
        _save(root / name / "0.png", _images(1)[0])
    (root / "zz.txt").write_text("stray")
    (root / "aa.txt").write_text("stray")
    listing = list_class_folders(root)
    assert sorted(set(listing.classes)) == ["a", "b"]
    assert [(os.path.basename(s.path), s.reason) for s in listing.skipped] == [
        ("aa.txt", "stray file at the top level, not in a class folder"),
        ("zz.txt", "stray file at the top level, not in a class folder")]


def test_wrapping_folders_are_looked_through_only_when_they_hold_nothing_else(tmp_path):
    _save(tmp_path / "outer" / "inner" / "c" / "0.png", _images(1)[0])
    (tmp_path / "outer" / ".DS_Store").write_bytes(b"hidden files do not count")
    assert find_class_root(tmp_path / "outer") == (tmp_path / "outer" / "inner").resolve()
    (tmp_path / "outer" / "notes.txt").write_text("a visible file stops the descent")
    assert find_class_root(tmp_path / "outer") == (tmp_path / "outer").resolve()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DatasetError) as error:
        find_class_root(tmp_path / "file.txt")
    assert str(error.value) == f"{tmp_path / 'file.txt'} is not a folder"


def test_what_a_class_folder_holds_besides_images_is_named(tmp_path):
    root = tmp_path / "set"
    for i in range(4):
        _save(root / "c" / f"{i}.png", _images(4)[i])
    (root / "c" / "broken.png").symlink_to(tmp_path / "nowhere.png")
    (root / "c" / "README").write_text("x")
    (root / "c" / "sub").mkdir()
    _save(root / "d" / "0.png", _images(1)[0])  # a second class: "set" is no wrapper to look through
    listing = list_class_folders(root)
    assert listing.names == [f"c/{i}.png" for i in range(4)] + ["d/0.png"]
    assert [(os.path.basename(s.path), s.reason) for s in listing.skipped] == [
        ("README", "not an image file type (no extension)"),
        ("broken.png", "cannot read file: No such file or directory"),
        ("sub", "folder inside a class folder is not read")]


def test_class_folders_without_images_are_not_a_class_tree(tmp_path):
    (tmp_path / "set" / "c").mkdir(parents=True)
    (tmp_path / "set" / "c" / "notes.txt").write_text("x")
    assert not is_class_folder_tree(tmp_path / "set")
    assert not is_class_folder_tree(tmp_path / "set" / "c" / "notes.txt")  # not a folder at all
    (tmp_path / "flat").mkdir()
    with pytest.raises(DatasetError) as error:
        list_class_folders(tmp_path / "flat")
    assert str(error.value) == (f"{tmp_path / 'flat'} holds no class folders: expected <folder>/<class name>/"
                                "<image files>, like Kaggle's extracted_images")


def test_a_moved_class_folder_tree_reloads_from_the_cache_with_its_new_paths(tmp_path):
    _save(tmp_path / "old" / "c" / "0.png", _images(1)[0])
    load_source(tmp_path / "old", cache_dir=tmp_path / "cache", workers=1)
    (tmp_path / "old").rename(tmp_path / "new")
    moved = load_source(tmp_path / "new", cache_dir=tmp_path / "cache", workers=1)
    assert moved.report.from_cache and moved.sources == [str(tmp_path / "new" / "c" / "0.png")]


# --- npz --------------------------------------------------------------------------------------------

def _raise(error):
    raise error


def test_npz_images_with_a_channel_axis_or_any_size_convert_and_say_from_what(tmp_path):
    images = np.full((2, 28, 30, 1), 255, np.uint8)
    images[:, 5:20, 5:10] = 0
    np.savez(tmp_path / "a.npz", images=images, labels=np.array([[1], [0]]))
    dataset = load_npz(tmp_path / "a.npz")
    assert dataset.original_size == (28, 30) and dataset.images.shape == (2, 45, 45)
    assert dataset.labels.tolist() == [1, 0] and dataset.class_names == ["0", "1"]
    assert dataset.report.notes == ["images scaled from 28x30 to 45x45"] and dataset.report.loaded == 2
    np.savez(tmp_path / "b.npz", images=np.full((2, 28, 1), 255, np.uint8), labels=np.array([0, 0]))
    assert load_npz(tmp_path / "b.npz").original_size == (28, 1)  # a last axis of 1 in 3-D is a width


def test_npz_refusals_name_the_file_and_the_problem(tmp_path):
    np.savez(tmp_path / "rgb.npz", images=np.zeros((2, 28, 28, 3), np.uint8), labels=np.zeros(2))
    with pytest.raises(DatasetError) as error:
        load_npz(tmp_path / "rgb.npz")
    assert str(error.value) == "rgb.npz: images must be (N, H, W), got shape (2, 28, 28, 3)"
    np.savez(tmp_path / "text.npz", images=np.array([[["a"]]]), labels=np.zeros(1))
    with pytest.raises(DatasetError) as error:
        load_npz(tmp_path / "text.npz")
    assert str(error.value) == "text.npz: pixels must be numbers, got <U1"
    np.savez(tmp_path / "other.npz", x=np.zeros(1), a=np.zeros(1))
    with pytest.raises(DatasetError) as error:
        load_npz(tmp_path / "other.npz")
    assert str(error.value) == "other.npz lacks images, labels (holds: a, x)"
    (tmp_path / "fake.npz").write_text("not a zip")
    with pytest.raises(DatasetError) as error:
        load_npz(tmp_path / "fake.npz")
    assert str(error.value).startswith("fake.npz is not a readable .npz: ")
    np.savez(tmp_path / "pickled.npz", images=np.zeros((1, 45, 45), np.uint8), labels=np.zeros(1),
             sources=np.array([object()], dtype=object))  # would need unpickling to read
    with pytest.raises(DatasetError, match="is not a readable .npz"):
        load_npz(tmp_path / "pickled.npz")


def test_an_empty_npz_has_no_classes(tmp_path):
    np.savez(tmp_path / "e.npz", images=np.zeros((0, 45, 45), np.uint8), labels=np.zeros(0, np.int64))
    dataset = load_npz(tmp_path / "e.npz")
    assert len(dataset) == 0 and dataset.class_names == []


def test_save_npz_compresses_by_default_records_its_format_and_keeps_object_extras(tmp_path, monkeypatch):
    dataset = Dataset(_images(2), np.array([0, 1]), ["alpha", "beta"], ["s0", "s1"],
                      extras={"note": np.array(["x", None], dtype=object)})
    path = save_npz(dataset, tmp_path / "a" / "b" / "set.npz")
    with zipfile.ZipFile(path) as archive_file:
        assert {info.compress_type for info in archive_file.infolist()} == {zipfile.ZIP_DEFLATED}
    with np.load(path) as data:
        assert str(data["format"]) == "mathdash-dataset-v1"
    assert load_npz(path).extras["note"].tolist() == ["x", "None"]
    plain = save_npz(dataset, tmp_path / "plain.npz", compress=False)
    with zipfile.ZipFile(plain) as archive_file:
        assert {info.compress_type for info in archive_file.infolist()} == {zipfile.ZIP_STORED}


def test_save_npz_writes_aside_in_the_target_folder_and_cleans_up_on_failure(tmp_path, monkeypatch):
    import mathdash.loaders.npzfile as npzfile

    real = npzfile.tempfile.mkstemp
    folders = []
    monkeypatch.setattr(npzfile.tempfile, "mkstemp", lambda **kw: folders.append(kw.get("dir")) or real(**kw))
    save_npz(Dataset(_images(1), np.zeros(1), ["a"], ["s"]), tmp_path / "set.npz")
    assert folders == [tmp_path]
    monkeypatch.setattr(npzfile.np, "savez_compressed", lambda *a, **k: _raise(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save_npz(Dataset(_images(1), np.zeros(1), ["a"], ["s"]), tmp_path / "other.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.npz"]


# --- pickle -----------------------------------------------------------------------------------------

def _pickle(path, content):
    import pickle

    with open(path, "wb") as handle:
        pickle.dump(content, handle)
    return path


def _rows(count: int) -> np.ndarray:
    rows = np.zeros((count, 16), np.uint8)
    rows[:, 5] = 1
    return rows


def test_pickled_labels_one_hot_column_or_float(tmp_path):
    one_hot = np.eye(2, dtype=np.float32)[[1, 0, 1, 1]]
    dataset = load_pickle(_pickle(tmp_path / "a.pkl", (_rows(4), one_hot)))
    assert dataset.labels.tolist() == [1, 0, 1, 1] and "one-hot labels converted to class numbers" in dataset.report.notes
    column = load_pickle(_pickle(tmp_path / "b.pkl", (_rows(4), np.array([[2], [0], [1], [2]]))))
    assert column.labels.tolist() == [2, 0, 1, 2]
    assert "one-hot labels converted to class numbers" not in column.report.notes
    assert column.report.notes[-1] == ("labels 0-35 assumed to mean 0-9 then A-Z (the usual meaning); "
                                       "check the counts")
    floats = load_pickle(_pickle(tmp_path / "c.pkl", (_rows(3), np.array([0.0, 2.0, 1.0]))))
    assert floats.labels.tolist() == [0, 2, 1] and floats.labels.dtype == np.int64
    many = load_pickle(_pickle(tmp_path / "d.pkl", (_rows(2), np.array([0, 39]))))
    assert many.report.notes[-1] == "40 label numbers: classes named by number" and many.class_names[39] == "39"


def test_pickled_contents_of_the_wrong_kind_are_named(tmp_path):
    cases = [
        ((_rows(2), np.array([0.5, 1.0])), "h.pkl: expected 2 integer labels, got (2,) float64"),
        ((_rows(2), np.array([0, -1])), "h.pkl: negative labels"),
        ((np.zeros((2, 4, 4, 1)), np.array([0, 1])), "h.pkl: expected (N, pixels) or (N, H, W) images, "
                                                      "got shape (2, 4, 4, 1)"),
        ((np.array([["a"] * 4] * 2), np.array([0, 1])), "h.pkl: pixels must be numbers, got <U1"),
    ]
    for content, message in cases:
        with pytest.raises(DatasetError) as error:
            load_pickle(_pickle(tmp_path / "h.pkl", content))
        assert str(error.value) == message


# --- parallel ---------------------------------------------------------------------------------------

class _InProcessExecutor:
    """Stands in for ProcessPoolExecutor in decode_files: records how it was made, runs tasks here."""

    made: list = []

    def __init__(self, max_workers=None, mp_context=None):
        _InProcessExecutor.made.append((max_workers, mp_context))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, function, *args):
        from concurrent.futures import Future

        future = Future()
        future.set_result(function(*args))
        return future


def _image_files(tmp_path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(_images(count)[i]).save(paths[-1])
    return paths


def test_decode_files_spreads_chunks_over_a_spawn_pool_with_progress_per_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_module, "ProcessPoolExecutor", _InProcessExecutor)
    monkeypatch.setattr(_InProcessExecutor, "made", [])
    paths = _image_files(tmp_path, 3)
    alone = decode_files(paths, workers=1)
    calls = []
    pooled = decode_files(paths, workers=2, chunk_size=10, parallel_from=3, progress=lambda *a: calls.append(a))
    # 3 files for 2 workers: chunks of ceil(3 / (2 * 4)) = 1 file, and no more workers than chunks
    assert [(workers, context.get_start_method()) for workers, context in _InProcessExecutor.made] == [(2, "spawn")]
    assert calls == [(1, 3, "decoding images"), (2, 3, "decoding images"), (3, 3, "decoding images")]
    np.testing.assert_array_equal(pooled.images, alone.images)
    assert pooled.ok.dtype == bool and pooled.ok.all() and pooled.inverted.dtype == bool
    _InProcessExecutor.made = []
    decode_files(paths, workers=2, parallel_from=4)  # fewer files than parallel_from: no pool
    decode_files(paths, workers=1, parallel_from=0)  # one worker: no pool either
    assert _InProcessExecutor.made == []


def test_one_worker_means_no_pool_even_with_many_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel_module, "ProcessPoolExecutor", _InProcessExecutor)
    monkeypatch.setattr(_InProcessExecutor, "made", [])
    monkeypatch.setattr(parallel_module, "default_workers", lambda: 4)
    decode_files(_image_files(tmp_path, 2), workers=1, parallel_from=0)
    decode_files(_image_files(tmp_path, 2), workers=0, parallel_from=0)  # taken as one
    assert _InProcessExecutor.made == []


def test_default_workers_counts_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert default_workers() == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_workers() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert default_workers() == 3


def test_decode_chunk_gives_typed_arrays_and_goes_on_after_a_bad_file(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"")
    inverted = tmp_path / "inv.png"
    Image.fromarray(255 - _images(1)[0]).save(inverted)
    wide = tmp_path / "wide.png"
    Image.fromarray(np.full((30, 90), 255, np.uint8)).save(wide)
    images, reasons, sizes, flags = decode_chunk([str(tmp_path / "bad.png"), str(inverted), str(wide)])
    assert images.dtype == np.uint8 and sizes.dtype == np.int32 and flags.dtype == bool
    assert reasons == ["empty file (0 bytes)", "", ""]
    assert sizes.tolist() == [[0, 0], [45, 45], [30, 90]] and flags.tolist() == [False, True, False]
    assert (images[0] == 255).all()
    np.testing.assert_array_equal(images[1], _images(1)[0])


# --- hasy -------------------------------------------------------------------------------------------

def _hasy(root, lines: list[str], images=("a.png", "b.png")) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(images):
        Image.fromarray(_images(2)[i % 2]).save(root / name)
    path = root / "hasy-data-labels.csv"
    path.write_bytes("\n".join(["path,symbol_id,latex,user_id", *lines]).encode("utf-8", "surrogateescape") + b"\n")
    return path


def test_hasy_rows_without_a_label_or_file_are_skipped_and_the_rest_read(tmp_path):
    csv_path = _hasy(tmp_path / "hasy", ["a.png,1", "gone.png,2,B,7", "a.png,3,\\alpha,7", "b.png,4,A,7"])
    calls = []
    dataset = load_source(tmp_path / "hasy", cache_dir=tmp_path / "cache", workers=1,
                          progress=lambda *a: calls.append(a))
    assert dataset.label_names() == ["alpha", "A"] and dataset.name == "hasy"
    assert [(s.path, s.reason) for s in dataset.report.skipped] == [
        (f"{csv_path}:2", "row without a path or a latex label"),
        (str(tmp_path / "hasy" / "gone.png"), "listed in the csv but not found")]
    assert dataset.report.notes[0] == "LaTeX labels mapped to catalogue class names"
    assert calls[-1] == (2, 2, "decoding images")


def test_hasy_reads_a_csv_with_bytes_that_are_not_utf8(tmp_path):
    csv_path = _hasy(tmp_path / "set", ["a.png,1,\\alpha,us\udce9r"])  # a raw 0xE9 byte in the user column
    assert is_hasy_csv(csv_path)
    dataset = load_source(tmp_path / "set", use_cache=False, workers=1)
    assert dataset.label_names() == ["alpha"] and dataset.name == "set"


def test_hasy_refusals_and_what_is_not_a_hasy_csv(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    assert not is_hasy_csv(tmp_path / "empty.csv")
    (tmp_path / "folder.csv").mkdir()
    assert not is_hasy_csv(tmp_path / "folder.csv")
    with pytest.raises(DatasetError) as error:
        find_hasy_csv(tmp_path / "nothing")
    assert str(error.value) == f"no hasy-data-labels.csv found at {tmp_path / 'nothing'}"
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "hasy-data-labels.csv").write_text("symbol_id,user_id\n1,2\n")
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "bare", kind="hasy", use_cache=False)
    assert str(error.value) == "hasy-data-labels.csv lacks the column(s) path, latex"


def test_a_moved_hasy_folder_reloads_from_the_cache_with_its_new_paths(tmp_path):
    _hasy(tmp_path / "old", ["a.png,1,\\alpha,7"], images=("a.png",))
    load_source(tmp_path / "old", cache_dir=tmp_path / "cache", workers=1)
    (tmp_path / "old").rename(tmp_path / "new")
    moved = load_source(tmp_path / "new", cache_dir=tmp_path / "cache", workers=1)
    assert moved.report.from_cache and moved.sources == [str(tmp_path / "new" / "a.png")]


# --- emnist -----------------------------------------------------------------------------------------

def _idx(array: np.ndarray) -> bytes:
    magic = (0x08 << 8) | array.ndim
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()


def _emnist(folder, labels, prefix="emnist-x-train", images_name="images-idx3", labels_name="labels-idx1",
            count=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, np.uint8)
    images = np.zeros((len(labels) if count is None else count, 28, 28), np.uint8)
    images[:, 4:22, 6:10] = 255  # white ink on black, as EMNIST stores it
    path = folder / f"{prefix}-{images_name}-ubyte"
    path.write_bytes(_idx(images))
    (folder / f"{prefix}-{labels_name}-ubyte").write_bytes(_idx(labels))
    return path


def test_emnist_progress_names_and_notes(tmp_path, monkeypatch):
    monkeypatch.setattr(emnist_module, "_RESIZE_CHUNK", 2)
    path = _emnist(tmp_path / "a", [0, 1, 2, 1, 0])
    calls = []
    dataset = load_source(path, use_cache=False, progress=lambda *a: calls.append(a))
    assert calls == [(2, 5, "enlarging EMNIST images"), (4, 5, "enlarging EMNIST images"),
                     (5, 5, "enlarging EMNIST images")]
    assert dataset.name == "emnist-x" and dataset.report.notes == [
        "EMNIST images are stored transposed: transposed back",
        "white-on-black images inverted to dark ink on white",
        "no mapping file: labels 0-9 taken as the digits",
        "5 images enlarged from 28x28 to 45x45 (bicubic)"]
    plain = _emnist(tmp_path / "b", [0, 9], prefix="train", images_name="images.idx3", labels_name="labels.idx1")
    (tmp_path / "b" / "-mapping.txt").write_text("0 65\n9 66\n")  # no split, so no mapping file of its own
    dataset = load_source(plain, use_cache=False)
    assert dataset.name == "train-images" and dataset.class_names == ["0", "9"]  # no split: the stem
    assert "no mapping file: labels 0-9 taken as the digits" in dataset.report.notes
    for labels in ([0, 10], []):
        dataset = load_source(_emnist(tmp_path / f"c{len(labels)}", labels), use_cache=False)
        assert "no mapping file: classes named by their label numbers" in dataset.report.notes


def test_emnist_mapping_lines_and_labels_it_does_not_name(tmp_path):
    path = _emnist(tmp_path, [0, 1, 2, 3, 5])
    (tmp_path / "emnist-x-mapping.txt").write_bytes(
        b"0 48\n1 65\n2 1114112\n3 1114111\nx 5\n4\n# caf\xe9\n" + "\u0665 66\n".encode())  # an Arabic-Indic 5
    dataset = load_source(path, use_cache=False)
    assert dataset.class_names[:2] == ["0", "A"] and len(dataset.class_names) == 3  # 0, 1 and 3 are named
    assert [(s.path, s.reason) for s in dataset.report.skipped] == [
        (f"{path}#2", "label 2 is not in the mapping file"), (f"{path}#4", "label 5 is not in the mapping file")]
    assert not any("merges" in note for note in dataset.report.notes)
    (tmp_path / "emnist-x-mapping.txt").write_text("0 48\n1 65 97\n2 66\n3 67\n5 68\n")
    merged = load_source(path, use_cache=False)
    assert "the mapping merges upper and lower case letters: classes are named by the first" in merged.report.notes


def test_a_changed_mapping_file_reloads(tmp_path):
    path = _emnist(tmp_path, [0, 1])
    (tmp_path / "emnist-x-mapping.txt").write_text("0 48\n1 65\n")
    assert load_source(path, cache_dir=tmp_path / "cache").class_names == ["0", "A"]
    (tmp_path / "emnist-x-mapping.txt").write_text("0 48\n1 66\n\n")
    again = load_source(path, cache_dir=tmp_path / "cache")
    assert not again.report.from_cache and again.class_names == ["0", "B"]


def test_emnist_refusals_say_exactly_why(tmp_path, monkeypatch):
    _emnist(tmp_path / "m", [0, 1], count=3)
    with pytest.raises(DatasetError) as error:
        load_source(tmp_path / "m" / "emnist-x-train-images-idx3-ubyte", use_cache=False)
    assert str(error.value) == ("emnist-x-train-images-idx3-ubyte has 3 images but "
                                "emnist-x-train-labels-idx1-ubyte has 2 labels")
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError) as error:
        find_emnist_files(tmp_path / "none")
    assert str(error.value) == (f"{tmp_path / 'none'} is not an EMNIST/MNIST '*-images-idx3-ubyte[.gz]' "
                                "file or folder of them")
    _emnist(tmp_path / "two", [0], prefix="emnist-a-train")
    _emnist(tmp_path / "two", [0], prefix="emnist-b-train")
    with pytest.raises(DatasetError) as error:
        find_emnist_files(tmp_path / "two")
    assert str(error.value) == (f"{tmp_path / 'two'} holds several EMNIST splits (emnist-a, emnist-b): "
                                "choose one images file")


def test_idx_headers_limits_and_trailing_bytes(tmp_path, monkeypatch):
    short = tmp_path / "s-images-idx3-ubyte"
    short.write_bytes(b"\x00\x00")
    with pytest.raises(DatasetError) as error:
        read_idx(short, 2051)
    assert str(error.value) == "s-images-idx3-ubyte: idx magic number -1, expected 2051"
    exact = tmp_path / "e-images-idx3-ubyte"
    exact.write_bytes(_idx(np.zeros((3, 28, 28), np.uint8)) + b"trailing")
    monkeypatch.setattr(emnist_module, "MAX_IDX_BYTES", 3 * 28 * 28)
    assert read_idx(exact, 2051).shape == (3, 28, 28)  # at the limit; bytes after the data are ignored
    monkeypatch.setattr(emnist_module, "MAX_IDX_BYTES", 3 * 28 * 28 - 1)
    with pytest.raises(DatasetError) as error:
        read_idx(exact, 2051)
    assert str(error.value) == "e-images-idx3-ubyte: header declares 2,352 bytes, over the limit"
    fake = tmp_path / "f-images-idx3-ubyte.gz"
    fake.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError) as error:
        read_idx(fake, 2051)
    assert str(error.value).startswith("f-images-idx3-ubyte.gz cannot be read: ")


def test_pillows_other_warnings_do_not_refuse_an_image():
    png = io.BytesIO()
    Image.fromarray(_l_shape()).save(png, "PNG")
    data = png.getvalue()
    body = b"acTL" + bytes(8)  # an animation header of zero frames: Pillow warns and reads the still image
    chunk = len(body[4:]).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    end_of_header = 8 + 8 + 13 + 4  # signature, then IHDR's length, type, body and CRC
    with pytest.warns(UserWarning, match="Invalid APNG"):
        decoded = decode_bytes(data[:end_of_header] + chunk + data[end_of_header:])
    np.testing.assert_array_equal(decoded.pixels, _l_shape())


def test_load_data_hands_progress_and_options_to_every_part(tmp_path):
    folders = []
    for name in ("one", "two"):
        _save(tmp_path / name / "c" / "0.png", _images(1)[0])
        folders.append(tmp_path / name)
    for data, parts in ((str(folders[0]), 1), (f"{folders[0]} + {folders[1]}", 2)):
        calls = []
        load_data(data, progress=lambda *a: calls.append(a), cache_dir=tmp_path / f"cache{parts}", workers=1)
        assert calls.count((1, 1, "decoding images")) == parts
        assert len([p for p in (tmp_path / f"cache{parts}").iterdir() if not p.name.startswith(".")]) == parts


def test_pickle_pairs_notes_and_refusals(tmp_path):
    pairs = load_pickle(_pickle(tmp_path / "p.pkl", ((_rows(2), np.array([0, 1])), (_rows(1), np.array([1])))))
    assert len(pairs) == 3 and pairs.name == "p"
    assert pairs.report.notes[:3] == ["loaded from a pickle: only open pickles you trust",
                                      "two (images, labels) pairs found (train and test): concatenated",
                                      "white-on-black images inverted to dark ink on white"]
    floats = load_pickle(_pickle(tmp_path / "f.pkl", (_rows(2), np.array([0.0, 1.0], np.float32))))
    assert floats.labels.tolist() == [0, 1]
    for content, message in (({"a": 1, "b": 2}, "h.pkl does not hold an (images, labels) tuple but dict"),
                             ((_rows(2), np.array([True, False])), "h.pkl: expected 2 integer labels, got (2,) bool")):
        with pytest.raises(DatasetError) as error:
            load_pickle(_pickle(tmp_path / "h.pkl", content))
        assert str(error.value) == message
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x04not a pickle")
    with pytest.raises(DatasetError) as error:
        load_pickle(tmp_path / "bad.pkl")
    assert str(error.value).startswith("bad.pkl could not be unpickled: UnpicklingError: ")


def test_an_unexpected_decoder_error_costs_only_its_file(tmp_path, monkeypatch):
    real = parallel_module.decode_file
    paths = _image_files(tmp_path, 3)
    monkeypatch.setattr(parallel_module, "decode_file",
                        lambda path: _raise(ValueError("decoder bug")) if path == paths[0] else real(path))
    images, reasons, sizes, flags = decode_chunk(paths)
    assert reasons == ["cannot decode: ValueError: decoder bug", "", ""]
    np.testing.assert_array_equal(images[2], _images(3)[2])
