"""Redraw a distorted centre line with a round pen and frame it like a Kaggle image.

The pen's width varies smoothly along the stroke; edges are soft, then the drawing is cropped to
its ink and fit into 45x45 by the same ``fit_to_box`` the drawing canvas uses.
"""

from __future__ import annotations

import cv2
import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.preprocess import fit_to_box
from mathdash.synth.distort import class_style, distort_points
from mathdash.synth.cases import CAPITAL_SHARE, choose_case
from mathdash.synth.strokes import Prototype, class_prototypes

_SUPERSAMPLE = 2  # draw at twice the final size, so fit_to_box's downscale smooths the edges
_DRAW_SIDE = (IMAGE_SIZE - 4) * _SUPERSAMPLE  # the ink's longer side on the drawing canvas


def render_symbol(name: str, rng: np.random.Generator) -> np.ndarray:
    """One fresh handwritten-looking sample of a catalogue class.

    Args:
        name: one of the 82 Kaggle class names (``mathdash.symbols.KAGGLE_CLASSES``).
        rng: source of randomness; the same generator state gives the same image.

    Returns:
        uint8 array (45, 45), ink dark on white, cropped to the ink and framed with a 2 px margin.

    Raises:
        KeyError: ``name`` is not a catalogue class.
    """
    proto = choose_prototype(name, rng)
    style = class_style(name)
    points = distort_points(proto, style, rng)
    width = _pen_width(rng) * _size_factor(proto.size)
    taper = style.taper * rng.uniform(0.5, 1.0) if style.taper else 0.0
    drawing = draw_points(points, width * _SUPERSAMPLE, rng, taper=taper)
    framed = fit_to_box(drawing)
    return framed if framed is not None else np.full((IMAGE_SIZE, IMAGE_SIZE), PAPER, np.uint8)


def choose_prototype(name: str, rng: np.random.Generator) -> Prototype:
    """The prototype one sample of a class is drawn from; a letter class first draws its case
    (capitals at ``capital_share``), then one of that form's prototypes.

    Raises:
        KeyError: ``name`` is not a catalogue class.
    """
    protos = class_prototypes(name)
    if name in CAPITAL_SHARE:
        case = choose_case(name, rng)
        protos = tuple(proto for proto in protos if proto.case == case)
    return protos[rng.integers(len(protos))]


def _pen_width(rng: np.random.Generator) -> float:
    """Stroke width in final pixels: mostly 1.2-2.6, like the rendered Kaggle traces."""
    return float(np.clip(rng.lognormal(np.log(1.8), 0.25), 1.0, 3.4))


def _size_factor(size_em: float) -> float:
    """Small marks look thicker once scaled up to fill the frame; tall ones a little thinner."""
    return float(np.clip((0.7 / size_em) ** 0.5, 0.85, 1.8))


def draw_points(points: np.ndarray, width: float, rng: np.random.Generator,
                taper: float = 0.0) -> np.ndarray:
    """Draw centre-line points with a round pen whose width drifts slowly along the stroke.

    Args:
        points: float array (M, 2) of (x, y), any scale; the longer side is drawn ``_DRAW_SIDE`` px.
        width: mean pen width in canvas pixels.
        rng: source of randomness for the width drift.
        taper: share by which the pen thins from the top row of the ink to its bottom row.

    Returns:
        uint8 array (H, W), ink dark on white, the ink touching no edge.
    """
    low, high = points.min(axis=0), points.max(axis=0)
    scale = _DRAW_SIDE / max(float((high - low).max()), 1e-6)
    pad = int(np.ceil(width)) + 2
    xy = np.rint((points - low) * scale).astype(np.int64) + pad
    shape = (int(xy[:, 1].max()) + pad + 1, int(xy[:, 0].max()) + pad + 1)
    centre = np.full(shape, 255, np.uint8)
    centre[xy[:, 1], xy[:, 0]] = 0
    distance = cv2.distanceTransform(centre, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    radius = width / 2 * _pressure(shape, rng)
    if taper:
        rows = np.linspace(1.0 + taper / 2, 1.0 - taper / 2, shape[0])[:, None]
        radius = radius * rows
    ink = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return np.rint(PAPER * (1.0 - ink)).astype(np.uint8)


def _pressure(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Smooth multiplicative width field around 1: a slow wave plus a ramp along a random
    direction, as pen pressure changes within a symbol (about 0.6-1.4)."""
    ys = np.linspace(-0.5, 0.5, shape[0])[:, None]
    xs = np.linspace(-0.5, 0.5, shape[1])[None, :]
    fx, fy = rng.normal(0.0, 1.2, 2)
    phase = rng.uniform(0, 2 * np.pi)
    wave = rng.uniform(0.0, 0.25) * np.sin(2 * np.pi * (fx * xs + fy * ys) + phase)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.clip(rng.normal(0.0, 0.25), -0.5, 0.5) * (np.cos(angle) * xs + np.sin(angle) * ys)
    return 1.0 + wave + ramp
