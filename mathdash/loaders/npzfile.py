"""MathDash's own dataset file: one ``.npz`` of plain arrays, readable without running any code.

``save_npz`` writes images, labels, class names, sources and extras; ``load_npz`` reads them back
(and any npz with at least ``images`` and ``labels``, converting other sizes to 45x45).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER, Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.resize import as_uint8_pixels, fit_whole, mostly_white_on_black

FORMAT = "mathdash-dataset-v1"
_EXTRA = "extra_"


def save_npz(dataset: Dataset, path: str | Path, compress: bool = True) -> Path:
    """Write a dataset to ``path`` (``.npz``), atomically: a crash never leaves half a file.

    Keys: ``images`` uint8 (N, 45, 45), ``labels`` int64 (N,), ``class_names`` str (K,),
    ``sources`` str (N,), ``name`` str, ``original_size`` int (2,), ``format`` str, and one
    ``extra_<key>`` array (N,) per entry of ``dataset.extras``.

    Returns:
        The written path.
    """
    path = Path(path)
    arrays = {
        "format": np.array(FORMAT),
        "images": dataset.images,
        "labels": dataset.labels,
        "class_names": np.array(dataset.class_names, dtype=str),
        "sources": np.array(dataset.sources, dtype=str),
        "name": np.array(dataset.name),
        "original_size": np.array(dataset.original_size, dtype=np.int64),
    }
    for key, values in dataset.extras.items():
        values = np.asarray(values)
        arrays[_EXTRA + key] = values.astype(str) if values.dtype == object else values
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            (np.savez_compressed if compress else np.savez)(out, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_npz(path: str | Path) -> Dataset:
    """Read a dataset ``.npz`` (never unpickling anything).

    Returns:
        Dataset; images of another size or polarity are converted and a note says so.

    Raises:
        DatasetError: unreadable file, or no ``images``/``labels`` arrays.
    """
    path = Path(path)
    report = LoadReport()
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetError(f"{path.name} is not a readable .npz: {error}") from None
    missing = [key for key in ("images", "labels") if key not in arrays]
    if missing:
        raise DatasetError(f"{path.name} lacks {', '.join(missing)} (holds: {', '.join(sorted(arrays))})")
    images, original_size = _dataset_images(arrays["images"], path.name, report)
    labels = np.asarray(arrays["labels"]).reshape(-1).astype(np.int64)
    count = int(labels.max()) + 1 if labels.size else 0
    class_names = [str(c) for c in arrays.get("class_names", np.arange(count))]
    if "sources" in arrays:
        sources = [str(source) for source in arrays["sources"]]
    else:
        sources = [f"{path}#{i}" for i in range(len(labels))]
    extras = {key[len(_EXTRA):]: value for key, value in arrays.items() if key.startswith(_EXTRA)}
    name = str(arrays["name"]) if "name" in arrays else path.stem
    if "original_size" in arrays:
        original_size = tuple(int(v) for v in arrays["original_size"])
    report.loaded = len(images)
    return Dataset(images, labels, class_names, sources, name=name, original_size=original_size,
                   extras=extras, report=report)


def _dataset_images(values: np.ndarray, name: str, report: LoadReport) -> tuple[np.ndarray, tuple[int, int]]:
    """uint8 (N, 45, 45) dark-on-white from any (N, H, W) or (N, H, W, 1) pixel array."""
    values = np.asarray(values)
    if values.ndim == 4 and values.shape[-1] == 1:
        values = values[..., 0]
    if values.ndim != 3:
        raise DatasetError(f"{name}: images must be (N, H, W), got shape {values.shape}")
    pixels = as_uint8_pixels(values, name)
    original_size = (int(pixels.shape[1]), int(pixels.shape[2]))
    if mostly_white_on_black(pixels):
        pixels = PAPER - pixels
        report.notes.append("white-on-black images inverted to dark ink on white")
    if original_size != (IMAGE_SIZE, IMAGE_SIZE):
        pixels = fit_whole(pixels)
        report.notes.append(f"images scaled from {original_size[0]}x{original_size[1]} to 45x45")
    return pixels, original_size
