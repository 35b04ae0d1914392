"""From an ``AugmentConfig`` to an imgaug pipeline, and augmenting whole batches with it.

Images are augmented in ink-bright space (``255 - x``) so that every area a warp exposes fills
with paper; flipping happens outside imgaug because it may change a label.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import imgaug.augmenters as iaa
import numpy as np

from mathdash.augment.config import AugmentConfig
from mathdash.augment.flip import flip_by_label, flip_targets
from mathdash.augment.ops import Geometry, InvertInk, StrokeWidth
from mathdash.dataset import IMAGE_SIZE
from mathdash.errors import ConfigError, DatasetError

CHUNK_SIZE = 2048  # images per imgaug call: bounds memory; part of what a seed means
_FULL_SCALE = 255.0


def build_pipeline(config: AugmentConfig) -> iaa.Augmenter:
    """The imgaug pipeline for every active operation except the (label-aware) flip.

    It takes and returns uint8 images (N, H, W) ink dark on white, like the datasets; the
    steps run in ``OPERATIONS`` order: stroke, geometry in one warp, blur, sharpen, contrast,
    brightness, noise.

    Args:
        config: the settings; operations that are off or have zero intensity are left out.

    Returns:
        An ``iaa.Sequential``; seed it (``seed_``) for repeatable output.
    """
    steps: list[iaa.Augmenter] = [InvertInk(name="to_ink_space")]
    stroke = config.stroke
    if stroke.active and round(stroke.intensity) > 0:
        steps.append(StrokeWidth(round(stroke.intensity), stroke.probability, name="stroke"))
    geometry = {name: (config.op(name).intensity, config.op(name).probability)
                for name in Geometry.PARTS if _active(config, name)}
    if geometry:
        steps.append(Geometry(geometry, elastic_sigma=config.elastic_sigma, name="geometry"))
    for name, make in _PHOTOMETRIC.items():
        if _active(config, name):
            setting = config.op(name)
            steps.append(iaa.Sometimes(setting.probability, make(setting.intensity), name=name))
    steps.append(InvertInk(name="to_paper_space"))
    return iaa.Sequential(steps, name="mathdash_augment")


def _active(config: AugmentConfig, name: str) -> bool:
    setting = config.op(name)
    return setting.active and setting.intensity > 0


# In ink-bright space; contrast and symmetric shifts mean the same in either space.
_PHOTOMETRIC: dict[str, Callable[[float], iaa.Augmenter]] = {
    "blur": lambda sigma: iaa.GaussianBlur(sigma=(0.0, sigma)),
    "sharpen": lambda alpha: iaa.Sharpen(alpha=(0.0, alpha), lightness=1.0),
    "contrast": lambda amount: iaa.LinearContrast((1.0 - amount, 1.0 + amount)),
    "brightness": lambda amount: iaa.Add((-amount * _FULL_SCALE, amount * _FULL_SCALE)),
    "noise": lambda amount: iaa.AdditiveGaussianNoise(scale=(0.0, amount * _FULL_SCALE)),
}


@lru_cache(maxsize=32)
def _prototype(config: AugmentConfig) -> iaa.Augmenter:
    return build_pipeline(config)


def augment_images(
    images: np.ndarray,
    config: AugmentConfig,
    seed: int,
    labels: np.ndarray | None = None,
    class_names: list[str] | None = None,
    workers: int = 1,
    keep_labels: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Augment a batch; the same inputs, config and seed always give the same output.

    Args:
        images: uint8 array (N, 45, 45), ink dark on white. Not modified.
        config: the settings.
        seed: any non-negative int.
        labels: int array (N,); needed when ``config.flip`` is on, since a flip may relabel
            (``(`` -> ``)``) and must skip classes whose mirror is no symbol.
        class_names: the class list ``labels`` index into; needed with ``labels`` for the flip.
        workers: threads sharing the chunks of a large batch (the result does not depend on it).
        keep_labels: flip only classes that stay themselves when mirrored (``+``, not ``(``), so
            no label changes; class balancing needs every new sample in its source's class.

    Returns:
        (images, labels): uint8 array (N, 45, 45) ink dark on white, and the labels after
        flipping (a new int64 array), or None when no labels were given.
    """
    _check_images(images)
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng([int(seed), 0])
    if labels is not None:
        labels = np.array(labels, dtype=np.int64)
        if labels.shape != (len(images),):
            raise DatasetError(f"labels must have shape ({len(images)},), got {labels.shape}")
    if config.flip.active:
        if labels is None or class_names is None:
            raise ConfigError("the flip needs labels and class_names (it may change a label)")
        images, labels = flip_by_label(images, labels, flip_targets(class_names, partners=not keep_labels),
                                       config.flip.probability, rng)
    return _run_chunks(images, config, int(seed), workers), labels


def _run_chunks(images: np.ndarray, config: AugmentConfig, seed: int, workers: int) -> np.ndarray:
    """The pipeline over fixed-size chunks, each seeded from (seed, chunk index)."""
    starts = range(0, len(images), CHUNK_SIZE)
    out = np.empty_like(images)

    def run(chunk: int) -> None:
        pipeline = _prototype(config).deepcopy()
        pipeline.seed_(np.random.SeedSequence([seed, 1, chunk]).generate_state(1)[0])
        start = starts[chunk]
        out[start:start + CHUNK_SIZE] = pipeline(images=images[start:start + CHUNK_SIZE])

    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(len(starts))))
    else:
        for chunk in range(len(starts)):
            run(chunk)
    return out


def _check_images(images: np.ndarray) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        found = getattr(images, "dtype", type(images).__name__)
        raise DatasetError(f"images must be a uint8 numpy array, got {found}")
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DatasetError(f"images must have shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}), got {images.shape}")
