"""From a drawn or uploaded symbol to the classes a saved model ranks highest.

``prepare_drawing`` gives a canvas or an upload the framing and stroke width of the training data;
``Predictor`` calls the model directly (no ``model.predict``) and returns the top k classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage
from skimage.morphology import skeletonize

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.errors import ArtifactError
from mathdash.keras_state import keras_work
from mathdash.preprocess import DEFAULT_MARGIN, INK_THRESHOLD, fit_to_box, to_model_input

if TYPE_CHECKING:
    import keras

    from mathdash.runs import Run, RunStore

# Median pen width, in pixels of the 45x45 image, of the built-in training set (ink pixels per
# skeleton pixel, see ``estimate_pen_width``); every drawing is redrawn at this width.
TRAINING_PEN_WIDTH = 2.1
WORK_SIZE = 128  # the ink box's longer side while skeletonising: fine enough for a 45 px result
MIN_INK_FRACTION = 0.0005  # less ink than this share of the picture is "nothing drawn"
MIN_INK_PIXELS = 4
BATCH_SIZE = 256  # images per forward pass when ranking many at once (the command line)
# A drawing whose ink box is at most this many pen widths across is a dot (the Kaggle classes hold
# no dot): blowing its one-point centre line up to the frame would make a blob the model calls "+".
DOT_MAX_EXTENT = 1.8
BLANK_REASON = "nothing drawn: draw a symbol"
DOT_REASON = "a dot (or a filled blob) is not one of the symbols: draw a symbol"
_INK_LEVEL = 0.5  # ink strength (0 paper .. 1 full ink) that counts as a stroke pixel
_WORK_LEVEL = 0.3  # lower after resampling, so a thin line that lost contrast stays connected


def prepare_drawing(pixels: np.ndarray, pen_width: float = TRAINING_PEN_WIDTH) -> np.ndarray | None:
    """Turn a canvas drawing or an uploaded picture into the image the model expects.

    The ink is cropped, reduced to its centre line and redrawn at ``pen_width``, then framed with
    ``fit_to_box`` (aspect kept, margin 2), so a thick mouse stroke and a thin pen stroke of the
    same symbol give nearly the same image.

    Args:
        pixels: uint8 array (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA of any size. With a
            transparent background (the canvas) alpha is the ink, whatever the stroke colour;
            otherwise the picture is composited on white and light ink on a dark background is
            detected and inverted.
        pen_width: stroke width, in pixels of the 45x45 result, to redraw the drawing with.

    Returns:
        uint8 array (45, 45), ink dark on white; None when the picture holds (almost) no ink or
        only a dot (``inspect_drawing`` says which).

    Raises:
        ValueError: when ``pixels`` is not an image-shaped array.
    """
    return inspect_drawing(pixels, pen_width)[0]


def inspect_drawing(pixels: np.ndarray, pen_width: float = TRAINING_PEN_WIDTH) -> tuple[np.ndarray | None, str]:
    """``prepare_drawing`` with the reason when there is nothing to read.

    Returns:
        (uint8 array (45, 45), "") for a symbol; (None, ``BLANK_REASON``) when (almost) no ink is
        drawn; (None, ``DOT_REASON``) when the ink is a dot: its box spans at most
        ``DOT_MAX_EXTENT`` stroke widths.

    Raises:
        ValueError: when ``pixels`` is not an image-shaped array.
    """
    ink = _ink_strength(pixels)
    stroke = ink >= _INK_LEVEL
    if stroke.sum() < max(MIN_INK_PIXELS, MIN_INK_FRACTION * stroke.size):
        return None, BLANK_REASON
    rows = np.flatnonzero(stroke.any(axis=1))
    cols = np.flatnonzero(stroke.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    if _is_dot(crop >= _INK_LEVEL):
        return None, DOT_REASON
    centre_line = skeletonize(np.pad(_resample(crop, WORK_SIZE) >= _WORK_LEVEL, 1))
    return fit_to_box(_redraw(centre_line, pen_width), IMAGE_SIZE, DEFAULT_MARGIN), ""


def _is_dot(stroke: np.ndarray) -> bool:
    """True when a cropped stroke mask is no wider or taller than ``DOT_MAX_EXTENT`` pen widths.

    The pen width is the diameter of the largest disc inside the ink.
    """
    width = 2.0 * float(ndimage.distance_transform_edt(np.pad(stroke, 1)).max())
    return max(stroke.shape) <= DOT_MAX_EXTENT * max(width, 1.0)


def estimate_pen_width(images: np.ndarray) -> float:
    """Median stroke width of dataset images: ink pixels per pixel of the ink's centre line.

    Args:
        images: uint8 array (N, 45, 45), ink dark on white.

    Returns:
        The median width in pixels over the images that hold ink (0.0 when none does).
    """
    widths = []
    for image in np.asarray(images):
        ink = image < INK_THRESHOLD
        length = int(skeletonize(ink).sum())
        if length:
            widths.append(ink.sum() / length)
    return float(np.median(widths)) if widths else 0.0


def read_image(source: str | Path | BinaryIO) -> tuple[np.ndarray | None, str]:
    """Decode an image file (a path or an open binary file, e.g. an upload) for ``prepare_drawing``.

    Returns:
        (uint8 array (H, W), (H, W, 3) or (H, W, 4), "") or (None, why it cannot be read).
    """
    try:
        with Image.open(source) as image:
            image.load()
            if image.mode not in ("L", "RGB", "RGBA"):
                has_alpha = "A" in image.mode or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
            return np.asarray(image), ""
    except FileNotFoundError:
        return None, "no such file"
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        return None, f"not a readable image ({error})"
    except (OSError, ValueError, SyntaxError) as error:  # truncated or corrupt data
        return None, f"corrupt image ({error})"


def _ink_strength(pixels: np.ndarray) -> np.ndarray:
    """float32 (H, W) in [0, 1]: 1 where the picture is full ink, 0 on the background."""
    array = _check_pixels(pixels)
    if array.ndim == 2:
        return _ink_from_grey(array.astype(np.float32))
    grey = array[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if array.shape[2] == 3:
        return _ink_from_grey(grey)
    alpha = array[..., 3].astype(np.float32) / 255.0
    if np.median(alpha) < 0.5:  # a transparent background: whatever is painted is ink
        return alpha
    return _ink_from_grey(grey * alpha + PAPER * (1.0 - alpha))


def _check_pixels(pixels: np.ndarray) -> np.ndarray:
    """The pixels as uint8 (H, W), (H, W, 3) or (H, W, 4); ValueError for anything else."""
    array = np.asarray(pixels)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    image_shaped = array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))
    if not image_shaped or 0 in array.shape:
        raise ValueError(f"expected a grey, RGB or RGBA image, got an array of shape {array.shape}")
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return array


def _ink_from_grey(grey: np.ndarray) -> np.ndarray:
    """Ink strength of a grey picture measured against its background.

    The background is the median grey: a picture of a symbol is mostly paper, even when it is
    cropped so tightly that the ink runs along its edges.
    """
    background = float(np.median(grey))
    if background >= 128:  # dark ink on light paper
        return np.clip((background - grey) / max(background, 1.0), 0.0, 1.0)
    return np.clip((grey - background) / max(255.0 - background, 1.0), 0.0, 1.0)


def _resample(ink: np.ndarray, size: int) -> np.ndarray:
    """Scale an ink map so its longer side is ``size``: area averaging down, bilinear up."""
    height, width = ink.shape
    scale = size / max(height, width)
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(shape, method))


def _redraw(centre_line: np.ndarray, pen_width: float) -> np.ndarray:
    """Draw a centre line with a round pen, anti-aliased, as uint8 ink dark on white.

    The pen is sized so that once the drawing's longer side spans the 41 px inner box of the
    45x45 image, the stroke is ``pen_width`` pixels wide there.
    """
    rows = np.flatnonzero(centre_line.any(axis=1))
    cols = np.flatnonzero(centre_line.any(axis=0))
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    inner = IMAGE_SIZE - 2 * DEFAULT_MARGIN
    radius = max(0.5, pen_width * extent / (inner - pen_width) / 2)
    pad = int(np.ceil(radius)) + 2
    distance = ndimage.distance_transform_edt(~np.pad(centre_line, pad))
    ink = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return np.round(PAPER * (1.0 - ink)).astype(np.uint8)


class Predictor:
    """A loaded model and its class names, ranking 45x45 images by calling the model directly.

    ``model.predict`` sets up a data pipeline on every call (tens of milliseconds); a canvas that
    re-predicts after every stroke needs one forward pass, so the model is wrapped once in a
    ``tf.function`` and traced at construction.

    Args:
        model: a keras model taking float32 (N, 45, 45, 1) (``preprocess.to_model_input``) and
            returning (N, C) class probabilities (logits are turned into probabilities).
        class_names: the C class names, in the order of the model's outputs.

    Raises:
        ArtifactError: when the model's output size differs from the number of class names.
    """

    def __init__(self, model: keras.Model, class_names: list[str]) -> None:
        self.model = model
        self.class_names = [str(name) for name in class_names]
        outputs = model.output_shape[-1] if hasattr(model, "output_shape") else None
        if outputs is not None and outputs != len(self.class_names):
            raise ArtifactError(
                f"the model has {outputs} outputs but {len(self.class_names)} class names were given"
            )
        self._forward = _compile_forward(model)
        self.probabilities(np.full((1, IMAGE_SIZE, IMAGE_SIZE), PAPER, np.uint8))  # trace once now

    @classmethod
    def from_run(cls, run: Run) -> Predictor:
        """The predictor of a saved run (its ``model.keras`` and ``labels.json``)."""
        return cls(run.load_model(), list(run.labels))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities of images.

        Args:
            images: uint8 array (N, 45, 45) or (45, 45), ink dark on white.

        Returns:
            float32 array (N, C), rows summing to 1, columns in ``class_names`` order.
        """
        inputs = to_model_input(images)
        with keras_work():
            outputs = [np.asarray(self._forward(inputs[start:start + BATCH_SIZE]), dtype=np.float32)
                       for start in range(0, len(inputs), BATCH_SIZE)]
        return _as_probabilities(np.concatenate(outputs))

    def topk(self, image: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable classes of one image, most probable first.

        Args:
            image: uint8 array (45, 45), ink dark on white (``prepare_drawing``'s output).
            k: how many classes to return (at most the number of classes).

        Returns:
            ``[(class_name, probability), ...]`` of length min(k, C).
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return rank(self.probabilities(image)[0], self.class_names, k)


def rank(probabilities: np.ndarray, class_names: list[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` largest of one row of probabilities (float (C,)) with their class names."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [(class_names[i], float(probabilities[i])) for i in order]


def resolve_run_id(run_id: str | None = None, store: RunStore | None = None) -> str:
    """``run_id`` itself, or the store's active run when None.

    Raises:
        ArtifactError: when no run is given and none is active (no shipped run either).
    """
    if run_id:
        return run_id
    from mathdash.runs import RunStore

    active = (store or RunStore()).active_id()
    if not active:
        raise ArtifactError("no saved run to predict with: train one, or restore artifacts/default_run/")
    return active


def load_predictor(run_id: str | None = None, store: RunStore | None = None) -> Predictor:
    """The predictor of a saved run: ``run_id`` from the run store, or its active run when None.

    Raises:
        ArtifactError: when no run is active or the run cannot be loaded.
    """
    from mathdash.runs import RunStore

    store = store or RunStore()
    return Predictor.from_run(store.load(resolve_run_id(run_id, store)))


def _compile_forward(model: keras.Model) -> Any:
    """``model(x, training=False)`` as a tf.function over any batch of 45x45x1 images."""
    import tensorflow as tf

    spec = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)
    return tf.function(lambda x: model(x, training=False), input_signature=[spec])


def _as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Rows already on the simplex are kept; anything else is treated as logits (softmax)."""
    if outputs.min() >= 0 and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3):
        return outputs
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
