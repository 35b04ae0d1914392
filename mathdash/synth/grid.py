"""Sample grids of the generator: one row of fresh samples per class, for eyes and pages.

Looking at a grid is how the generator is judged (handwriting or print?), so it is one call.
"""

from __future__ import annotations

import numpy as np

from mathdash.gallery import tile_images
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.render import render_symbol


def sample_grid(names: list[str] | None = None, per_class: int = 8, seed: int = 0,
                scale: int = 2) -> np.ndarray:
    """Render ``per_class`` fresh samples of each class, one class per row.

    Args:
        names: class names (default: all 82 Kaggle classes, catalogue order).
        per_class: samples per row.
        seed: seed of the samples; the same seed gives the same grid.
        scale: integer upscaling of the whole grid.

    Returns:
        uint8 array (rows * 47 + 2, per_class * 47 + 2) times ``scale``, ink dark on white.
    """
    names = list(KAGGLE_CLASSES) if names is None else names
    rng = np.random.default_rng(seed)
    images = np.stack([render_symbol(name, rng) for name in names for _ in range(per_class)])
    return tile_images(images, per_class, scale=scale)
