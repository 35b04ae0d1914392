"""The augmentation steps imgaug lacks or runs slowly, as imgaug augmenters.

Geometry (rotation, shear, scale, shifts, crop/pad and elastic distortion) is one combined warp
per image, and stroke thickness is grey erosion/dilation; all work on ink-bright images (ink high
on a black background, see ``InvertInk``), so whatever a warp exposes is filled with paper.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import cv2
import imgaug.augmenters as iaa
import numpy as np

# An eroded image keeping less than this share of its ink is left as it was: thin strokes vanish.
MIN_INK_KEPT = 0.35


class InvertInk(iaa.meta.Augmenter):
    """Swap dark-on-white and bright-on-black (``255 - x``): the pipeline's first and last step."""

    def _augment_batch_(self, batch, random_state, parents, hooks):
        if batch.images is not None:
            batch.images = _map_batch(batch.images, lambda stack, rng: 255 - stack, random_state)
        return batch

    def get_parameters(self):
        return []


class StrokeWidth(iaa.meta.Augmenter):
    """Thicken (dilate) or thin (erode) bright strokes by a random radius of 1..``max_radius`` pixels.

    Args:
        max_radius: largest change of the stroke half-width, in pixels.
        probability: chance that an image is changed at all.
    """

    def __init__(self, max_radius: int, probability: float, seed=None, name=None):
        super().__init__(seed=seed, name=name)
        self.max_radius = int(max_radius)
        self.probability = float(probability)

    def _augment_batch_(self, batch, random_state, parents, hooks):
        if batch.images is not None and self.max_radius > 0:
            batch.images = _map_batch(batch.images, self._change_strokes, random_state)
        return batch

    def _change_strokes(self, stack: np.ndarray, rng) -> np.ndarray:
        n = len(stack)
        apply = rng.random(n) < self.probability
        radius = rng.integers(1, self.max_radius + 1, size=n) * np.where(rng.random(n) < 0.5, -1, 1)
        out = stack.copy()
        for i in np.flatnonzero(apply):
            out[i] = _morph(stack[i], int(radius[i]))
        return out

    def get_parameters(self):
        return [self.max_radius, self.probability]


def _morph(image: np.ndarray, radius: int) -> np.ndarray:
    """Dilate (radius > 0) or erode (radius < 0) a bright-ink image with a disc; keep strokes alive."""
    size = 2 * abs(radius) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    if radius > 0:
        return cv2.dilate(image, kernel)
    thinner = cv2.erode(image, kernel)
    if thinner.sum(dtype=np.int64) < MIN_INK_KEPT * image.sum(dtype=np.int64):
        return image
    return thinner


