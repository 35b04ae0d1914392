"""The built-in data sets: synthetic handwritten symbols (82 classes) and scikit-learn's digits.

Both load without a network: the symbols from the pack shipped under ``artifacts/builtin/`` (or
regenerated from the default seed when the pack is missing or stale), the digits from scikit-learn.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

from mathdash.dataset import IMAGE_SIZE, PAPER, Dataset, LoadReport
from mathdash.errors import ArtifactError, DatasetError
from mathdash.preprocess import fit_to_box

BUILTIN_SETS: dict[str, str] = {
    "symbols": "Synthetic handwriting of all 82 Kaggle classes: long-tailed, most files duplicates "
               "(exact, JPEG, shifted, contrast, a few mislabelled), with ground truth",
    "digits": "scikit-learn's 1,797 real handwritten digits (8x8, 10 classes) converted to 45x45",
}
PACK_PATH = Path(__file__).resolve().parent.parent / "artifacts" / "builtin" / "symbols.npz"
DEFAULT_SEED = 0
_DIGIT_UPSCALE = 40  # the 8x8 digits are enlarged smoothly to this size before framing


def load_builtin(name: str = "symbols", pack_path: str | Path | None = None) -> Dataset:
    """Load a built-in set by name (see ``BUILTIN_SETS``).

    Args:
        name: ``"symbols"`` or ``"digits"``.
        pack_path: the symbols pack to read (default: ``artifacts/builtin/symbols.npz``).

    Returns:
        Dataset with a LoadReport whose source is ``builtin:<name>``.

    Raises:
        DatasetError: an unknown name.
    """
    if name == "digits":
        return load_digits()
    if name != "symbols":
        raise DatasetError(f"unknown built-in set {name!r}; choose one of {', '.join(BUILTIN_SETS)}")
    return _load_symbols(Path(pack_path) if pack_path is not None else PACK_PATH)


def _load_symbols(path: Path) -> Dataset:
    from mathdash.synth.pack import load_pack

    started = time.perf_counter()
    notes = []
    try:
        dataset = load_pack(path)
        notes.append(f"loaded from the shipped pack {path.name}")
    except ArtifactError as error:
        from mathdash.synth import generate_dataset

        dataset = generate_dataset(seed=DEFAULT_SEED)
        notes.append(f"pack unavailable ({error}); generated from seed {DEFAULT_SEED} instead")
    dataset.name = "built-in symbols"
    dataset.report = LoadReport(source="builtin:symbols", loaded=len(dataset),
                                notes=dataset.report.notes + notes,
                                seconds=time.perf_counter() - started, from_cache=False)
    return dataset


def load_digits() -> Dataset:
    """scikit-learn's handwritten digits as 45x45 images, ink dark on white.

    Returns:
        Dataset of 1,797 images: uint8 (1797, 45, 45), labels 0..9 with class names '0'..'9',
        sources ``sklearn-digits/<i>``, original_size (8, 8).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    started = time.perf_counter()
    bunch = sklearn_digits()
    images = np.stack([_digit_to_ink(image) for image in bunch.images])
    return Dataset(
        images=images, labels=bunch.target.astype(np.int64), class_names=[str(d) for d in range(10)],
        sources=[f"sklearn-digits/{i}" for i in range(len(images))], name="scikit-learn digits",
        original_size=(8, 8),
        report=LoadReport(source="builtin:digits", loaded=len(images),
                          notes=["converted 8x8 (intensity 0..16) to 45x45, ink dark on white"],
                          seconds=time.perf_counter() - started),
    )


def _digit_to_ink(image: np.ndarray) -> np.ndarray:
    """One 8x8 digit (0..16, ink bright) as a framed 45x45 uint8 image (ink dark on white)."""
    paper = np.rint(PAPER * (1.0 - np.clip(image, 0, 16) / 16.0)).astype(np.uint8)
    large = Image.fromarray(np.pad(paper, 1, constant_values=PAPER))
    large = large.resize((_DIGIT_UPSCALE, _DIGIT_UPSCALE), Image.Resampling.BICUBIC)
    framed = fit_to_box(np.asarray(large))
    return framed if framed is not None else np.full((IMAGE_SIZE, IMAGE_SIZE), PAPER, np.uint8)
