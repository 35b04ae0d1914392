"""Letter case in the generator: how often each letter class is drawn as a capital.

The Kaggle letter folders hold both cases, so a letter class is drawn in its capital or its small
form, capitals at the share CROHME's writers use for that letter.
"""

from __future__ import annotations

import numpy as np

CAPITAL, SMALL = "capital", "small"

# Share of capitals among the letters CROHME 2013's writers wrote for each class (the raw
# <annotation type="truth"> labels, ``x`` and ``X`` both under ``X``), over all 6,850 training
# formulas in ../shared/crohme/inkml (20,496 letters): ``python benchmarks/crohme_letter_case.py``
# prints the counts and this table. CROHME's symbol set has capitals of only some letters (no D,
# J, K, O, Q, U, W, Z), so those classes are 0; an O would pass for a '0' anyway. A measure only:
# no CROHME drawing feeds the generator.
CAPITAL_SHARE: dict[str, float] = {
    "A": 0.102, "b": 0.129, "C": 0.211, "d": 0.0, "e": 0.229, "f": 0.196, "G": 0.202,
    "H": 0.264, "i": 0.07, "j": 0.0, "k": 0.0, "l": 0.557, "M": 0.159, "N": 0.054, "o": 0.0,
    "p": 0.156, "q": 0.0, "R": 0.29, "S": 0.319, "T": 0.118, "u": 0.0, "v": 0.288, "w": 0.0,
    "X": 0.05, "y": 0.062, "z": 0.0,
}
# Capitals that would pass for another class are never drawn, so their class is drawn small only.
_CAPITAL_COLLIDES = {
    "i": "ascii_124",  # a written I is a bar, like '|' and '1' (its serifs are pruned as spurs)
    "X": "times",  # a written X is a cross, like a '×'
}


def capital_share(name: str) -> float:
    """The share of a letter class's samples drawn as capitals: CROHME's, or 0 where a capital
    would look like another class (``i``, ``X``).

    Raises:
        KeyError: the name is not a letter class.
    """
    if name not in CAPITAL_SHARE:
        raise KeyError(f"{name!r} is not a letter class")
    return 0.0 if name in _CAPITAL_COLLIDES else CAPITAL_SHARE[name]


def choose_case(name: str, rng: np.random.Generator) -> str:
    """``CAPITAL`` or ``SMALL`` for one sample of a letter class, capitals at ``capital_share``."""
    return CAPITAL if rng.random() < capital_share(name) else SMALL
