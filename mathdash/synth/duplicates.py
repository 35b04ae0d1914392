"""Injected duplicates with ground truth: exact copies, JPEG re-encodes, 1-pixel shifts, contrast
changes and a few copies filed under the wrong class, as in the Kaggle set.

A ``DuplicateRecipe`` is a few small arrays, so the shipped pack stores it instead of the copies
and rebuilds them identically at load.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mathdash.dataset import PAPER
from mathdash.symbols import KAGGLE_CLASSES

KINDS = ("exact", "jpeg", "shift", "contrast", "mislabel")
_KIND_WEIGHTS = np.array([0.45, 0.25, 0.15, 0.145, 0.005])
_SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (rows, columns) of a 1-pixel shift
_CONFUSABLE = {"1": "ascii_124", "ascii_124": "1", "0": "o", "o": "0", "X": "times", "times": "X",
               ",": "prime", "prime": ",", "S": "5", "5": "S", "z": "2", "2": "z", "l": "1",
               "C": "(", "(": "C", "-": "forward_slash", "+": "times", "lt": "(", "gt": ")"}
_POPULARITY = 0.8  # Zipf exponent: a few originals are copied many times, most once or never


@dataclass(frozen=True)
class DuplicateRecipe:
    """How to make every copy from the unique images.

    Attributes:
        source: int64 array (D,), index of the copied image among the uniques.
        kind: int64 array (D,), index into ``KINDS``.
        label: int64 array (D,), class the copy is filed under (differs from the source's label
            only for 'mislabel').
        param: int64 array (D,): JPEG quality, shift direction (index into the four 1-pixel
            shifts) or contrast factor in percent; 0 otherwise.
    """

    source: np.ndarray
    kind: np.ndarray
    label: np.ndarray
    param: np.ndarray

    def __len__(self) -> int:
        return len(self.source)

    def slice(self, start: int, stop: int) -> DuplicateRecipe:
        """The copies ``start:stop`` of the recipe."""
        return DuplicateRecipe(self.source[start:stop], self.kind[start:stop], self.label[start:stop],
                               self.param[start:stop])

    def to_arrays(self, prefix: str = "dup_") -> dict[str, np.ndarray]:
        return {f"{prefix}{key}": getattr(self, key) for key in ("source", "kind", "label", "param")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "dup_") -> DuplicateRecipe:
        return cls(*(np.asarray(arrays[f"{prefix}{key}"], dtype=np.int64)
                     for key in ("source", "kind", "label", "param")))


def plan_duplicates(labels: np.ndarray, copies: np.ndarray, rng: np.random.Generator,
                    kind_weights: np.ndarray = _KIND_WEIGHTS) -> DuplicateRecipe:
    """Choose which unique images are copied, how, and into which class folder.

    Class c's folder gets exactly ``copies[c]`` copies; most copy one of c's own images, a
    'mislabel' copy holds an image of another (usually a look-alike) class.

    Args:
        labels: int64 array (U,), class of every unique image.
        copies: int64 array (num_classes,), copies to file under each class.
        rng: source of randomness.
        kind_weights: float array (5,), relative frequency of each kind in ``KINDS`` order.

    Returns:
        The recipe, copies grouped by the class they are filed under.
    """
    rows = [np.flatnonzero(labels == c) for c in range(len(copies))]
    sources = [_pick_originals(rows[c], int(n), rng) for c, n in enumerate(copies)]
    source = np.concatenate(sources) if sources else np.zeros(0, np.int64)
    label = labels[source].copy()
    kind = rng.choice(len(KINDS), size=len(source), p=kind_weights / kind_weights.sum())
    param = np.zeros(len(source), np.int64)
    for code, low, high in ((1, 60, 96), (2, 0, 4), (3, 70, 131)):
        chosen = kind == code
        param[chosen] = rng.integers(low, high, chosen.sum())
    param[(kind == 3) & (np.abs(param - 100) < 10)] += 20  # a contrast change of at least 10%
    stocked = [c for c in range(len(copies)) if rows[c].size]
    for i in np.flatnonzero(kind == KINDS.index("mislabel")):
        source[i] = rng.choice(rows[_wrong_label(int(label[i]), stocked, rng)])
    return DuplicateRecipe(source.astype(np.int64), kind.astype(np.int64), label, param)


def _pick_originals(rows: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    if rows.size == 0 or count == 0:
        return np.zeros(0, np.int64)
    weights = 1.0 / np.arange(1, rows.size + 1) ** _POPULARITY
    return rng.permutation(rows)[rng.choice(rows.size, size=count, p=weights / weights.sum())]


def _wrong_label(label: int, stocked: list[int], rng: np.random.Generator) -> int:
    """A class other than ``label`` that has images: its look-alike 80 % of the time."""
    name = KAGGLE_CLASSES[label] if label < len(KAGGLE_CLASSES) else ""
    partner = KAGGLE_CLASSES.index(_CONFUSABLE[name]) if name in _CONFUSABLE else -1
    if partner in stocked and rng.random() < 0.8:
        return partner
    others = [c for c in stocked if c != label]
    return int(rng.choice(others)) if others else label


def make_copies(uniques: np.ndarray, recipe: DuplicateRecipe) -> np.ndarray:
    """Build every copy a recipe describes.

    Args:
        uniques: uint8 array (U, 45, 45), the unique images.
        recipe: the copies to make.

    Returns:
        uint8 array (D, 45, 45), ink dark on white, in recipe order.
    """
    copies = uniques[recipe.source].copy()
    for i in np.flatnonzero(recipe.kind == KINDS.index("jpeg")):
        copies[i] = jpeg_roundtrip(copies[i], int(recipe.param[i]))
    for i in np.flatnonzero(recipe.kind == KINDS.index("shift")):
        copies[i] = np.roll(copies[i], _SHIFTS[recipe.param[i]], axis=(0, 1))
    contrast = np.flatnonzero(recipe.kind == KINDS.index("contrast"))
    if contrast.size:
        factor = recipe.param[contrast, None, None] / 100.0
        ink = (PAPER - copies[contrast].astype(np.float64)) * factor
        copies[contrast] = np.rint(PAPER - np.clip(ink, 0, PAPER)).astype(np.uint8)
    return copies


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode a grayscale image as JPEG at ``quality`` and decode it again (uint8, same shape)."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding failed for an image of shape {image.shape}")
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
