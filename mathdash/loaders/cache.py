"""The on-disk cache of decoded datasets, keyed by what the source holds (names, sizes, mtimes).

A second load of an unchanged 376k-file folder reads one uncompressed array instead of decoding
every file; touching, adding or removing any file changes the key and forces a fresh decode.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from mathdash.dataset import Dataset, LoadReport, SkippedFile
from mathdash.errors import DatasetError

CACHE_ENV = "MATHDASH_CACHE_DIR"
LOADER_VERSION = 2  # bump when decoding changes, so old cached pixels are never reused
KEEP_ENTRIES = 6  # most recently used datasets kept; older ones are deleted
_SEP = "\0"  # cannot occur in a path, so it separates file names unambiguously
_KEY_LENGTH = 32


def default_cache_dir() -> Path:
    """``$MATHDASH_CACHE_DIR`` if set, else ``artifacts/cache`` at the repository root."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "artifacts" / "cache"


def content_key(kind: str, names: Sequence[str], sizes: Iterable[int], mtimes: Iterable[int]) -> str:
    """A hex digest of a source's listing: relative names, byte sizes and mtimes in nanoseconds.

    Args:
        kind: the loader kind (part of the key, so one folder read two ways caches twice).
        names: relative file names in a fixed order.
        sizes, mtimes: one integer per name.
    """
    digest = hashlib.sha256(f"mathdash-loader-v{LOADER_VERSION}:{kind}:{len(names)}".encode())
    digest.update(_SEP.join(names).encode("utf-8", "surrogateescape"))
    digest.update(np.fromiter(sizes, dtype=np.int64, count=len(names)).tobytes())
    digest.update(np.fromiter(mtimes, dtype=np.int64, count=len(names)).tobytes())
    return digest.hexdigest()[:_KEY_LENGTH]


def file_key(kind: str, paths: Sequence[Path]) -> str:
    """``content_key`` of a few whole files (a pickle, EMNIST's idx files), by name, size, mtime."""
    stats = [path.stat() for path in paths]
    return content_key(kind, [path.name for path in paths], [s.st_size for s in stats],
                       [s.st_mtime_ns for s in stats])


def fetch(cache: DatasetCache | None, key: str, prefix: str, build: Callable[[], Dataset]) -> Dataset:
    """The cached dataset for ``key``, or ``build()``'s result, then stored (a failed store is noted).

    Args:
        cache: the cache, or None to always build.
        key: the source's ``content_key``.
        prefix: the folder the dataset's sources lie under (stored relative to it).
        build: decodes the source; called only on a miss.
    """
    if cache is not None and (cached := cache.load(key, prefix)) is not None:
        return cached
    dataset = build()
    if cache is not None:
        try:
            cache.save(key, dataset, prefix)
        except (OSError, ValueError) as error:  # a full disk, or extras .npy cannot hold
            dataset.report.notes.append(f"decoded images could not be cached: {error}")
    return dataset


class DatasetCache:
    """Decoded datasets stored under ``root/<key>/`` as uncompressed ``.npy`` files plus JSON.

    Sources are stored relative to a prefix (the source's folder), so a moved folder still hits.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def load(self, key: str, prefix: str) -> Dataset | None:
        """The cached dataset for ``key`` with sources under ``prefix``, or None on a miss."""
        entry = self.root / key
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            # mapped, not read: pages touch the pixels they show, the page cache serves the rest
            images = np.load(entry / "images.npy", mmap_mode="r")
            labels = np.load(entry / "labels.npy")
            relative = (entry / "sources.txt").read_bytes().decode("utf-8", "surrogateescape")
            extras = {name: np.load(entry / f"extra_{name}.npy") for name in meta["extras"]}
        except (OSError, ValueError, KeyError):
            return None  # a miss, or an entry broken by an interrupted write: decode afresh
        sources = relative.split(_SEP) if len(labels) else []
        if meta["relative"]:
            sources = [prefix + source for source in sources]
        try:
            os.utime(entry)  # mark as recently used, so pruning keeps it
            return Dataset(images, labels, list(meta["class_names"]), sources, name=meta["name"],
                           original_size=tuple(meta["original_size"]), extras=extras,
                           report=_report_from_dict(meta["report"]))
        except (OSError, DatasetError):
            return None  # a read-only cache still serves; an inconsistent entry is rebuilt

    def save(self, key: str, dataset: Dataset, prefix: str) -> None:
        """Store a dataset atomically (written aside, then renamed).

        Raises:
            OSError: the entry could not be written.
            ValueError: an extra holds Python objects, which ``.npy`` files do not store.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=self.root, prefix=f".partial-{key}-"))
        try:
            _write_entry(temporary, dataset, prefix)
            os.rename(temporary, self.root / key)
        except BaseException as error:
            shutil.rmtree(temporary, ignore_errors=True)  # no half-written entry is left behind
            if not isinstance(error, OSError) or not (self.root / key).is_dir():
                raise  # a concurrent writer winning the rename is fine; anything else is not
        self._prune()

    def _prune(self) -> None:
        prune_oldest([path for path in self.root.iterdir() if _is_key(path.name)], KEEP_ENTRIES)


def prune_oldest(entries: list[Path], keep: int) -> None:
    """Delete all but the ``keep`` most recently modified folders (and their ``.json`` records)."""
    entries = sorted(entries, key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        shutil.rmtree(stale, ignore_errors=True)
        stale.with_name(stale.name + ".json").unlink(missing_ok=True)


def _is_key(name: str) -> bool:
    return len(name) == _KEY_LENGTH and all(c in "0123456789abcdef" for c in name)


def _write_entry(folder: Path, dataset: Dataset, prefix: str) -> None:
    relative = bool(prefix) and all(source.startswith(prefix) for source in dataset.sources)
    sources = [source[len(prefix):] for source in dataset.sources] if relative else dataset.sources
    np.save(folder / "images.npy", dataset.images)
    np.save(folder / "labels.npy", dataset.labels)
    (folder / "sources.txt").write_bytes(_SEP.join(sources).encode("utf-8", "surrogateescape"))
    for name, values in dataset.extras.items():
        values = np.asarray(values)
        if values.dtype.hasobject:
            raise ValueError(f"extra {name!r} holds Python objects ({values.dtype}), which are not cached")
        np.save(folder / f"extra_{name}.npy", values, allow_pickle=False)
    meta = {
        "version": LOADER_VERSION,
        "name": dataset.name,
        "class_names": dataset.class_names,
        "original_size": list(dataset.original_size),
        "relative": relative,
        "extras": list(dataset.extras),
        "report": dataset.report.to_dict(),
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=True), encoding="utf-8")


def _report_from_dict(data: dict) -> LoadReport:
    return LoadReport(
        source=data.get("source", ""),
        loaded=int(data.get("loaded", 0)),
        skipped=[SkippedFile(item["path"], item["reason"]) for item in data.get("skipped", [])],
        notes=list(data.get("notes", [])),
        seconds=float(data.get("seconds", 0.0)),
        from_cache=True,
    )
