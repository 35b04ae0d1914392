"""Zip archives of class folders: safe extraction (no writes outside), bombs, loading and caching."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from mathdash.errors import DatasetError
from mathdash.loaders import archive, extract_zip, load_source


def png_bytes(seed: int) -> bytes:
    image = np.full((45, 45), 255, np.uint8)
    image[5 + seed:15 + seed, 10:20] = 0
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG")
    return buffer.getvalue()


def make_zip(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive_file.writestr(info, data)


def kaggle_entries() -> dict[str, bytes]:
    return {
        "extracted_images/alpha/a0.png": png_bytes(0),
        "extracted_images/alpha/a1.png": png_bytes(1),
        "extracted_images/π/p0.png": png_bytes(2),
    }


def test_unsafe_entries_are_skipped_and_nothing_lands_outside(tmp_path):
    zip_path = tmp_path / "upload.zip"
    entries = kaggle_entries() | {"../evil.png": png_bytes(3), "/abs.png": png_bytes(4),
                                  "extracted_images/../../evil2.png": png_bytes(5)}
    make_zip(zip_path, entries)
    target = tmp_path / "deep" / "target"
    skipped = extract_zip(zip_path, target)
    reasons = {s.path.split("upload.zip/")[1]: s.reason for s in skipped}
    assert set(reasons) == {"../evil.png", "/abs.png", "extracted_images/../../evil2.png"}
    assert "outside the extraction folder" in reasons["../evil.png"]
    assert "absolute path" in reasons["/abs.png"]
    every_file = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    inside = {f"deep/target/{name}" for name in kaggle_entries()}
    assert every_file == {"upload.zip"} | inside


def test_symlink_entry_is_not_extracted(tmp_path):
    zip_path = tmp_path / "links.zip"
    with zipfile.ZipFile(zip_path, "w") as archive_file:
        info = zipfile.ZipInfo("c/link.png")
        info.external_attr = 0o120777 << 16
        archive_file.writestr(info, "/etc/passwd")
    skipped = extract_zip(zip_path, tmp_path / "t")
    assert skipped[0].reason == "symbolic link: not extracted"
    assert not (tmp_path / "t" / "c" / "link.png").exists()


def test_zip_bomb_is_refused_before_extracting(tmp_path):
    zip_path = tmp_path / "bomb.zip"
    make_zip(zip_path, {"c/big.png": b"\0" * 2_000_000})
    assert zip_path.stat().st_size < 20_000
    with pytest.raises(DatasetError, match="zip bomb"):
        extract_zip(zip_path, tmp_path / "t", max_bytes=1_000_000)
    assert not (tmp_path / "t").exists()


def test_too_many_entries_is_refused(tmp_path):
    zip_path = tmp_path / "many.zip"
    make_zip(zip_path, {f"c/{i}.png": b"x" for i in range(5)})
    with pytest.raises(DatasetError, match="entries"):
        extract_zip(zip_path, tmp_path / "t", max_files=4)


def test_oversized_archive_is_refused(tmp_path, monkeypatch):
    zip_path = tmp_path / "huge.zip"
    make_zip(zip_path, kaggle_entries())
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(DatasetError, match="refused"):
        load_source(zip_path, cache_dir=tmp_path / "cache")


def test_not_a_zip(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_text("plain text")
    with pytest.raises(DatasetError, match="not a readable zip"):
        load_source(path, cache_dir=tmp_path / "cache")


def test_utf8_names_without_the_utf8_flag_are_repaired(tmp_path):
    zip_path = tmp_path / "legacy.zip"
    make_zip(zip_path, {"c/XY.png": png_bytes(0)})  # then give it raw UTF-8 bytes, flag unset
    zip_path.write_bytes(zip_path.read_bytes().replace(b"c/XY.png", "c/é.png".encode("utf-8")))
    with zipfile.ZipFile(zip_path) as archive_file:
        assert not archive_file.infolist()[0].flag_bits & 0x800
    extract_zip(zip_path, tmp_path / "t")
    assert (tmp_path / "t" / "c" / "é.png").is_file()


def test_load_zip_reports_skips_and_reloads_from_cache(tmp_path):
    zip_path = tmp_path / "upload.zip"
    make_zip(zip_path, kaggle_entries() | {"../evil.png": png_bytes(3)})
    first = load_source(zip_path, cache_dir=tmp_path / "cache")
    assert first.class_names == ["alpha", "π"] and len(first) == 3
    assert first.name == "upload"
    assert [s.reason for s in first.report.skipped] == [
        "path leads outside the extraction folder ('..'): not extracted"]
    second = load_source(zip_path, cache_dir=tmp_path / "cache")
    assert second.report.from_cache and len(second.report.skipped) == 1
    np.testing.assert_array_equal(first.images, second.images)
    assert not (tmp_path / "evil.png").exists() and not (tmp_path / "cache" / "evil.png").exists()


def test_corrupt_entry_is_skipped_and_removed(tmp_path):
    zip_path = tmp_path / "crc.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as archive_file:
        archive_file.writestr("c/a.png", png_bytes(0))
        archive_file.writestr("c/b.png", png_bytes(1))
    data = bytearray(zip_path.read_bytes())
    start = data.index(png_bytes(1))
    data[start + 40] ^= 0xFF  # flip stored bytes: the CRC no longer matches
    zip_path.write_bytes(bytes(data))
    skipped = extract_zip(zip_path, tmp_path / "t")
    assert [s.path.rsplit("/", 1)[1] for s in skipped] == ["b.png"]
    assert "Bad CRC-32" in skipped[0].reason
    assert sorted(p.name for p in (tmp_path / "t" / "c").iterdir()) == ["a.png"]


def test_old_extractions_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "KEEP_EXTRACTED", 1)
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"
    make_zip(first, kaggle_entries())
    make_zip(second, {"d/x.png": png_bytes(4)})
    load_source(first, cache_dir=tmp_path / "cache")
    load_source(second, cache_dir=tmp_path / "cache")
    folders = [p for p in (tmp_path / "cache" / "zips").iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "d" / "x.png").is_file()
