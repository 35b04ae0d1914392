"""Shared normalisation: model input scaling and Kaggle-like framing."""

import numpy as np

from mathdash.preprocess import fit_to_box, ink_bbox, to_model_input


def test_model_input_maps_ink_to_one():
    images = np.full((2, 45, 45), 255, np.uint8)
    images[0, 3, 4] = 0
    x = to_model_input(images)
    assert x.shape == (2, 45, 45, 1) and x.dtype == np.float32
    assert x[0, 3, 4, 0] == 1.0 and x[0, 0, 0, 0] == 0.0


def test_fit_to_box_centres_and_keeps_aspect():
    canvas = np.full((200, 300), 255, np.uint8)
    canvas[50:70, 100:180] = 0  # an 80x20 bar
    out = fit_to_box(canvas)
    top, left, bottom, right = ink_bbox(out)
    assert (left, right) == (2, 43)  # the long side spans 45 - 2*2 pixels
    assert 9 <= bottom - top <= 12  # aspect 4:1 kept
    assert abs((top + bottom) / 2 - 22.5) <= 1


def test_blank_image_has_no_box():
    assert fit_to_box(np.full((50, 50), 255, np.uint8)) is None
