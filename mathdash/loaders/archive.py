"""Zip archives of class folders (an upload of the Kaggle layout): safe extraction, then a folder load.

Entries that would land outside the target (absolute paths, ``..``, links) are skipped with a
reason, and an archive that would expand beyond the size or file-count limit is refused unread.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from mathdash.dataset import Dataset, SkippedFile
from mathdash.errors import DatasetError
from mathdash.loaders.cache import DatasetCache, file_key, prune_oldest
from mathdash.loaders.folder import load_folder
from mathdash.loaders.images import MAX_FILE_BYTES
from mathdash.loaders.parallel import Progress

MAX_ARCHIVE_BYTES = 2 * 2**30  # the zip file itself
MAX_EXTRACTED_BYTES = 4 * 2**30  # everything it holds, uncompressed (the Kaggle set needs ~0.6 GB)
MAX_ENTRIES = 1_000_000
KEEP_EXTRACTED = 3  # extracted archives kept on disk; older ones are deleted
_COPY_BLOCK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


def extract_zip(
    src: str | Path,
    target: str | Path,
    max_bytes: int = MAX_EXTRACTED_BYTES,
    max_files: int = MAX_ENTRIES,
) -> list[SkippedFile]:
    """Extract a zip archive into ``target``, never writing outside it.

    Args:
        src: the .zip file.
        target: folder to extract into (created).
        max_bytes: refuse the archive if its entries add up to more bytes than this.
        max_files: refuse the archive if it lists more entries than this.

    Returns:
        One ``SkippedFile`` per entry not extracted (unsafe path, link, encrypted, too large,
        corrupt), its path given as ``<zip>/<entry name>``.

    Raises:
        DatasetError: not a zip file, or over a limit (a possible zip bomb).
    """
    target = Path(target).resolve()
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as error:
        raise DatasetError(f"{src} is not a readable zip archive: {error}") from None
    with archive:
        infos = archive.infolist()
        _check_limits(src, infos, max_bytes, max_files)
        target.mkdir(parents=True, exist_ok=True)
        skipped = []
        for info in infos:
            name = _entry_name(info)
            reason = _unsafe_reason(name, info, target) or _extract_entry(archive, info, target / name)
            if reason is not None:
                skipped.append(SkippedFile(f"{src}/{name}", reason))
    return skipped


def load_zip(
    path: str | Path,
    cache: DatasetCache | None,
    extract_root: Path,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Extract a zip of class folders once (reused while the zip is unchanged) and load it.

    Args:
        path: the .zip file.
        cache: decoded-array cache for the extracted folder; None to always decode.
        extract_root: folder under which each archive gets its own extraction folder.
        workers, progress: as for ``decode_files``.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        raise DatasetError(
            f"{path.name} is {size / 2**30:.1f} GB; "
            f"archives over {MAX_ARCHIVE_BYTES / 2**30:.0f} GB are refused"
        )
    target = extract_root / file_key("zip", [path])
    skipped = _extract_once(path, target)
    others = [folder for folder in extract_root.iterdir()
              if folder.is_dir() and not folder.name.startswith(".") and folder != target]
    prune_oldest(others, KEEP_EXTRACTED - 1)
    note = f"{path.name} extracted to {target}"
    dataset = load_folder(target, cache, workers, progress, skipped=skipped, notes=[note])
    dataset.name = path.stem
    return dataset


def _extract_once(path: Path, target: Path) -> list[SkippedFile]:
    """Extract into ``target`` unless a finished extraction is there; returns skipped entries."""
    record = target.with_name(target.name + ".json")
    if target.is_dir() and record.is_file():
        return [SkippedFile(**item) for item in json.loads(record.read_text(encoding="utf-8"))]
    shutil.rmtree(target, ignore_errors=True)  # an extraction without its record is incomplete
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".partial-{target.name}-"))
    try:
        skipped = extract_zip(path, partial)
        items = [{"path": s.path, "reason": s.reason} for s in skipped]
        record.write_text(json.dumps(items, ensure_ascii=True), encoding="utf-8")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    try:
        os.rename(partial, target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not target.is_dir():  # else a concurrent load finished the same extraction first
            raise
    return skipped


def _check_limits(src, infos: list[zipfile.ZipInfo], max_bytes: int, max_files: int) -> None:
    if len(infos) > max_files:
        raise DatasetError(f"{src} lists {len(infos):,} entries, over the limit of {max_files:,}")
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise DatasetError(
            f"{src} would expand to {total / 2**20:,.0f} MB, over the {max_bytes / 2**20:,.0f} MB limit "
            "(refused as a possible zip bomb)"
        )


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name; UTF-8 names written without the UTF-8 flag are repaired."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass  # genuinely cp437: keep Python's reading
    return name.replace("\\", "/")


def _unsafe_reason(name: str, info: zipfile.ZipInfo, target: Path) -> str | None:
    """Why an entry must not be extracted, or None when it is safe."""
    if name.startswith("/") or _DRIVE.match(name):
        return "absolute path in the archive: not extracted"
    if ".." in name.split("/"):
        return "path leads outside the extraction folder ('..'): not extracted"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "symbolic link: not extracted"
    if info.flag_bits & 0x1:
        return "encrypted entry: not extracted"
    if not (target / name).resolve().is_relative_to(target):
        return "path leads outside the extraction folder: not extracted"
    if info.file_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        return f"entry is {info.file_size / 2**20:.0f} MB, over the {limit} MB per-file limit"
    return None


def _extract_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> str | None:
    """Create a folder entry, or copy a file entry to ``dest`` (never more bytes than it declares).

    Returns:
        None on success, else the reason the entry was skipped.
    """
    written = 0
    try:
        if info.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            return None
        dest.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(dest, "wb") as out:
            while block := source.read(_COPY_BLOCK):
                written += len(block)
                if written > info.file_size:
                    raise ValueError("entry holds more data than its header declares")
                out.write(block)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, OSError) as error:
        if dest.is_file():
            dest.unlink()
        return f"could not be extracted: {error}"
    return None
