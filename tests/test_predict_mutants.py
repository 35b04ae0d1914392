"""prepare_drawing's steps, pinned one by one: pixel checks, ink strength per picture kind, the
thresholds at their edges, one-pixel strokes, resampling filters, the redrawn pen's width.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``predict.prepare_drawing`` and
its helpers; the whole-drawing behaviour is in ``test_predict.py``.
"""

import numpy as np
import pytest
from PIL import Image

from mathdash.predict import (
    MIN_INK_PIXELS,
    _check_pixels,
    _ink_from_grey,
    _ink_strength,
    _redraw,
    _resample,
    prepare_drawing,
)

INNER = 41  # the 45 px image less its 2 px margins


def test_check_pixels_drops_a_single_channel_and_clips_other_dtypes():
    squeezed = _check_pixels(np.full((4, 5, 1), 7, np.uint8))
    assert squeezed.shape == (4, 5) and (squeezed == 7).all()
    clipped = _check_pixels(np.array([[-5.0, 300.0], [127.0, 0.0]]))
    assert clipped.dtype == np.uint8 and clipped.tolist() == [[0, 255], [127, 0]]
    same = np.array([[3, 250]], np.uint8)
    assert _check_pixels(same).tolist() == [[3, 250]]


def test_ink_from_grey_on_light_paper():
    grey = np.array([[200.0, 200.0, 200.0], [50.0, 250.0, 200.0]])
    ink = _ink_from_grey(grey)  # background: the median, 200
    assert np.allclose(ink, [[0, 0, 0], [0.75, 0, 0]])  # lighter than paper: no ink
    borderline = _ink_from_grey(np.array([128.0, 128.0, 128.0, 0.0]))  # 128 still counts as light
    assert borderline.tolist() == pytest.approx([0, 0, 0, 1.0])


def test_ink_from_grey_on_dark_paper():
    ink = _ink_from_grey(np.array([20.0, 20.0, 20.0, 220.0, 0.0]))  # background 20
    assert ink.tolist() == pytest.approx([0, 0, 0, 200 / 235, 0], abs=1e-6)


def test_ink_strength_is_float32_for_every_kind_of_picture():
    grey = np.full((6, 6), 255, np.uint8)
    grey[2, 2] = 0
    rgb = np.stack([grey] * 3, axis=-1)
    canvas = np.zeros((6, 6, 4), np.uint8)
    canvas[2, 2] = (10, 200, 30, 255)  # an opaque stroke on a transparent canvas
    for pixels in (grey, rgb, canvas, np.dstack([rgb, np.full((6, 6), 255, np.uint8)])):
        ink = _ink_strength(pixels)
        assert ink.dtype == np.float32 and ink[2, 2] == pytest.approx(1.0, abs=1e-6)
    assert _ink_strength(canvas)[2, 2] == 1.0  # alpha 255 is full ink, exactly


def test_ink_strength_composites_a_partly_transparent_picture_on_white():
    picture = np.full((5, 5, 4), 255, np.uint8)
    picture[..., 3] = 204  # 80% opaque everywhere
    picture[2, 2, :3] = 0  # black ink: 0 * 0.8 + 255 * 0.2 = 51 on a 255 background
    assert _ink_strength(picture)[2, 2] == pytest.approx(0.8, abs=1e-3)


def test_the_ink_level_and_the_pixel_count_are_inclusive():
    half = np.full((40, 40), 200, np.uint8)
    half[10:30, 18:22] = 100  # strength (200 - 100) / 200 = 0.5 exactly: a stroke
    assert prepare_drawing(half) is not None
    few = np.full((40, 40), 255, np.uint8)
    few[20, 10:10 + MIN_INK_PIXELS] = 0
    assert prepare_drawing(few) is not None
    few[20, 10] = 255  # one pixel fewer than the minimum
    assert prepare_drawing(few) is None


@pytest.mark.parametrize("axis", [0, 1])
def test_a_one_pixel_line_is_prepared_along_its_direction(axis):
    pixels = np.full((60, 60), 255, np.uint8)
    if axis == 0:
        pixels[30, 10:50] = 0
    else:
        pixels[10:50, 30] = 0
    image = prepare_drawing(pixels)
    rows, cols = np.nonzero(image < 128)
    long_side, short_side = (cols, rows) if axis == 0 else (rows, cols)
    assert np.ptp(long_side) + 1 == INNER and np.ptp(short_side) + 1 <= 4


def test_resample_keeps_a_one_pixel_side():
    assert _resample(np.ones((1, 300), np.float32), 128).shape == (1, 128)
    assert _resample(np.ones((300, 1), np.float32), 128).shape == (128, 1)


def test_resample_averages_boxes_down_and_interpolates_up():
    impulse = np.zeros((4, 4), np.float32)
    impulse[0, 0] = 1.0
    assert np.allclose(_resample(impulse, 2), [[0.25, 0], [0, 0]])
    small = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    for size in (3, 4):  # 1.5x and 2x up: bilinear, as PIL draws it
        bilinear = Image.fromarray(small, mode="F").resize((size, size), Image.Resampling.BILINEAR)
        expected = np.asarray(bilinear)
        assert np.allclose(_resample(small, size), expected)


@pytest.mark.parametrize("pen_width, extent", [(2.1, 82), (2.1, 128), (4.0, 60), (1.0, 300)])
def test_redraw_sizes_the_pen_to_the_inner_box(pen_width, extent):
    line = np.ones((1, extent), bool)  # a tight one-row centre line: no room around it
    image = _redraw(line, pen_width)
    assert image.dtype == np.uint8 and image.min() == 0  # full ink on the line
    middle = 1.0 - image[:, image.shape[1] // 2].astype(float) / 255
    # the stroke is pen_width / (inner - pen_width) of the drawing's extent thick, all of it drawn
    assert middle.sum() == pytest.approx(pen_width * extent / (INNER - pen_width), abs=0.02)


def test_redraw_never_thinner_than_one_pixel():
    image = _redraw(np.ones((1, 10), bool), pen_width=0.5)
    assert (image[:, 5] < 255).sum() == 1 and image[:, 5].min() == 0