class Geometry(iaa.meta.Augmenter):
    """Rotation, shear, scale, shifts, crop/pad and elastic distortion as one warp per image.

    Every range is symmetric and each part has its own probability; an image that draws no part
    is passed through untouched. Exposed areas are filled with 0 (paper in ink-bright space).

    Args:
        ranges: part name -> (largest amount, probability) for the parts in use: ``rotation`` and
            ``shear`` in degrees, ``scale`` as a fraction (1 +- amount), ``translate_x`` /
            ``translate_y`` / ``crop_pad`` as fractions of the side, ``elastic`` as alpha in pixels.
        elastic_sigma: smoothness of the elastic displacement field, in pixels.
    """

    PARTS = ("rotation", "shear", "scale", "translate_x", "translate_y", "crop_pad", "elastic")

    def __init__(self, ranges: dict[str, tuple[float, float]], elastic_sigma: float = 5.0,
                 seed=None, name=None):
        super().__init__(seed=seed, name=name)
        unknown = set(ranges) - set(self.PARTS)
        if unknown:
            raise ValueError(f"unknown geometry part(s): {sorted(unknown)}")
        self.ranges = dict(ranges)
        self.elastic_sigma = float(elastic_sigma)

    def _augment_batch_(self, batch, random_state, parents, hooks):
        if batch.images is not None and self.ranges:
            batch.images = _map_batch(batch.images, self._warp, random_state)
        return batch

    def _draw(self, part: str, rng, n: int, count: int = 1) -> np.ndarray:
        """Per-image amounts (n, count) in [-amount, amount], zero where the part is not drawn."""
        amount, probability = self.ranges.get(part, (0.0, 0.0))
        apply = rng.random(n) < probability
        values = rng.uniform(-amount, amount, size=(n, count))
        return values * apply[:, None]

    def _warp(self, stack: np.ndarray, rng) -> np.ndarray:
        n, height, width = stack.shape
        forward = _forward_matrices(
            (height, width), self._draw("rotation", rng, n)[:, 0], self._draw("shear", rng, n)[:, 0],
            self._draw("scale", rng, n)[:, 0], self._draw("translate_x", rng, n)[:, 0],
            self._draw("translate_y", rng, n)[:, 0], self._draw("crop_pad", rng, n, count=4),
        )
        alpha = np.abs(self._draw("elastic", rng, n)[:, 0])
        out = stack.copy()
        affine_only = np.flatnonzero(~np.all(np.isclose(forward, np.eye(3)), axis=(1, 2)) & (alpha == 0))
        for i in affine_only:
            out[i] = cv2.warpAffine(stack[i], forward[i, :2], (width, height), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        elastic = np.flatnonzero(alpha > 0)
        fields = _displacement_fields(rng, len(elastic), (height, width), self.elastic_sigma)
        fields *= alpha[elastic, None, None, None].astype(np.float32)
        map_x, map_y = _source_maps(forward[elastic], fields)
        for i, mx, my in zip(elastic, map_x, map_y):
            out[i] = cv2.remap(stack[i], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0)
        return out

    def get_parameters(self):
        return [self.ranges, self.elastic_sigma]


def _forward_matrices(shape: tuple[int, int], rotation: np.ndarray, shear: np.ndarray,
                      scale: np.ndarray, shift_x: np.ndarray, shift_y: np.ndarray,
                      crop: np.ndarray) -> np.ndarray:
    """Source -> output pixel maps (n, 3, 3): crop/pad, then scale, shear, rotation about the centre, shift.

    ``crop`` holds (left, top, right, bottom) fractions per image; positive crops, negative pads.
    """
    height, width = shape
    cx, cy = (width - 1) / 2, (height - 1) / 2
    # crop/pad: the box [x0, x1] x [y0, y1] of the source fills the whole frame
    x0, y0 = crop[:, 0] * width, crop[:, 1] * height
    x1, y1 = width - crop[:, 2] * width, height - crop[:, 3] * height
    sx, sy = width / np.maximum(x1 - x0, 1.0), height / np.maximum(y1 - y0, 1.0)
    boxes = _stack_affine(sx, 0 * sx, -x0 * sx, 0 * sy, sy, -y0 * sy)
    theta, phi, s = np.deg2rad(rotation), np.deg2rad(shear), 1.0 + scale
    cos, sin, tan = np.cos(theta), np.sin(theta), np.tan(phi)
    # rotation @ shear(x by y) @ scale, about the centre, then the shift
    a, b = s * cos, s * (cos * tan - sin)
    c, d = s * sin, s * (sin * tan + cos)
    tx = cx - a * cx - b * cy + shift_x * width
    ty = cy - c * cx - d * cy + shift_y * height
    affine = _stack_affine(a, b, tx, c, d, ty)
    return affine @ boxes


def _stack_affine(a, b, c, d, e, f) -> np.ndarray:
    n = len(a)
    out = np.zeros((n, 3, 3))
    out[:, 0, 0], out[:, 0, 1], out[:, 0, 2] = a, b, c
    out[:, 1, 0], out[:, 1, 1], out[:, 1, 2] = d, e, f
    out[:, 2, 2] = 1.0
    return out


def _displacement_fields(rng, n: int, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Smoothed uniform noise (n, 2, H, W) float32: the elastic field before scaling by alpha.

    The noise is smoothed with a Gaussian of ``sigma`` pixels, zero beyond the border (Simard et
    al. 2003, as imgaug does); the blur is two products with a (symmetric) blur matrix, several
    times faster than ``scipy.ndimage.gaussian_filter`` on 45x45 fields.
    """
    height, width = shape
    noise = rng.random((n, 2, height, width), dtype=np.float32) * 2.0 - 1.0
    return _gaussian_matrix(height, sigma) @ noise @ _gaussian_matrix(width, sigma)


@lru_cache(maxsize=16)
def _gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """(size, size) float32 matrix M with M @ v = 1-D Gaussian blur of v, zero padding, 3 sigma."""
    radius = int(3.0 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    offset = np.arange(size)[None, :] - np.arange(size)[:, None]
    inside = np.abs(offset) <= radius
    return np.where(inside, taps[np.clip(offset + radius, 0, 2 * radius)], 0.0).astype(np.float32)


def _source_maps(forward: np.ndarray, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel reads from: (output grid + displacement) mapped back through ``forward``.

    Args:
        forward: (n, 3, 3) source -> output matrices.
        fields: (n, 2, H, W) displacements (x, y) in output pixels.

    Returns:
        map_x, map_y: float32 arrays (n, H, W) for ``cv2.remap``.
    """
    height, width = fields.shape[2:]
    inverse = np.linalg.inv(forward).astype(np.float32)[:, :2, :, None, None]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs, ys = xs + fields[:, 0], ys + fields[:, 1]
    maps = inverse[:, :, 0] * xs[:, None] + inverse[:, :, 1] * ys[:, None] + inverse[:, :, 2]
    maps = maps.astype(np.float32, copy=False)
    return maps[:, 0], maps[:, 1]


def _map_batch(images, fn: Callable[[np.ndarray, object], np.ndarray], rng):
    """Apply ``fn(stack (N, H, W) uint8, rng)`` to imgaug's batch form: an array (N, H, W[, 1]) or a list."""
    if isinstance(images, np.ndarray):
        if images.ndim == 4 and images.shape[3] != 1:
            raise ValueError(f"augmentation works on one-channel images, got shape {images.shape}")
        squeezed = images.reshape(images.shape[:3]) if images.ndim == 4 else images
        return fn(squeezed, rng).reshape(images.shape)
    return [fn(np.asarray(image).reshape((1, *image.shape[:2])), rng).reshape(image.shape)
            for image in images]
