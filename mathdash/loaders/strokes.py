"""Pen strokes drawn into a 45x45 image the way the Kaggle set was made from CROHME's InkML.

The strokes are scaled, aspect kept, so their longer side fills the frame, drawn with a round
anti-aliased pen at four times the final size, then framed by the same ``fit_to_box`` as every
other image (2 px margin), so the pen ends up about 2-3 px wide at 45x45.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.preprocess import DEFAULT_MARGIN, fit_to_box

DEFAULT_PEN_WIDTH = 2.4  # final pixels; the Kaggle images' strokes are 2-3 px wide
_SUPERSAMPLE = 4
_SHIFT = 4  # cv2 fixed-point bits: sub-pixel stroke positions on the drawing canvas


def render_strokes(strokes: Sequence[np.ndarray], pen_width: float = DEFAULT_PEN_WIDTH) -> np.ndarray | None:
    """Draw the strokes of one symbol into a framed 45x45 image.

    Args:
        strokes: float arrays (K, 2) of (x, y) pen positions, y growing downwards, any units.
            A stroke of one point (or of points all in one place) is a dot.
        pen_width: pen width in pixels of the 45x45 result.

    Returns:
        uint8 array (45, 45), ink dark on white; None when there is no point at all.
    """
    points = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    points = [p[np.isfinite(p).all(axis=1)] for p in points]
    points = [p for p in points if len(p)]
    if not points:
        return None
    everything = np.concatenate(points)
    low, high = everything.min(axis=0), everything.max(axis=0)
    inner = (IMAGE_SIZE - 2 * DEFAULT_MARGIN) * _SUPERSAMPLE
    extent = float((high - low).max())
    thickness = max(1, int(round(pen_width * _SUPERSAMPLE)))
    # the ink box includes the pen, so the centre line spans what is left of the frame
    scale = (inner - thickness) / extent if extent > 0 else 0.0
    pad = thickness + 2
    size = np.ceil((high - low) * scale).astype(int) + 2 * pad + 1
    canvas = np.full((size[1], size[0]), PAPER, np.uint8)
    for stroke in points:
        xy = np.rint(((stroke - low) * scale + pad) * (1 << _SHIFT)).astype(np.int32)
        if len(xy) == 1 or (xy == xy[0]).all():
            cv2.circle(canvas, tuple(int(v) for v in xy[0]), (thickness << _SHIFT) // 2, 0,
                       thickness=-1, lineType=cv2.LINE_AA, shift=_SHIFT)
        else:
            cv2.polylines(canvas, [xy.reshape(-1, 1, 2)], False, 0, thickness=thickness,
                          lineType=cv2.LINE_AA, shift=_SHIFT)
    return fit_to_box(canvas)
