"""EMNIST (and MNIST) idx files: ``*-images-idx3-ubyte[.gz]``, labels and ``*-mapping.txt``.

EMNIST stores each image transposed and as white ink on black; both are undone here, and the
28x28 images are enlarged to 45x45 with a smooth filter.
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER, Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.parallel import Progress
from mathdash.loaders.resize import fit_whole, mostly_white_on_black
from mathdash.symbols import name_from_char

IMAGES_MAGIC = 2051  # idx3: unsigned bytes, three dimensions
LABELS_MAGIC = 2049  # idx1: unsigned bytes, one dimension
MAX_IDX_BYTES = 4 * 2**30
_IMAGES_NAME = re.compile(r"^(?P<split>.*?)-?(?P<part>train|test)?-images[-.]idx3-ubyte(\.gz)?$")
_RESIZE_CHUNK = 20_000


@dataclass(frozen=True)
class EmnistFiles:
    """The files of one split: image files and their label files (same order), and the mapping."""

    split: str
    images: list[Path]
    labels: list[Path]
    mapping: Path | None

    def all_files(self) -> list[Path]:
        return self.images + self.labels + ([self.mapping] if self.mapping else [])


def is_idx_images_name(name: str) -> bool:
    """True for names like ``emnist-digits-train-images-idx3-ubyte.gz``."""
    return _IMAGES_NAME.match(name) is not None


def find_emnist_files(path: str | Path) -> EmnistFiles:
    """The images, labels and mapping files of one split, from an images file or a folder.

    Raises:
        DatasetError: no images file, a missing labels file, or a folder with several splits.
    """
    path = Path(path)
    images = [path] if path.is_file() else _images_files_in(path)
    if not images or not is_idx_images_name(images[0].name):
        raise DatasetError(f"{path} is not an EMNIST/MNIST '*-images-idx3-ubyte[.gz]' file or folder of them")
    splits = sorted({_split_of(p) for p in images})
    if len(splits) > 1:
        found = ", ".join(splits)
        raise DatasetError(f"{path} holds several EMNIST splits ({found}): choose one images file")
    images.sort(key=lambda p: ("test" in p.name, p.name))  # train first
    labels = [_labels_file(p) for p in images]
    mapping = images[0].with_name(f"{splits[0]}-mapping.txt") if splits[0] else None
    return EmnistFiles(splits[0], images, labels, mapping if mapping and mapping.is_file() else None)


def load_emnist(files: EmnistFiles, progress: Progress | None = None) -> Dataset:
    """Read one split into a Dataset: images un-transposed, inverted, enlarged to 45x45.

    Returns:
        Dataset with sources ``<images file>#<index>`` and ``original_size`` (28, 28).
    """
    report = LoadReport()
    pixels, original_labels, sources = _read_split(files)
    pixels = _orient(pixels, files.split, report)
    class_names, labels, keep = _class_names(files.mapping, original_labels, report)
    if not keep.all():
        for i in np.flatnonzero(~keep):
            report.skip(sources[i], f"label {original_labels[i]} is not in the mapping file")
        pixels, sources = pixels[keep], [source for source, kept in zip(sources, keep) if kept]
    height, width = pixels.shape[1:]
    images = _enlarge(pixels, progress)
    report.notes.append(f"{len(images)} images enlarged from {height}x{width} to 45x45 (bicubic)")
    report.loaded = len(images)
    return Dataset(images, labels, class_names, sources, name=files.split or files.images[0].stem,
                   original_size=(int(height), int(width)), report=report)


def _read_split(files: EmnistFiles) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(uint8 (N, 28, 28) as stored, int64 (N,) labels as stored, N sources) of every file pair."""
    pixels, labels, sources = [], [], []
    for image_file, label_file in zip(files.images, files.labels):
        images, numbers = read_idx(image_file, IMAGES_MAGIC), read_idx(label_file, LABELS_MAGIC)
        if len(images) != len(numbers):
            raise DatasetError(
                f"{image_file.name} has {len(images)} images but {label_file.name} has {len(numbers)} labels"
            )
        pixels.append(images)
        labels.append(numbers.astype(np.int64))
        sources.extend(f"{image_file}#{i}" for i in range(len(images)))
    return np.concatenate(pixels), np.concatenate(labels), sources


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read an idx file (plain or gzip) of unsigned bytes.

    Returns:
        uint8 array shaped by the header: (N, rows, cols) for images, (N,) for labels.

    Raises:
        DatasetError: wrong magic number, or fewer bytes than the header promises.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            header = handle.read(4)
            found = int.from_bytes(header, "big") if len(header) == 4 else -1
            if found != magic:
                raise DatasetError(f"{path.name}: idx magic number {found}, expected {magic}")
            dims = [int.from_bytes(handle.read(4), "big") for _ in range(magic & 0xFF)]
            expected = math.prod(dims)
            if expected > MAX_IDX_BYTES:
                raise DatasetError(f"{path.name}: header declares {expected:,} bytes, over the limit")
            data = handle.read(expected)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DatasetError(f"{path.name} cannot be read: {error}") from None
    if len(data) != expected:
        raise DatasetError(f"{path.name} is truncated: {len(data):,} of {expected:,} bytes")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _images_files_in(folder: Path) -> list[Path]:
    """Images files in a folder; where both ``x`` and ``x.gz`` exist, the plain one."""
    found = {p.name: p for p in folder.iterdir() if p.is_file() and is_idx_images_name(p.name)}
    return sorted(p for name, p in found.items() if not (name.endswith(".gz") and name[:-3] in found))


