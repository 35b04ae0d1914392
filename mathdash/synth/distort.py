"""Random geometry of one handwritten sample: part placement, wobble, slant, rotation, aspect.

All transforms act on centre-line points (x, y) in a box whose longer side is about 1, so they are
cheap (a few hundred points per sample) and independent of the final pen and image size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mathdash.synth.strokes import Prototype


@dataclass(frozen=True)
class Style:
    """How strongly a class's samples may vary; the defaults suit most symbols.

    Attributes:
        rotation: standard deviation of the rotation in degrees (clipped at 2.5 sigma).
        shear: standard deviation of the horizontal shear (slant), as a tangent.
        aspect: standard deviation of the log width/height stretch.
        widen: mean log width/height stretch: a typeset '∫' is narrower than a written one.
        wobble: amplitude of the smooth elastic wobble, as a share of the symbol size.
        part_shift: standard deviation of each separate part's offset (the dot of an 'i').
        bend: standard deviation of a whole-symbol bow, as a share of the symbol size.
        trim: largest shares of the symbol's length cut from the low and the high end of its
            longer axis: a root sign's bar written shorter, a prime's stroke cut short.
        taper: at most how much thinner the pen gets from the top of the symbol to its bottom
            (0..1; each sample draws half to all of it): a comma or a prime is pressed at its
            head and lifted at its tail.
    """

    rotation: float = 6.0
    shear: float = 0.14
    aspect: float = 0.09
    widen: float = 0.0
    wobble: float = 0.027
    part_shift: float = 0.04
    bend: float = 0.04
    trim: tuple[float, float] = (0.0, 0.0)
    taper: float = 0.0


DEFAULT_STYLE = Style()
# Classes told apart by direction or proportion keep them ('|' against '/', '0' against 'o');
# classes of one simple stroke vary more in bow and wobble, so their samples stay distinct.
_STYLES: dict[str, Style] = {
    "ascii_124": Style(rotation=2.5, shear=0.03, aspect=0.0, bend=0.05, wobble=0.03),
    "forward_slash": Style(rotation=3.5, shear=0.06, bend=0.03, wobble=0.02, widen=0.25),
    "1": Style(rotation=5.0, shear=0.1, bend=0.08, wobble=0.025),
    "l": Style(rotation=4.0, shear=0.08),
    "-": Style(rotation=8.0, shear=0.0, aspect=0.0, bend=0.16, wobble=0.05),
    "0": Style(rotation=4.0, shear=0.08, aspect=0.06, wobble=0.02),
    "o": Style(rotation=4.0, shear=0.08, aspect=0.06, wobble=0.02, widen=0.12),  # rounder than '0'
    "times": Style(rotation=4.0, shear=0.06, aspect=0.06),
    "prime": Style(rotation=12.0, shear=0.12, aspect=0.15, bend=0.07, wobble=0.035,
                   trim=(0.25, 0.25), taper=1.0),
    ",": Style(rotation=9.0, aspect=0.15, bend=0.11, wobble=0.03, taper=0.8),
    "(": Style(rotation=8.0, shear=0.16, aspect=0.26, bend=0.08, wobble=0.03),
    ")": Style(rotation=8.0, shear=0.16, aspect=0.26, bend=0.08, wobble=0.03),
    "[": Style(aspect=0.16, bend=0.05),
    "]": Style(aspect=0.16, bend=0.05),
    "ldots": Style(rotation=7.0, aspect=0.0, part_shift=0.1),
    "sqrt": Style(rotation=6.0, shear=0.25, aspect=0.12, bend=0.06, wobble=0.03, trim=(0.0, 0.3)),
    "=": Style(bend=0.06, part_shift=0.06),
    "int": Style(shear=0.2, widen=0.45),
    "i": Style(rotation=7.0, shear=0.15, bend=0.04, wobble=0.012, part_shift=0.07),  # no hook
    "j": Style(widen=0.25),
}


def class_style(name: str) -> Style:
    """The variation limits for one class."""
    return _STYLES.get(name, DEFAULT_STYLE)


def distort_points(proto: Prototype, style: Style, rng: np.random.Generator) -> np.ndarray:
    """One random handwritten version of a prototype's centre line.

    Args:
        proto: the typeset centre line.
        style: variation limits of the class.
        rng: source of randomness (advanced by the call).

    Returns:
        float32 array (K, 2) of (x, y) points, K <= M: ``proto.points`` in order, less any
        trimmed ends.
    """
    points = proto.points.astype(np.float64)
    points = _shift_parts(points, proto.components, proto.num_components, style, rng)
    if any(style.trim):
        points = _trim_ends(points, style.trim, rng)
    points = _bend(points, style, rng)
    points = points + _wobble(points, style.wobble, rng)
    return (points @ _affine(style, rng).T).astype(np.float32)


def _shift_parts(points: np.ndarray, components: np.ndarray, count: int, style: Style,
                 rng: np.random.Generator) -> np.ndarray:
    if count < 2:
        return points
    centres = np.stack([np.bincount(components, points[:, k], count) for k in (0, 1)], axis=1)
    centres /= np.bincount(components, minlength=count)[:, None]
    offsets = rng.normal(0.0, style.part_shift, (count, 2))
    scales = np.exp(rng.normal(0.0, 0.12, count))
    return (points - centres[components]) * scales[components, None] + centres[components] \
        + offsets[components]


def _trim_ends(points: np.ndarray, trim: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    extent = points.max(axis=0) - points.min(axis=0)
    along = points[:, int(np.argmax(extent))]
    t = (along - along.min()) / max(float(along.max() - along.min()), 1e-9)
    low, high = rng.uniform(0.0, 1.0, 2) * trim
    kept = points[(t >= low) & (t <= 1.0 - high)]
    return kept if len(kept) >= 2 else points


def _bend(points: np.ndarray, style: Style, rng: np.random.Generator) -> np.ndarray:
    """Bow the symbol along a random direction: a straight bar becomes an arc or a gentle S."""
    angle = rng.uniform(0, np.pi)
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    t = points @ along
    bow, twist = rng.normal(0.0, style.bend, 2)
    return points + np.outer((bow + 2.0 * twist * t) * (1.0 - 4.0 * t * t), across)


def _wobble(points: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth random displacement field (three low-frequency waves) evaluated at the points."""
    waves = 3
    # At most ~1 cycle across the symbol: faster waves read as a tremor, not as handwriting.
    freqs = np.clip(rng.normal(0.0, 0.8, (waves, 2)), -1.2, 1.2)  # cycles per symbol size
    phases = rng.uniform(0.0, 2 * np.pi, waves)
    amps = np.clip(rng.normal(0.0, amplitude, (waves, 2)), -2 * amplitude, 2 * amplitude)
    return np.sin(2 * np.pi * points @ freqs.T + phases) @ amps


def _affine(style: Style, rng: np.random.Generator) -> np.ndarray:
    limit = 2.5
    angle = np.deg2rad(np.clip(rng.normal(), -limit, limit) * style.rotation)
    shear = np.clip(rng.normal(), -limit, limit) * style.shear
    stretch = np.exp(style.widen + np.clip(rng.normal(), -limit, limit) * style.aspect)
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    slant = np.array([[1.0, -shear], [0.0, 1.0]])
    scale = np.diag([np.sqrt(stretch), 1.0 / np.sqrt(stretch)])
    return rotate @ slant @ scale
