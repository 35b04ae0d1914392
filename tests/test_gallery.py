"""Image grids."""

import numpy as np

from mathdash.dataset import Dataset
from mathdash.gallery import class_grid, tile_images


def test_tile_images_places_each_image():
    images = np.stack([np.full((3, 3), v, np.uint8) for v in (10, 20, 30)])
    grid = tile_images(images, columns=2, pad=1)
    assert grid.shape == (2 * 4 + 1, 2 * 4 + 1)
    assert grid[1, 1] == 10 and grid[1, 5] == 20 and grid[5, 1] == 30


def test_class_grid_pads_short_classes_with_paper():
    images = np.zeros((3, 45, 45), np.uint8)
    data = Dataset(images, [0, 0, 1], ["a", "b"], ["x", "y", "z"])
    grid = class_grid(data, [0, 1], per_class=3)
    assert grid.shape == (2 * 47 + 2, 3 * 47 + 2)
    assert grid[49 + 10, 2 + 10] == 0  # class b, first sample: ink
    assert grid[49 + 10, 49 + 10] == 255  # class b has one sample: the rest is paper
