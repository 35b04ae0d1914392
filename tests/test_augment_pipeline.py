"""The augmentation pipeline: every operation on uint8 45x45 batches, flips, determinism, errors."""

import cv2
import imgaug.augmenters as iaa
import numpy as np
import pytest

from mathdash.augment import OP_SPECS, OPERATIONS, PRESETS, augment_images, build_pipeline, flip_targets
from mathdash.augment.ops import _morph
from mathdash.augment.pipeline import CHUNK_SIZE
from mathdash.errors import ConfigError, DatasetError

NONE = PRESETS["none"]
CLASSES = ["(", ")", "+", "3", "lt", "gt"]


def strokes(n: int, seed: int = 0) -> np.ndarray:
    """n images (45, 45) of two random anti-aliased pen strokes, ink dark on white, inside a margin."""
    rng = np.random.default_rng(seed)
    images = np.full((n, 45, 45), 255, dtype=np.uint8)
    for image in images:
        for _ in range(2):
            a, b = rng.integers(12, 33, size=(2, 2))
            cv2.line(image, tuple(map(int, a)), tuple(map(int, b)), 0, 3, cv2.LINE_AA)
    return images


def only(name: str, fraction: float = 0.5, probability: float = 1.0):
    """A config with only ``name`` on, at ``fraction`` of its largest intensity."""
    intensity = max(1.0, round(OP_SPECS[name].max_intensity * fraction)) if name == "stroke" else (
        OP_SPECS[name].max_intensity * fraction)
    return NONE.with_op(name, enabled=True, intensity=intensity, probability=probability)


def ink(images: np.ndarray) -> np.ndarray:
    return (images < 128).sum(axis=(1, 2))


LABEL_FREE = [name for name in OPERATIONS if name != "flip"]


@pytest.mark.parametrize("name", LABEL_FREE)
def test_every_operation_changes_uint8_45x45_batches_repeatably(name):
    images = strokes(32)
    config = only(name)
    out, labels = augment_images(images, config, seed=5)
    again, _ = augment_images(images, config, seed=5)
    other, _ = augment_images(images, config, seed=6)
    assert out.dtype == np.uint8 and out.shape == (32, 45, 45) and labels is None
    changed = np.mean([(a != b).any() for a, b in zip(out, images)])
    assert changed >= 0.7, f"{name} changed only {changed:.0%} of the images"
    assert np.array_equal(out, again)
    assert not np.array_equal(out, other)
    assert np.array_equal(images, strokes(32)), "the input must not be modified"


@pytest.mark.parametrize("name", LABEL_FREE)
def test_probability_zero_or_disabled_leaves_images_untouched(name):
    images = strokes(16)
    assert np.array_equal(augment_images(images, only(name, probability=0.0), seed=1)[0], images)
    assert np.array_equal(augment_images(images, only(name).with_op(name, enabled=False), seed=1)[0], images)


def test_probability_sets_the_share_of_changed_images():
    images = strokes(400)
    out, _ = augment_images(images, only("rotation", probability=0.3), seed=2)
    share = np.mean([(a != b).any() for a, b in zip(out, images)])
    assert 0.2 < share < 0.4


GEOMETRY = ["rotation", "shear", "scale", "translate_x", "translate_y", "crop_pad", "elastic"]


@pytest.mark.parametrize("name", GEOMETRY)
def test_geometry_fills_exposed_areas_with_white_paper_and_keeps_the_ink(name):
    images = np.full((64, 45, 45), 255, dtype=np.uint8)
    images[:, 15:30, 15:30] = 0  # a solid square well inside the frame
    out, _ = augment_images(images, only(name, fraction=0.3), seed=3)
    corners = out[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 255).all()
    ratio = ink(out) / ink(images)
    assert 0.5 < ratio.mean() < 1.6


def test_translate_x_moves_ink_sideways_only():
    images = np.full((40, 45, 45), 255, dtype=np.uint8)
    images[:, 20:25, 20:25] = 0
    out, _ = augment_images(images, only("translate_x", fraction=0.5), seed=4)
    rows = np.array([np.flatnonzero((o < 128).any(axis=1))[[0, -1]] for o in out])
    cols = np.array([np.flatnonzero((o < 128).any(axis=0)).mean() for o in out])
    assert (np.abs(rows - [20, 24]) <= 1).all()
    assert cols.std() > 2.0 and np.abs(cols - 22).max() <= 0.15 * 45 + 1


def test_rotation_turns_a_horizontal_bar():
    images = np.full((30, 45, 45), 255, dtype=np.uint8)
    images[:, 21:24, 7:38] = 0
    config = NONE.with_op("rotation", enabled=True, intensity=45, probability=1)
    out, _ = augment_images(images, config, seed=0)
    heights = [np.ptp(np.flatnonzero((o < 128).any(axis=1))) + 1 for o in out]
    assert max(heights) > 15  # at ~30 degrees a 31-px bar spans > 15 rows