def _split_of(images_file: Path) -> str:
    return _IMAGES_NAME.match(images_file.name)["split"]


def _labels_file(images_file: Path) -> Path:
    name = images_file.name.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1")
    labels = images_file.with_name(name)
    if not labels.is_file():
        raise DatasetError(f"labels file {name} not found beside {images_file.name}")
    return labels


def _orient(pixels: np.ndarray, split: str, report: LoadReport) -> np.ndarray:
    """Undo EMNIST's transposed storage and its white-on-black polarity."""
    if split.lower().startswith("emnist"):
        pixels = pixels.transpose(0, 2, 1)
        report.notes.append("EMNIST images are stored transposed: transposed back")
    if mostly_white_on_black(pixels):
        pixels = PAPER - pixels
        report.notes.append("white-on-black images inverted to dark ink on white")
    return np.ascontiguousarray(pixels)


def _class_names(mapping: Path | None, labels: np.ndarray, report: LoadReport):
    """(class names, labels renumbered 0..K-1, mask of samples whose label has a name)."""
    names = _read_mapping(mapping, report) if mapping else _default_names(labels, report)
    used = np.array([label for label in np.unique(labels).tolist() if label in names], dtype=np.int64)
    keep = np.isin(labels, used)
    renumbered = np.searchsorted(used, labels[keep]).astype(np.int64)
    return [names[label] for label in used.tolist()], renumbered, keep


def _read_mapping(mapping: Path, report: LoadReport) -> dict[int, str]:
    """``label ascii_code [ascii_code ...]`` lines -> catalogue class names (by the first code)."""
    names: dict[int, str] = {}
    merged = False
    for line in mapping.read_text(encoding="ascii", errors="replace").splitlines():
        fields = line.split()
        if len(fields) >= 2 and all(field.isdigit() for field in fields) and int(fields[1]) <= 0x10FFFF:
            names[int(fields[0])] = name_from_char(chr(int(fields[1])))
            merged = merged or len(fields) > 2
    if merged:
        report.notes.append("the mapping merges upper and lower case letters: classes are named by the first")
    return names


def _default_names(labels: np.ndarray, report: LoadReport) -> dict[int, str]:
    if labels.size and labels.max() <= 9:
        report.notes.append("no mapping file: labels 0-9 taken as the digits")
    else:
        report.notes.append("no mapping file: classes named by their label numbers")
    return {int(label): str(int(label)) for label in np.unique(labels)}


def _enlarge(pixels: np.ndarray, progress: Progress | None) -> np.ndarray:
    out = np.empty((len(pixels), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for start in range(0, len(pixels), _RESIZE_CHUNK):
        out[start:start + _RESIZE_CHUNK] = fit_whole(pixels[start:start + _RESIZE_CHUNK])
        if progress is not None:
            progress(min(start + _RESIZE_CHUNK, len(pixels)), len(pixels), "enlarging EMNIST images")
    return out
