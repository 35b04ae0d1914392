"""How many unique images and files each class gets: the Kaggle set's long tail, at any scale.

The real Kaggle folder sizes give the shape; the default set compresses it so its rarest classes
still hold a few dozen unique samples, and the Kaggle scale reproduces it file for file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mathdash.errors import ConfigError
from mathdash.symbols import KAGGLE_CLASSES

# Files per class folder in the Kaggle "Handwritten math symbols" archive (376,440 in all).
KAGGLE_COUNTS: dict[str, int] = {
    "!": 1300, "(": 14294, ")": 14355, "+": 25112, ",": 1906, "-": 33997,
    "0": 6914, "1": 26520, "2": 26141, "3": 10909, "4": 7396, "5": 3545, "6": 3118, "7": 2909,
    "8": 3068, "9": 3737, "=": 13104, "A": 12367, "alpha": 2546, "ascii_124": 1338, "b": 8651,
    "beta": 2025, "C": 5802, "cos": 2986, "d": 4852, "Delta": 137, "div": 868, "e": 3003,
    "exists": 21, "f": 3712, "forall": 45, "forward_slash": 199, "G": 1692, "gamma": 409,
    "geq": 693, "gt": 258, "H": 1464, "i": 5140, "in": 47, "infty": 1783, "int": 2742, "j": 1536,
    "k": 3074, "l": 1017, "lambda": 109, "ldots": 609, "leq": 973, "lim": 1675, "log": 2001,
    "lt": 477, "M": 2476, "mu": 177, "N": 10862, "neq": 558, "o": 449, "p": 2680, "phi": 355,
    "pi": 2332, "pm": 802, "prime": 329, "q": 1230, "R": 2671, "rightarrow": 1703, "S": 1413,
    "sigma": 201, "sin": 4293, "sqrt": 8908, "sum": 2689, "T": 3274, "tan": 2917, "theta": 2796,
    "times": 3251, "u": 1269, "v": 1558, "w": 556, "X": 26594, "y": 9340, "z": 5870, "[": 778,
    "]": 780, "{": 376, "}": 377,
}
KAGGLE_UNIQUE_TOTAL = 83_000  # unique images once duplicates are removed, as reported for the set

# Default set: uniques grow as count**0.33 from 30 for the rarest class; files per unique grow
# from 1.3 (rare classes, few copies) to 3.6 (the big classes, mostly copies).
_DEFAULT_EXPONENT = 0.33
_DEFAULT_RAREST = 30
_COPIES_RARE, _COPIES_COMMON = 1.3, 3.6
_KAGGLE_EXPONENT = 0.8  # Kaggle scale: big classes hold a larger share of copies


@dataclass(frozen=True)
class ClassPlan:
    """Per-class sizes of a generated set, in ``KAGGLE_CLASSES`` order.

    Attributes:
        uniques: int64 array (82,), distinct handwritten samples per class.
        files: int64 array (82,), files per class folder (uniques plus their copies), >= uniques.
    """

    uniques: np.ndarray
    files: np.ndarray

    @property
    def duplicates(self) -> np.ndarray:
        """int64 array (82,): copies per class."""
        return self.files - self.uniques


def class_plan(scale: str | int = "default") -> ClassPlan:
    """Class sizes for a scale.

    Args:
        scale: ``"default"`` (12,034 uniques in 34,881 files), ``"kaggle"`` (the real
            folder sizes, 376,440 files, about 83,000 uniques), or an int: the default shape
            scaled to about that many files (each class keeps at least 2 uniques).

    Raises:
        ConfigError: an unknown scale name or a non-positive file count.
    """
    counts = np.array([KAGGLE_COUNTS[name] for name in KAGGLE_CLASSES], dtype=np.float64)
    if scale == "kaggle":
        return _kaggle_plan(counts)
    if scale == "default":
        return _default_plan(counts)
    if isinstance(scale, (int, np.integer)) and not isinstance(scale, bool) and scale > 0:
        return _scaled_plan(_default_plan(counts), int(scale))
    raise ConfigError(f"scale must be 'default', 'kaggle' or a positive file count, got {scale!r}")


def _default_plan(counts: np.ndarray) -> ClassPlan:
    uniques = np.round(_DEFAULT_RAREST * (counts / counts.min()) ** _DEFAULT_EXPONENT)
    spread = np.log(counts / counts.min()) / np.log(counts.max() / counts.min())
    files = np.round(uniques * (_COPIES_RARE + (_COPIES_COMMON - _COPIES_RARE) * spread))
    return ClassPlan(uniques.astype(np.int64), files.astype(np.int64))


def _kaggle_plan(counts: np.ndarray) -> ClassPlan:
    weights = counts ** _KAGGLE_EXPONENT
    uniques = np.minimum(counts, np.round(weights * KAGGLE_UNIQUE_TOTAL / weights.sum()))
    return ClassPlan(uniques.astype(np.int64), counts.astype(np.int64))


def _scaled_plan(plan: ClassPlan, total_files: int) -> ClassPlan:
    factor = total_files / plan.files.sum()
    uniques = np.maximum(2, np.round(plan.uniques * factor)).astype(np.int64)
    files = np.maximum(uniques, np.round(plan.files * factor)).astype(np.int64)
    return ClassPlan(uniques, files)
