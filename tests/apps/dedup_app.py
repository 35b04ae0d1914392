"""A tiny app for page tests: the duplicates panel over a small set with known duplicates.

Rows 0-23 are distinct drawings (classes '1', '|', '-'); rows 24-27 are exact copies of rows 0-3,
row 28 a dimmer copy of row 4, row 29 a copy of row 5 filed under another class (a label conflict).
"""

import numpy as np

from mathdash.dataset import Dataset
from tests.dedup_support import drawings
from ui.dedup_panel import dedup_panel


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
