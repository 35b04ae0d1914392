"""Counting pixel-identical copies from the exact digests: a figure that no hash threshold changes.

``DuplicateReport.summary()["exact_copies_removed"]`` counts the exact copies a grouping removed, which
grows with the threshold (a group's kept image may differ from an exact pair); this counts the copies.
"""

from __future__ import annotations

import numpy as np


def count_pixel_copies(digests: np.ndarray) -> int:
    """Images whose pixels equal an earlier image's: N minus the number of distinct pictures.

    Args:
        digests: ``exact_digests(images)``, bytes array (N,) of dtype ``S16``.

    Returns:
        The number of copies (0 when every picture is distinct).
    """
    digests = np.asarray(digests)
    return int(len(digests) - len(np.unique(digests))) if len(digests) else 0
