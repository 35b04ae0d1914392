"""A tiny app for page tests: the duplicates panel over a small set with known duplicates.

Rows 0-23 are distinct drawings (classes '1', '|', '-'); rows 24-27 are exact copies of rows 0-3,
row 28 a dimmer copy of row 4, row 29 a copy of row 5 filed under another class (a label conflict).
"""

import numpy as np

from mathdash.dataset import Dataset
from ui.dedup_panel import dedup_panel


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


def tiny_dataset() -> Dataset:
    originals = drawings(24, seed=5)
    labels = list(np.arange(24) % 3)
    copies = [*originals[:4], (originals[4] * 0.8).astype(np.uint8), originals[5]]
    copy_labels = [*labels[:5], (labels[5] + 1) % 3]
    images = np.concatenate([originals, np.array(copies)])
    return Dataset(images, np.array(labels + copy_labels), ["1", "ascii_124", "-"],
                   [f"tiny/{i}.png" for i in range(len(images))], name="tiny")


if __name__ == "__main__":  # Streamlit runs the script as __main__; tests import tiny_dataset only
    dedup_panel(tiny_dataset())
