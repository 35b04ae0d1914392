"""flip_by_label itself: the share it mirrors, one draw per image, the label dtype, inputs left alone.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/augment/flip.py``.
"""

import numpy as np

from mathdash.augment.flip import flip_by_label, flip_targets


def _asymmetric_images(n: int) -> np.ndarray:
    images = np.full((n, 45, 45), 255, np.uint8)
    images[:, :, :10] = 0  # ink on the left: a mirrored copy has it on the right
    return images


def test_flip_by_label_mirrors_about_the_requested_share_and_only_then_relabels():
    targets = flip_targets(["(", ")"])
    images, labels = _asymmetric_images(400), np.zeros(400, np.int32)
    out_images, out_labels = flip_by_label(images, labels, targets, 0.5, np.random.default_rng(7))
    mirrored = out_images[:, 0, -1] == 0
    expected = np.random.default_rng(7).random(400) < 0.5  # one draw per image, in order
    assert np.array_equal(mirrored, expected)
    assert 150 < mirrored.sum() < 250
    assert np.array_equal(out_labels, np.where(expected, 1, 0))
    assert out_labels.dtype == np.int64  # int32 labels come back as int64 indices
    assert (images[:, 0, -1] == 255).all() and (labels == 0).all()  # the inputs are not changed


def test_flip_by_label_with_probability_zero_or_one():
    targets = flip_targets(["+", "3"])
    images, labels = _asymmetric_images(6), np.array([0, 1, 0, 1, 0, 1])
    none_images, none_labels = flip_by_label(images, labels, targets, 0.0, np.random.default_rng(0))
    assert np.array_equal(none_images, images) and none_labels.tolist() == labels.tolist()
    all_images, all_labels = flip_by_label(images, labels, targets, 1.0, np.random.default_rng(0))
    assert (all_images[[0, 2, 4], 0, -1] == 0).all()  # "+" mirrored
    assert np.array_equal(all_images[[1, 3, 5]], images[[1, 3, 5]])  # "3" never
    assert all_labels.tolist() == labels.tolist()
