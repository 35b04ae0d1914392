"""A pickled ``(train_x, train_y)`` tuple: rows of 3,136 pixels (56x56 binary images), labels 0-35.

Unpickling runs code chosen by whoever wrote the file, so this loader is only reached for a local
file the user chose and trusted; ``python -m mathdash data convert`` turns it into a safe ``.npz``.
"""

from __future__ import annotations

import math
import pickle
import string
from pathlib import Path

import numpy as np

from mathdash.dataset import PAPER, Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.resize import as_uint8_pixels, fit_whole, mostly_white_on_black

DIGITS_AND_LETTERS = list(string.digits + string.ascii_uppercase)  # the usual meaning of 0-35
PICKLE_WARNING = (
    "A pickle can run any code when it is opened: load only a file you made or trust, "
    "then convert it to .npz (python -m mathdash data convert FILE --out FILE.npz)."
)


def load_pickle(path: str | Path) -> Dataset:
    """Unpickle ``(x, y)`` (or ``((x, y), (x_test, y_test))``) and convert to 45x45 dark-on-white.

    Args:
        path: a local pickle file the user trusts.

    Returns:
        Dataset with sources ``<file>#<row>``; classes named 0-9, A-Z for labels 0-35 (noted).

    Raises:
        DatasetError: unreadable pickle, or contents of another shape.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            content = pickle.load(handle)  # noqa: S301 - only for a local file the user trusts
    except Exception as error:  # noqa: BLE001 - unpickling can raise anything; report it as a whole
        raise DatasetError(f"{path.name} could not be unpickled: {type(error).__name__}: {error}") from None
    report = LoadReport(notes=["loaded from a pickle: only open pickles you trust"])
    rows, labels = _unpack(content, path.name, report)
    pixels = _as_square_images(rows, path.name)
    labels = _as_label_vector(labels, len(pixels), path.name, report)
    pixels = _to_dark_on_white(pixels, report)
    images = fit_whole(pixels)
    height, width = pixels.shape[1:]
    report.notes.append(f"{len(images)} images scaled from {height}x{width} to 45x45 (area averaging)")
    class_names = _class_names(labels, report)
    report.loaded = len(images)
    return Dataset(images, labels, class_names, [f"{path}#{i}" for i in range(len(images))],
                   name=path.stem, original_size=(int(height), int(width)), report=report)


def _unpack(content, name: str, report: LoadReport) -> tuple[np.ndarray, np.ndarray]:
    """(rows, labels) from ``(x, y)`` or a pair of such pairs (then concatenated)."""
    if not isinstance(content, (tuple, list)) or len(content) < 2:
        raise DatasetError(f"{name} does not hold an (images, labels) tuple but {type(content).__name__}")
    first, second = content[0], content[1]
    if all(isinstance(part, (tuple, list)) and len(part) == 2 for part in (first, second)):
        report.notes.append("two (images, labels) pairs found (train and test): concatenated")
        return (np.concatenate([np.asarray(first[0]), np.asarray(second[0])]),
                np.concatenate([np.asarray(first[1]), np.asarray(second[1])]))
    return np.asarray(first), np.asarray(second)


def _as_square_images(rows: np.ndarray, name: str) -> np.ndarray:
    """uint8 (N, S, S) from (N, S*S) rows or (N, S, S) arrays of 0/1, bool, 0..255 or floats."""
    if rows.ndim == 2:
        side = math.isqrt(rows.shape[1])
        if side * side != rows.shape[1]:
            raise DatasetError(f"{name}: rows of {rows.shape[1]} pixels are not square images")
        rows = rows.reshape(len(rows), side, side)
    if rows.ndim != 3:
        raise DatasetError(f"{name}: expected (N, pixels) or (N, H, W) images, got shape {rows.shape}")
    return as_uint8_pixels(rows, name)


def _as_label_vector(labels: np.ndarray, count: int, name: str, report: LoadReport) -> np.ndarray:
    if labels.ndim == 2 and labels.shape[0] == count and labels.shape[1] > 1:
        report.notes.append("one-hot labels converted to class numbers")
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1)
    if labels.shape != (count,) or not (np.issubdtype(labels.dtype, np.integer) or _integral(labels)):
        raise DatasetError(f"{name}: expected {count} integer labels, got {labels.shape} {labels.dtype}")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise DatasetError(f"{name}: negative labels")
    return labels


def _integral(values: np.ndarray) -> bool:
    return np.issubdtype(values.dtype, np.floating) and bool(np.all(values == np.round(values)))


def _to_dark_on_white(pixels: np.ndarray, report: LoadReport) -> np.ndarray:
    if mostly_white_on_black(pixels):
        report.notes.append("white-on-black images inverted to dark ink on white")
        return PAPER - pixels
    return pixels


def _class_names(labels: np.ndarray, report: LoadReport) -> list[str]:
    count = int(labels.max()) + 1 if labels.size else 0
    if count <= len(DIGITS_AND_LETTERS):
        report.notes.append("labels 0-35 assumed to mean 0-9 then A-Z (the usual meaning); check the counts")
        return DIGITS_AND_LETTERS[:count]
    report.notes.append(f"{count} label numbers: classes named by number")
    return [str(i) for i in range(count)]
