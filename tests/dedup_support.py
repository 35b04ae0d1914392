"""Drawings for the dedup tests: white 45x45 images with three random dark pen strokes each.

Kept apart from ``tests/apps/dedup_app.py`` (which imports the Streamlit panel) so the dedup tests
need only ``mathdash``; the mutation run copies nothing else.
"""

import numpy as np


def drawings(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = np.full((count, 45, 45), 255, np.uint8)
    for image in images:
        for _ in range(3):
            (x0, y0, x1, y1), pen = rng.integers(4, 41, 4), int(rng.integers(2, 4))
            for s in np.linspace(0.0, 1.0, 120):
                x, y = int(x0 + s * (x1 - x0)), int(y0 + s * (y1 - y0))
                image[y - pen:y + pen, x - pen:x + pen] = 20
    return images


def shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``image`` moved by (dy, dx) pixels, paper filling in."""
    out = np.full_like(image, 255)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out
