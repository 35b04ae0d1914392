"""Label-aware horizontal flip: mirror only the symbols whose mirror image is a symbol too.

A mirrored ``(`` is a ``)`` and a mirrored ``+`` is still a ``+``, but a mirrored ``3`` or ``R`` is
no symbol at all, so those are never flipped.
"""

from __future__ import annotations

import numpy as np

# Classes whose mirror image is the partner class.
MIRROR_PARTNERS: dict[str, str] = {
    "(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{",
    "lt": "gt", "gt": "lt", "leq": "geq", "geq": "leq",
}

# Classes whose mirror image is the same symbol (catalogue names, plus the letters EMNIST adds).
# Left out on purpose: ``neq`` (the stroke turns into a backslash), ``int`` (a reversed hook),
# ``forward_slash`` (a backslash is no class), and b/d, p/q (handwritten ascenders and tails differ).
MIRROR_SYMMETRIC: frozenset[str] = frozenset({
    "!", "+", "-", "=", "0", "8", "A", "H", "M", "T", "X", "o", "v", "w", "u", "i", "l",
    "ascii_124", "times", "pm", "div", "infty", "ldots", "Delta", "forall",
    "I", "O", "U", "V", "W", "Y", "x",
})


def flip_targets(class_names: list[str], partners: bool = True) -> np.ndarray:
    """The class each class becomes when mirrored.

    Args:
        class_names: C class names in catalogue naming.
        partners: False keeps only the symmetric classes (a flip never changes the label).

    Returns:
        int64 array (C,): the index of the mirrored class, or -1 where the class is never flipped
        (its mirror is no symbol, or its partner is not among ``class_names``).
    """
    index = {name: i for i, name in enumerate(class_names)}
    targets = np.full(len(class_names), -1, dtype=np.int64)
    for i, name in enumerate(class_names):
        if name in MIRROR_SYMMETRIC:
            targets[i] = i
        elif partners and MIRROR_PARTNERS.get(name) in index:
            targets[i] = index[MIRROR_PARTNERS[name]]
    return targets


def flip_by_label(images: np.ndarray, labels: np.ndarray, targets: np.ndarray, probability: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mirror a random share of the flippable images and relabel them.

    Args:
        images: uint8 array (N, H, W).
        labels: int array (N,), indices into the class list ``targets`` was made for.
        targets: int64 array (C,) from ``flip_targets``.
        probability: chance that a flippable image is mirrored.
        rng: the random source (one draw per image, flippable or not).

    Returns:
        (images, labels): new arrays; the inputs are not changed.
    """
    labels = np.asarray(labels, dtype=np.int64)
    chosen = (rng.random(len(images)) < probability) & (targets[labels] >= 0)
    images, labels = images.copy(), labels.copy()
    images[chosen] = images[chosen, :, ::-1]
    labels[chosen] = targets[labels[chosen]]
    return images, labels