def test_stroke_thickness_dilates_and_erodes_ink():
    ink_bright = 255 - strokes(1)[0]
    thicker, thinner = _morph(ink_bright, 1), _morph(ink_bright, -1)
    assert (thicker > 127).sum() > (ink_bright > 127).sum() > (thinner > 127).sum() > 0
    hairline = np.zeros((45, 45), np.uint8)
    hairline[22, 5:40] = 255
    assert np.array_equal(_morph(hairline, -1), hairline), "a 1-px stroke must not vanish"


def test_brightness_and_contrast_change_grey_levels():
    flat = np.full((50, 45, 45), 128, dtype=np.uint8)
    bright, _ = augment_images(flat, only("brightness", fraction=0.5), seed=0)
    means = bright.mean(axis=(1, 2))
    assert np.ptp(means) > 60 and np.allclose(bright, bright[:, :1, :1], atol=0)
    contrast, _ = augment_images(strokes(50), only("contrast", fraction=0.8), seed=0)
    paper = contrast[:, 0, 0].astype(int)
    assert paper.min() < 200  # less contrast greys the paper


def test_none_preset_returns_the_images_unchanged():
    images = strokes(10)
    out, labels = augment_images(images, NONE, seed=0, labels=np.arange(10) % 6, class_names=CLASSES)
    assert np.array_equal(out, images) and list(labels) == list(np.arange(10) % 6)


def test_flip_targets_map_partners_keep_symmetric_and_skip_the_rest():
    targets = flip_targets(["(", ")", "+", "3", "lt", "gt", "leq", "{", "neq", "ascii_124"])
    assert targets.tolist() == [1, 0, 2, -1, 5, 4, -1, -1, -1, 9]
    assert flip_targets(["(", ")", "+"], partners=False).tolist() == [-1, -1, 2]


def test_flip_mirrors_and_relabels_only_mirror_safe_classes():
    images = strokes(6)
    labels = np.arange(6)  # ( ) + 3 lt gt
    config = NONE.with_op("flip", enabled=True, probability=1.0)
    out, new_labels = augment_images(images, config, seed=0, labels=labels, class_names=CLASSES)
    assert new_labels.tolist() == [1, 0, 2, 3, 5, 4]
    flipped = [0, 1, 2, 4, 5]
    assert np.array_equal(out[flipped], images[flipped, :, ::-1])
    assert np.array_equal(out[3], images[3]), "a mirrored 3 is no symbol: never flipped"
    kept, kept_labels = augment_images(images, config, seed=0, labels=labels, class_names=CLASSES,
                                       keep_labels=True)
    assert kept_labels.tolist() == labels.tolist()
    assert np.array_equal(kept[2], images[2, :, ::-1]) and np.array_equal(kept[0], images[0])


def test_flip_without_labels_is_refused():
    with pytest.raises(ConfigError, match="labels and class_names"):
        augment_images(strokes(2), PRESETS["seven-transforms"], seed=0)


def test_threads_and_chunks_do_not_change_the_result():
    images = np.concatenate([strokes(CHUNK_SIZE // 2, seed=s) for s in range(3)])  # two chunks
    one, _ = augment_images(images, PRESETS["default"], seed=9, workers=1)
    two, _ = augment_images(images, PRESETS["default"], seed=9, workers=2)
    assert len(images) > CHUNK_SIZE and np.array_equal(one, two)


def test_build_pipeline_is_an_imgaug_augmenter_on_dark_on_white_images():
    pipeline = build_pipeline(PRESETS["grow-rare"])
    assert isinstance(pipeline, iaa.Augmenter)
    names = [step.name for step in pipeline]
    assert names == ["to_ink_space", "geometry", "contrast", "to_paper_space"]
    pipeline.seed_(0)
    single = pipeline(image=strokes(1)[0])
    assert single.shape == (45, 45) and single.dtype == np.uint8
    assert single[0, 0] > 200, "paper stays light (contrast greys it at most to 217)"


@pytest.mark.parametrize("images, error", [
    (np.zeros((2, 45, 45), np.float32), DatasetError),
    (np.zeros((2, 28, 28), np.uint8), DatasetError),
    ([[0]], DatasetError),
])
def test_bad_images_raise_dataset_error(images, error):
    with pytest.raises(error):
        augment_images(images, NONE, seed=0)


def test_bad_seed_and_labels_are_refused():
    with pytest.raises(ConfigError, match="seed"):
        augment_images(strokes(2), NONE, seed=-1)
    with pytest.raises(DatasetError, match="labels"):
        augment_images(strokes(2), NONE, seed=0, labels=np.zeros(3))
