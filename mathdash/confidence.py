"""When a prediction is a guess: the rule behind "not sure / not a symbol?".

A softmax always names some class, even for a scribble. ``UnsureRule`` calls a prediction unsure
when the top two classes are close (low margin), the probabilities are spread out (high entropy),
or the drawing holds more stroke than a symbol does (a long centre line: a scribble).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from skimage.morphology import skeletonize

from mathdash.errors import ConfigError
from mathdash.preprocess import INK_THRESHOLD

# Set by benchmarks/bench_unsure.py on the shipped model (scribbles vs real handwriting); see README.
DEFAULT_MIN_MARGIN = 0.2
DEFAULT_MAX_ENTROPY = 0.3
DEFAULT_MAX_LINE = 120  # centre-line pixels of the 45x45 image; CROHME symbols: 95% at most 108


@dataclass(frozen=True)
class Judgement:
    """How sure one prediction is.

    Attributes:
        sure: False when the rule says "not sure / not a symbol?".
        margin: top probability minus the second (0..1).
        entropy: entropy of the probabilities divided by log(C) (0 one class .. 1 uniform).
        line: centre-line length of the image in pixels (None when no image was given).
        reason: why it is unsure ('' when sure).
    """

    sure: bool
    margin: float
    entropy: float
    line: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class UnsureRule:
    """A prediction is unsure when ``margin < min_margin``, ``entropy > max_entropy`` or, given the
    image, its centre line is longer than ``max_line`` pixels.

    Attributes:
        min_margin: smallest gap between the top two probabilities for a confident answer.
        max_entropy: largest normalised entropy (0..1) for a confident answer.
        max_line: longest centre line (pixels of the 45x45 image) of a symbol; None: no limit.
    """

    min_margin: float = DEFAULT_MIN_MARGIN
    max_entropy: float = DEFAULT_MAX_ENTROPY
    max_line: int | None = DEFAULT_MAX_LINE

    def __post_init__(self) -> None:
        for name in ("min_margin", "max_entropy"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"{name} must lie in [0, 1], got {value!r}")
        if self.max_line is not None and (not isinstance(self.max_line, int) or self.max_line < 1):
            raise ConfigError(f"max_line must be a positive integer or None, got {self.max_line!r}")

    def unsure(self, probabilities: np.ndarray, images: np.ndarray | None = None) -> np.ndarray:
        """Which rows are unsure.

        Args:
            probabilities: float array (N, C) or (C,), rows summing to 1.
            images: the N images scored, uint8 (N, 45, 45) ink dark on white; None skips the
                centre-line test.

        Returns:
            bool array (N,), True where the prediction is unsure.
        """
        rows = _as_rows(probabilities)
        unsure = (margins(rows) < self.min_margin) | (normalised_entropy(rows) > self.max_entropy)
        if images is not None and self.max_line is not None:
            unsure |= centre_line_lengths(images) > self.max_line
        return unsure

    def judge(self, probabilities: np.ndarray, image: np.ndarray | None = None) -> Judgement:
        """The judgement of one prediction (float array (C,)), of ``image`` (uint8 (45, 45)) if given."""
        row = _as_rows(probabilities)[:1]
        margin, entropy = float(margins(row)[0]), float(normalised_entropy(row)[0])
        line = int(centre_line_lengths(image)[0]) if image is not None else None
        reasons = []
        if margin < self.min_margin:
            reasons.append(f"the top two classes are close (margin {margin:.2f} < {self.min_margin:.2f})")
        if entropy > self.max_entropy:
            reasons.append(f"the probabilities are spread out (entropy {entropy:.2f} > {self.max_entropy:.2f})")
        if line is not None and self.max_line is not None and line > self.max_line:
            reasons.append(f"it holds more stroke than a symbol (centre line {line} px > {self.max_line})")
        return Judgement(not reasons, margin, entropy, line, "; ".join(reasons))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnsureRule:
        return cls(**data)


def centre_line_lengths(images: np.ndarray) -> np.ndarray:
    """Pixels on the centre line (skeleton) of the ink of each image: int array (N,).

    Args:
        images: uint8 (N, 45, 45) or (45, 45), ink dark on white.
    """
    stack = np.asarray(images)
    stack = stack[None] if stack.ndim == 2 else stack
    return np.array([int(skeletonize(image < INK_THRESHOLD).sum()) for image in stack], np.int64)


def margins(probabilities: np.ndarray) -> np.ndarray:
    """Top probability minus the second of each row: float array (N,) in [0, 1]."""
    rows = _as_rows(probabilities)
    if rows.shape[1] < 2:
        return np.ones(len(rows))
    top2 = np.sort(rows, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def normalised_entropy(probabilities: np.ndarray) -> np.ndarray:
    """Entropy of each row divided by log(C): float array (N,), 0 for one-hot, 1 for uniform."""
    rows = _as_rows(probabilities)
    if rows.shape[1] < 2:
        return np.zeros(len(rows))
    logs = np.log(np.clip(rows, 1e-12, 1.0))
    return np.clip(-(rows * logs).sum(axis=1) / np.log(rows.shape[1]), 0.0, 1.0)


def _as_rows(probabilities: np.ndarray) -> np.ndarray:
    rows = np.asarray(probabilities, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows[None]
    if rows.ndim != 2 or rows.shape[1] == 0:
        raise ValueError(f"expected probabilities of shape (N, C) or (C,), got {rows.shape}")
    return rows
