"""The user's own drawings, saved with their labels as a dataset in the Kaggle layout.

``ExampleStore`` keeps ``root/<class>/<id>.png`` (45x45, ink dark on white, what the model sees), so
the folder loads like any Kaggle folder, zips for download and feeds ``mathdash.finetune``.
"""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from mathdash.dataset import IMAGE_SIZE, Dataset
from mathdash.errors import DatasetError
from mathdash.loaders.writer import folder_name
from mathdash.runs import ARTIFACTS_DIR
from mathdash.symbols import KAGGLE_CLASSES, kaggle_class

EXAMPLES_DIR_ENV = "MATHDASH_EXAMPLES_DIR"
DEFAULT_EXAMPLES_DIR = ARTIFACTS_DIR / "examples"
ZIP_ROOT = "my_drawings"  # the folder a downloaded zip unpacks into
_TEMP_PREFIX = ".tmp-"


class ExampleStore:
    """Labelled user drawings under ``root`` (one folder per class, one PNG per drawing).

    Args:
        root: the folder; None reads ``$MATHDASH_EXAMPLES_DIR``, else ``artifacts/examples``.
        classes: the class names a drawing may carry (default: the 82 Kaggle classes).
    """

    def __init__(self, root: Path | str | None = None, classes: list[str] | None = None) -> None:
        self.root = Path(root if root is not None else os.environ.get(EXAMPLES_DIR_ENV, DEFAULT_EXAMPLES_DIR))
        self.classes = list(classes) if classes is not None else list(KAGGLE_CLASSES)

    def add(self, image: np.ndarray, class_name: str) -> Path:
        """Save one drawing under its class; written to a temporary name, then renamed.

        Args:
            image: uint8 array (45, 45), ink dark on white (``predict.prepare_drawing``'s output).
            class_name: its true class, one of ``classes``; a letter in either case, a LaTeX
                command or a character is turned into its Kaggle folder (``x`` -> ``X``, ``\\alpha``).

        Returns:
            The new file, ``root/<class>/<YYYYmmdd-HHMMSS>-<hex>.png``.

        Raises:
            DatasetError: an unknown class or an image of the wrong shape or type.
        """
        _check_image(image)
        if class_name not in self.classes:
            class_name = kaggle_class(class_name) or class_name
        if class_name not in self.classes:
            raise DatasetError(f"unknown class {class_name!r}: a drawing must be labelled with one of the "
                               f"{len(self.classes)} classes")
        folder = self.root / folder_name(class_name)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.png"
        temp = folder / f"{_TEMP_PREFIX}{target.name}"
        Image.fromarray(np.asarray(image, np.uint8), mode="L").save(temp, "PNG")
        os.replace(temp, target)
        return target

    def files(self) -> list[tuple[str, Path]]:
        """Every saved drawing as (class name, file), sorted by class then file name."""
        if not self.root.is_dir():
            return []
        by_folder = {folder_name(name): name for name in self.classes}
        found = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name in by_folder):
            found += [(by_folder[folder.name], path) for path in sorted(folder.glob("*.png"))
                      if not path.name.startswith(_TEMP_PREFIX)]
        return found

    def counts(self) -> dict[str, int]:
        """Drawings per class, classes with none left out."""
        counts: dict[str, int] = {}
        for name, _ in self.files():
            counts[name] = counts.get(name, 0) + 1
        return counts

    def __len__(self) -> int:
        return len(self.files())

    def load(self) -> Dataset:
        """The drawings as a Dataset whose ``class_names`` are the classes that have drawings.

        Raises:
            DatasetError: when there are no drawings, or a file cannot be read as a 45x45 image.
        """
        files = self.files()
        if not files:
            raise DatasetError(f"no saved drawings yet in {self.root}: save some with their labels first")
        names = sorted({name for name, _ in files})
        images = np.stack([_read(path) for _, path in files])
        labels = np.array([names.index(name) for name, _ in files], np.int64)
        return Dataset(images, labels, names, [str(path) for _, path in files], name="my drawings")

    def zip_bytes(self) -> bytes:
        """The drawings as a zip in the Kaggle layout: ``my_drawings/<class>/<id>.png``."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for _, path in self.files():
                archive.write(path, f"{ZIP_ROOT}/{path.parent.name}/{path.name}")
        return buffer.getvalue()

    def export_zip(self, target: Path | str) -> Path:
        """Write ``zip_bytes()`` to ``target`` (a temporary name first, then renamed)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f"{_TEMP_PREFIX}{target.name}")
        temp.write_bytes(self.zip_bytes())
        os.replace(temp, target)
        return target

    def clear(self) -> int:
        """Delete every saved drawing; returns how many were deleted."""
        files = self.files()
        for _, path in files:
            path.unlink(missing_ok=True)
        return len(files)


def _check_image(image: np.ndarray) -> None:
    array = np.asarray(image)
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE) or array.dtype != np.uint8:
        raise DatasetError(f"a drawing must be a uint8 {IMAGE_SIZE}x{IMAGE_SIZE} image, got "
                           f"{array.dtype} {array.shape}")


def _read(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            array = np.asarray(image.convert("L"))
    except (OSError, ValueError) as error:
        raise DatasetError(f"{path.name} in {path.parent.name}/ cannot be read: {error}") from error
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise DatasetError(f"{path.parent.name}/{path.name} is {array.shape[1]}x{array.shape[0]}, "
                           f"not {IMAGE_SIZE}x{IMAGE_SIZE}")
    return array
