"""Pixel verification: correlation after the best shift, centring, and star groups without chains."""

import numpy as np
import pytest

from dedup_support import drawings, shifted
from mathdash.dedup import (
    DEFAULT_MIN_SIMILARITY,
    centre_ink,
    find_duplicate_groups,
    pixel_similarity,
    verified_leakage,
)
from mathdash.dedup.candidates import candidate_pairs
from mathdash.errors import ConfigError, DatasetError
from mathdash.synth.duplicates import jpeg_roundtrip


def bar(left: int, right: int, top: int = 20, thickness: int = 3) -> np.ndarray:
    """A white 45x45 image with one dark horizontal bar (a '-')."""
    image = np.full((45, 45), 255, np.uint8)
    image[top:top + thickness, left:right] = 10
    return image


def lighter(image: np.ndarray, factor: float) -> np.ndarray:
    return np.rint(255 - (255 - image.astype(float)) * factor).astype(np.uint8)


def test_shifted_lighter_and_jpeg_copies_score_near_one_and_the_shift_is_found():
    original = drawings(1, seed=3)[0]
    images = np.stack([original, shifted(original, 2, -1), lighter(original, 0.7),
                       jpeg_roundtrip(original, 70)])
    pairs = np.array([[0, 1], [0, 2], [0, 3]])
    for guided in (True, False):
        similarity, shift = pixel_similarity(images, pairs, guided=guided)
        assert similarity[0] == pytest.approx(1.0, abs=1e-5)
        assert similarity[1] == pytest.approx(1.0, abs=1e-3)  # contrast does not count
        assert DEFAULT_MIN_SIMILARITY <= similarity[2] < 1.0
        assert shift[0].tolist() == [-2, 1]  # moving the copy back onto the original


def test_a_shift_beyond_max_shift_is_not_found():
    original = drawings(1, seed=4)[0]
    images = np.stack([original, shifted(original, 0, 3)])
    assert pixel_similarity(images, [[0, 1]], max_shift=2, guided=False)[0][0] < DEFAULT_MIN_SIMILARITY
    assert pixel_similarity(images, [[0, 1]], max_shift=3, guided=False)[0][0] >= DEFAULT_MIN_SIMILARITY


def test_two_different_bars_stay_apart_though_they_look_alike():
    images = np.stack([bar(10, 35), bar(10, 32), bar(11, 35, thickness=4), bar(10, 35)])
    similarity, _ = pixel_similarity(images, [[0, 1], [0, 2], [0, 3]], guided=False)
    assert similarity[0] < DEFAULT_MIN_SIMILARITY and similarity[1] < DEFAULT_MIN_SIMILARITY
    assert similarity[2] == pytest.approx(1.0)


def test_blank_images_match_each_other_and_nothing_else():
    blank = np.full((45, 45), 255, np.uint8)
    images = np.stack([blank, blank.copy(), bar(5, 40)])
    similarity, _ = pixel_similarity(images, [[0, 1], [0, 2]])
    assert similarity.tolist() == [1.0, 0.0]


def test_centring_puts_shifted_copies_on_the_same_pixels():
    original = drawings(1, seed=6)[0]
    centred = centre_ink(np.stack([original, shifted(original, 1, 2), shifted(original, -2, 0)]))
    assert np.array_equal(centred[0], centred[1]) and np.array_equal(centred[0], centred[2])


def test_candidate_pairs_expand_shared_hash_values_into_image_pairs():
    hashes = np.array([5, 5, 5, 9, 5 | (1 << 40)], dtype=np.uint64)
    assert candidate_pairs(hashes, 0).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert candidate_pairs(hashes, 1).tolist() == [[0, 1], [0, 2], [0, 4], [1, 2], [1, 4], [2, 4]]


def test_verified_groups_hold_copies_and_keep_similar_drawings_apart():
    originals = drawings(12, seed=7)
    bars = np.stack([bar(10, 35), bar(10, 31), bar(8, 37, thickness=2), bar(10, 35, thickness=5)])  # four '-'
    copies = np.stack([originals[0], shifted(originals[1], 1, 0), lighter(originals[2], 0.75),
                       jpeg_roundtrip(originals[3], 65), shifted(bars[0], 0, 1)])
    images = np.concatenate([originals, bars, copies])
    report = find_duplicate_groups(images)
    assert report.mode == "verified"
    for copy, source in enumerate([0, 1, 2, 3, 12]):
        assert report.group[16 + copy] == report.group[source], f"copy {copy} not with its original"
    assert len(np.unique(report.group[:16])) == 16  # no two distinct drawings or bars merged
    assert report.n_kept == 16
    assert report.similarity[16] == 1.0 and report.similarity[18] > 0.99
    member = report.to_dict()["groups"][0]["members"][1]
    assert 0.98 <= member["similarity"] <= 1.0


def test_verified_groups_do_not_chain():
    # Five bars, each 2 px right of the one before: neighbours verify, the ends lie 8 px apart.
    images = np.stack([shifted(bar(14, 24), 0, 2 * k) for k in range(5)])
    report = find_duplicate_groups(images)
    assert report.group[0] != report.group[4]
    assert max(len(g) for g in report.groups) <= 3  # an anchor and the two verified next to it
    assert report.similarity.min() == pytest.approx(1.0)  # every member matches its anchor exactly
    assert find_duplicate_groups(images, mode="hash", threshold=64).n_kept == 1  # hash mode chains all


def test_verified_leakage_names_the_matching_training_image():
    train = drawings(6, seed=9)
    test = np.stack([shifted(train[4], 1, 1), drawings(1, seed=10)[0], lighter(train[2], 0.8)])
    from mathdash.dedup import hash_images

    leak = verified_leakage(train, test, hash_images(train), hash_images(test))
    assert leak.test_indices.tolist() == [0, 2] and leak.train_indices.tolist() == [4, 2]
    assert leak.similarities.min() > 0.99 and leak.to_dict()["matches"][0]["similarity"] > 0.99


def test_bad_inputs_raise_named_errors():
    images = drawings(2, seed=1)
    with pytest.raises(DatasetError, match="pair indices"):
        pixel_similarity(images, [[0, 2]])
    with pytest.raises(ConfigError, match="max_shift"):
        pixel_similarity(images, [[0, 1]], max_shift=30)
    with pytest.raises(ConfigError, match="mode"):
        find_duplicate_groups(images, mode="fuzzy")
    with pytest.raises(ConfigError, match="min_similarity"):
        find_duplicate_groups(images, min_similarity=1.5)
