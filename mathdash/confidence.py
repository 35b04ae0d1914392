"""When a prediction is a guess: the margin and entropy rule behind "not sure / not a symbol?".

A softmax always names some class, even for a scribble. ``UnsureRule`` calls a prediction unsure
when the top two classes are close (low margin) or the probabilities are spread out (high entropy).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mathdash.errors import ConfigError

# Set by benchmarks/bench_unsure.py on the shipped model (scribbles vs real handwriting); see README.
DEFAULT_MIN_MARGIN = 0.5
DEFAULT_MAX_ENTROPY = 0.25


@dataclass(frozen=True)
class Judgement:
    """How sure one prediction is.

    Attributes:
        sure: False when the rule says "not sure / not a symbol?".
        margin: top probability minus the second (0..1).
        entropy: entropy of the probabilities divided by log(C) (0 one class .. 1 uniform).
        reason: why it is unsure ('' when sure).
    """

    sure: bool
    margin: float
    entropy: float
    reason: str = ""


@dataclass(frozen=True)
class UnsureRule:
    """A prediction is unsure when ``margin < min_margin`` or ``entropy > max_entropy``.

    Attributes:
        min_margin: smallest gap between the top two probabilities for a confident answer.
        max_entropy: largest normalised entropy (0..1) for a confident answer.
    """

    min_margin: float = DEFAULT_MIN_MARGIN
    max_entropy: float = DEFAULT_MAX_ENTROPY

    def __post_init__(self) -> None:
        for name in ("min_margin", "max_entropy"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"{name} must lie in [0, 1], got {value!r}")

    def unsure(self, probabilities: np.ndarray) -> np.ndarray:
        """Which rows are unsure.

        Args:
            probabilities: float array (N, C) or (C,), rows summing to 1.

        Returns:
            bool array (N,), True where the prediction is unsure.
        """
        rows = _as_rows(probabilities)
        return (margins(rows) < self.min_margin) | (normalised_entropy(rows) > self.max_entropy)

    def judge(self, probabilities: np.ndarray) -> Judgement:
        """The judgement of one prediction (float array (C,) of probabilities)."""
        row = _as_rows(probabilities)[:1]
        margin, entropy = float(margins(row)[0]), float(normalised_entropy(row)[0])
        reasons = []
        if margin < self.min_margin:
            reasons.append(f"the top two classes are close (margin {margin:.2f} < {self.min_margin:.2f})")
        if entropy > self.max_entropy:
            reasons.append(f"the probabilities are spread out (entropy {entropy:.2f} > {self.max_entropy:.2f})")
        return Judgement(not reasons, margin, entropy, "; ".join(reasons))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnsureRule:
        return cls(**data)


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
