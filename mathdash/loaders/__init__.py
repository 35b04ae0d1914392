"""Every supported dataset source, loaded into one ``Dataset``: ``load_source`` and ``detect_kind``.

Kinds: class folders (Kaggle layout), a zip of them, EMNIST idx files, HASYv2, CROHME InkML
strokes (a folder or zip of ``.inkml``), a trusted pickle, MathDash's own ``.npz``, and the built-in sets (``builtin:symbols``, ``builtin:digits``).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from mathdash.dataset import Dataset, concat_datasets
from mathdash.errors import DatasetError
from mathdash.loaders.archive import extract_zip, load_zip
from mathdash.loaders.cache import DatasetCache, default_cache_dir, fetch, file_key
from mathdash.loaders.emnist import find_emnist_files, is_idx_images_name, load_emnist
from mathdash.loaders.folder import is_class_folder_tree, load_folder
from mathdash.loaders.hasy import LABELS_CSV, is_hasy_csv, load_hasy
from mathdash.loaders.images import is_image_name
from mathdash.loaders.inkml import SUFFIX as INKML_SUFFIX
from mathdash.loaders.inkml import is_inkml_tree, is_inkml_zip, load_inkml
from mathdash.loaders.npzfile import load_npz, save_npz
from mathdash.loaders.parallel import Progress
from mathdash.loaders.pickled import PICKLE_WARNING, load_pickle
from mathdash.loaders.writer import write_folder

__all__ = [
    "KINDS", "PICKLE_WARNING", "SOURCE_SEPARATOR", "default_cache_dir", "detect_kind", "extract_zip",
    "load_data", "load_npz", "load_source", "save_npz", "source_parts", "write_folder",
]

KINDS = ("folder", "zip", "emnist", "hasy", "inkml", "pickle", "npz")
BUILTIN_PREFIX = "builtin:"
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".p", ".pk")
_IDX_IMAGES_MAGIC = b"\x00\x00\x08\x03"
SOURCE_SEPARATOR = " + "  # joins several sources in one data description (a run's ``data``)
PART_EXTRA = "source_part"  # which part of a combined description each image came from


def source_parts(data: str) -> list[str]:
    """The sources of a data description: ``"builtin:symbols + ../crohme"`` -> both."""
    return [part.strip() for part in str(data).split(SOURCE_SEPARATOR) if part.strip()]


def load_data(data: str, progress: Progress | None = None, **kwargs) -> Dataset:
    """Load a data description of one or more sources joined by ``" + "`` into one Dataset.

    With several sources, ``extras["source_part"]`` holds each image's part (0, 1, ...), in order.
    Keyword arguments go to ``load_source`` for every part.
    """
    parts = source_parts(data)
    if len(parts) <= 1:
        return load_source(data, progress=progress, **kwargs)
    datasets = []
    for number, part in enumerate(parts):
        dataset = load_source(part, progress=progress, **kwargs)
        extras = {**dataset.extras, PART_EXTRA: np.full(len(dataset), number, dtype=np.int64)}
        datasets.append(replace(dataset, extras=extras))
    return concat_datasets(datasets, name=SOURCE_SEPARATOR.join(parts))


def load_source(
    source: str | Path,
    kind: str = "auto",
    cache_dir: str | Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    trust: bool = False,
    use_cache: bool = True,
) -> Dataset:
    """Load any supported source into a Dataset of 45x45 dark-on-white images.

    Args:
        source: a path, or ``builtin:symbols`` / ``builtin:digits``.
        kind: one of ``KINDS``, a ``builtin:`` name, or ``"auto"`` to detect it.
        cache_dir: where decoded arrays (and extracted zips) are kept; None for
            ``$MATHDASH_CACHE_DIR`` or ``artifacts/cache``.
        workers: decoding processes; None for every available core.
        progress: called as ``progress(done, total, message)`` while decoding.
        trust: allow a detected pickle to be unpickled (an explicit ``kind="pickle"`` also does).
        use_cache: False to decode afresh and store nothing.

    Returns:
        The Dataset; ``dataset.report`` lists every skipped file with its reason.

    Raises:
        DatasetError: the source is missing, of no known kind, or holds no readable image.
    """
    started = time.perf_counter()
    text = str(source)
    if text.startswith(BUILTIN_PREFIX) or kind.startswith(BUILTIN_PREFIX):
        dataset = _load_builtin(text if text.startswith(BUILTIN_PREFIX) else kind)
    elif not text.strip():
        raise DatasetError("no source given: choose a folder or file, or a built-in set")
    else:
        path = Path(source).expanduser()
        cache = DatasetCache(cache_dir or default_cache_dir()) if use_cache else None
        try:
            resolved = _resolve_kind(path, kind, trust)
            dataset = _load_path(path, resolved, cache, workers, progress, cache_dir)
        except OSError as error:
            raise DatasetError(f"cannot read {path}: {error}") from error
    report = dataset.report
    report.source, report.loaded, report.seconds = text, len(dataset), time.perf_counter() - started
    if report.from_cache and progress is not None:
        progress(len(dataset), len(dataset), "loaded from cache")
    return dataset


def detect_kind(path: str | Path) -> str:
    """The kind of a source: one of ``KINDS``, or the ``builtin:`` name itself.

    Raises:
        DatasetError: the path is missing or matches no supported layout (the message lists them).
    """
    text = str(path)
    if text.startswith(BUILTIN_PREFIX):
        return text
    path = Path(path).expanduser()
    if not path.exists():
        raise DatasetError(f"{path} does not exist")
    kind = _file_kind(path) if path.is_file() else _folder_kind(path)
    if kind is None:
        raise DatasetError(
            f"cannot tell what {path} holds. Expected a folder of class folders (Kaggle "
            "extracted_images), a .zip of one, EMNIST '*-images-idx3-ubyte[.gz]' files, "
            f"HASYv2's {LABELS_CSV}, a folder or .zip of CROHME .inkml files, a .pkl of (train_x, train_y) or a MathDash .npz"
        )
    return kind


def _resolve_kind(path: Path, kind: str, trust: bool) -> str:
    resolved = detect_kind(path) if kind == "auto" else kind
    if resolved not in KINDS:
        raise DatasetError(f"unknown source kind {kind!r}; choose one of auto, {', '.join(KINDS)}")
    if not path.exists():
        raise DatasetError(f"{path} does not exist")
    if resolved == "pickle" and kind != "pickle" and not trust:
        raise DatasetError(f"{path.name} is a pickle and was not opened. {PICKLE_WARNING}")
    return resolved


def _load_path(path: Path, kind: str, cache, workers, progress, cache_dir) -> Dataset:
    if kind == "folder":
        return load_folder(path, cache, workers, progress)
    if kind == "inkml" or (kind == "zip" and is_inkml_zip(path)):  # an upload may hold InkML too
        return load_inkml(path, cache, workers, progress)
    if kind == "zip":
        return load_zip(path, cache, Path(cache_dir or default_cache_dir()) / "zips", workers, progress)
    if kind == "hasy":
        return load_hasy(path, cache, workers, progress)
    if kind == "npz":
        return load_npz(path)
    if kind == "emnist":
        files = find_emnist_files(path)
        prefix = str(files.images[0].parent) + os.sep
        key = file_key("emnist", files.all_files())
        return fetch(cache, key, prefix, partial(load_emnist, files, progress))
    return fetch(cache, file_key("pickle", [path]), str(path.parent) + os.sep, partial(load_pickle, path))


def _load_builtin(name: str) -> Dataset:
    set_name = name[len(BUILTIN_PREFIX):]
    try:
        from mathdash.builtin import load_builtin, load_digits
    except ImportError as error:
        raise DatasetError(f"the built-in sets are not available: {error}") from error
    return load_digits() if set_name == "digits" else load_builtin(set_name)


def _file_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".zip"):
        return "inkml" if is_inkml_zip(path) else "zip"
    if name.endswith(INKML_SUFFIX):
        return "inkml"
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(_PICKLE_SUFFIXES):
        return "pickle"
    if is_idx_images_name(path.name):
        return "emnist"
    if name.endswith(".csv") and is_hasy_csv(path):
        return "hasy"
    if is_image_name(name):
        raise DatasetError(f"{path.name} is a single image, not a dataset: choose its class folders")
    return _sniff(path)


def _sniff(path: Path) -> str | None:
    """The kind told by a file's first bytes, for files without a telling name."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head == _IDX_IMAGES_MAGIC:
        return "emnist"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "pickle"
    return None


def _folder_kind(path: Path) -> str | None:
    if (path / LABELS_CSV).is_file():
        return "hasy"
    if any(is_idx_images_name(child.name) for child in path.iterdir() if child.is_file()):
        return "emnist"
    if is_class_folder_tree(path):
        return "folder"
    if is_inkml_tree(path):
        return "inkml"
    return None
