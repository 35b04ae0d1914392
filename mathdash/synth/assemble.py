"""Put unique images and their copies together into one Dataset, filed by class folder.

Shared by generation and by the pack loader, so a loaded pack equals a fresh generation exactly.
"""

from __future__ import annotations

import numpy as np

from mathdash.dataset import Dataset, LoadReport
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.duplicates import KINDS, DuplicateRecipe, make_copies

_SLICE = 20_000  # copies made at a time

def assemble_dataset(uniques: np.ndarray, labels: np.ndarray, recipe: DuplicateRecipe, seed: int,
                     name: str = "synthetic symbols") -> Dataset:
    """Uniques plus their copies, filed by class folder in a seed-fixed order.

    Args:
        uniques: uint8 array (U, 45, 45).
        labels: int64 array (U,).
        recipe: the copies to add.
        seed: fixes the order of files within each class folder.
        name: the dataset's name.
    """
    total = len(uniques) + len(recipe)
    filed = np.concatenate([labels, recipe.label])
    order = np.lexsort((np.random.default_rng([seed, 2]).random(total), filed))
    position = np.empty(total, np.int64)
    position[order] = np.arange(total)
    images = np.empty((total, *uniques.shape[1:]), np.uint8)
    images[position[:len(uniques)]] = uniques
    # Copies are made in slices straight into place: at Kaggle scale (~300k copies) a second
    # full-size array would double the peak memory.
    for start in range(0, len(recipe), _SLICE):
        part = recipe.slice(start, start + _SLICE)
        images[position[len(uniques) + start:len(uniques) + start + len(part)]] = make_copies(uniques, part)
    copied = np.concatenate([np.full(len(uniques), -1, np.int64), recipe.source])[order]
    duplicate_of = np.where(copied >= 0, position[np.maximum(copied, 0)], -1)
    kinds = np.array([""] + list(KINDS))[np.concatenate([np.zeros(len(uniques), np.int64),
                                                           recipe.kind + 1])[order]]
    filed = filed[order]
    starts = np.searchsorted(filed, np.arange(len(KAGGLE_CLASSES)))
    sources = [f"synth:{KAGGLE_CLASSES[c]}/{i - starts[c]}" for i, c in enumerate(filed.tolist())]
    return Dataset(
        images=images, labels=filed, class_names=list(KAGGLE_CLASSES), sources=sources,
        name=name, extras={"duplicate_of": duplicate_of, "duplicate_kind": kinds},
        report=LoadReport(loaded=len(images), notes=[
            f"{len(uniques)} unique images and {len(recipe)} injected copies "
            f"({len(recipe) / max(1, total):.0%} of files)"]),
    )
