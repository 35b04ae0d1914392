"""The Kaggle layout: a folder of class folders (``extracted_images/<class>/<file>.jpg``).

Listing is one ``os.scandir`` pass plus a stat per file, and the listing itself keys the cache,
so an unchanged folder reloads from one array.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from mathdash.dataset import Dataset, LoadReport, SkippedFile
from mathdash.errors import DatasetError
from mathdash.loaders.assemble import dataset_from_files
from mathdash.loaders.cache import DatasetCache, content_key, fetch
from mathdash.loaders.images import is_image_name
from mathdash.loaders.parallel import Progress

_IGNORED_DIRS = frozenset({"__MACOSX"})  # resource forks that macOS adds to zips
_MAX_DESCENT = 3  # levels of single wrapping folders looked through (archive/data/extracted_images)

_ScannedClass = tuple[list[tuple[str, int, int]], list[SkippedFile]]


@dataclass
class FolderListing:
    """Everything found in a class-folder tree, before any image is decoded.

    Attributes:
        root: the folder whose subfolders are the classes.
        names: image files as ``<class>/<file>``, sorted by class then file name.
        classes: the class (folder name) of each image file.
        sizes, mtimes: byte size and mtime in nanoseconds of each image file.
        skipped: files and folders that are not read, with the reason.
        empty_classes: class folders holding no image file.
    """

    root: Path
    names: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    empty_classes: list[str] = field(default_factory=list)

    def key(self) -> str:
        """The cache key of this listing (names, sizes, mtimes; skipped entries included)."""
        names = self.names + [f"skipped:{s.path}" for s in self.skipped]
        zeros = [0] * len(self.skipped)
        return content_key("folder", names, self.sizes + zeros, self.mtimes + zeros)


def find_class_root(path: str | Path) -> Path:
    """The folder whose subfolders are classes: ``path`` itself or the one folder wrapped inside.

    ``data/`` holding only ``extracted_images/`` (itself holding class folders) resolves to
    ``data/extracted_images``; up to three such wrapping levels are looked through.

    Raises:
        DatasetError: when ``path`` is not a folder.
    """
    current = Path(path).resolve()
    if not current.is_dir():
        raise DatasetError(f"{path} is not a folder")
    for _ in range(_MAX_DESCENT):
        folders, has_files = _peek(current)
        if len(folders) != 1 or has_files or not _peek(folders[0])[0]:
            break
        current = folders[0]
    return current


def is_class_folder_tree(path: str | Path) -> bool:
    """True when ``path`` (or the folder it wraps) holds at least one class folder with an image."""
    try:
        root = find_class_root(path)
        for folder in _peek(root)[0]:
            with os.scandir(folder) as entries:
                if any(entry.is_file() and is_image_name(entry.name) for entry in entries):
                    return True
    except (DatasetError, OSError):
        return False
    return False


def list_class_folders(path: str | Path) -> FolderListing:
    """List every image file of a class-folder tree with its size and mtime.

    Raises:
        DatasetError: when the tree has no class folder.
    """
    listing = FolderListing(find_class_root(path))
    class_dirs = _top_level(listing)
    if not class_dirs:
        raise DatasetError(
            f"{path} holds no class folders: expected <folder>/<class name>/<image files>, "
            "like Kaggle's extracted_images"
        )
    folders = [str(listing.root / name) for name in class_dirs]
    # One thread: the stats come from the kernel's cache and the Python work around them holds the
    # GIL, so scanning threads only contend (376k files: 1.9 s alone, 2.5-3.5 s with 4 threads).
    for class_name, scanned in zip(class_dirs, map(_scan_class, folders)):
        _add_class(listing, class_name, scanned)
    return listing


def load_folder(
    path: str | Path,
    cache: DatasetCache | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    skipped: Sequence[SkippedFile] = (),
    notes: Sequence[str] = (),
) -> Dataset:
    """Load a folder of class folders into a Dataset, from the cache when the folder is unchanged.

    Args:
        path: the class-folder tree (``extracted_images``) or a folder wrapping it.
        cache: where decoded arrays are kept; None to always decode.
        workers, progress: as for ``decode_files``.
        skipped, notes: earlier report entries (e.g. from unpacking an archive) to put first.

    Raises:
        DatasetError: no class folder, or not one readable image.
    """
    listing = list_class_folders(path)
    prefix = str(listing.root) + os.sep
    report = LoadReport(skipped=[*skipped, *listing.skipped], notes=list(notes))
    report.notes.extend(f"empty class folder {name!r} dropped" for name in listing.empty_classes)
    build = partial(_decode_listing, listing, prefix, report, workers, progress)
    return fetch(cache, listing.key(), prefix, build)


def _decode_listing(listing: FolderListing, prefix: str, report: LoadReport, workers: int | None,
                    progress: Progress | None) -> Dataset:
    paths = [prefix + name for name in listing.names]
    return dataset_from_files(paths, listing.classes, listing.root.name, report, workers, progress)


def _peek(folder: Path) -> tuple[list[Path], bool]:
    """(visible subfolders, whether any file sits directly inside)."""
    folders, has_files = [], False
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                if not _ignored_dir(entry.name):
                    folders.append(Path(entry.path))
            elif not entry.name.startswith("."):
                has_files = True
    return sorted(folders), has_files


def _ignored_dir(name: str) -> bool:
    return name.startswith(".") or name in _IGNORED_DIRS


def _top_level(listing: FolderListing) -> list[str]:
    """Class folder names at the root; stray files there are recorded as skipped."""
    class_dirs, stray = [], []
    with os.scandir(listing.root) as entries:
        for entry in entries:
            if entry.is_dir():
                if not _ignored_dir(entry.name):
                    class_dirs.append(entry.name)
            else:
                stray.append(SkippedFile(entry.path, "stray file at the top level, not in a class folder"))
    listing.skipped.extend(sorted(stray, key=lambda skip: skip.path))
    return sorted(class_dirs)


def _add_class(listing: FolderListing, class_name: str, scanned: _ScannedClass) -> None:
    files, skipped = scanned
    listing.skipped.extend(skipped)
    if not files:
        listing.empty_classes.append(class_name)
        return
    files.sort()
    names, sizes, mtimes = zip(*files)
    listing.names.extend([f"{class_name}/{name}" for name in names])
    listing.classes.extend([class_name] * len(files))
    listing.sizes.extend(sizes)
    listing.mtimes.extend(mtimes)


def _scan_class(folder: str) -> _ScannedClass:
    """((name, size, mtime_ns) per image file, skipped entries) of one class folder."""
    files, skipped = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                skipped.append(SkippedFile(entry.path, "folder inside a class folder is not read"))
            elif is_image_name(entry.name):
                try:
                    stat = entry.stat()
                except OSError as error:  # vanished since listed, or a broken link
                    skipped.append(SkippedFile(entry.path, f"cannot read file: {error.strerror or error}"))
                    continue
                files.append((entry.name, stat.st_size, stat.st_mtime_ns))
            else:
                suffix = os.path.splitext(entry.name)[1] or "no extension"
                skipped.append(SkippedFile(entry.path, f"not an image file type ({suffix})"))
    return files, sorted(skipped, key=lambda skip: skip.path)
