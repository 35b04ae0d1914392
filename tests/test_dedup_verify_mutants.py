"""Verified grouping in detail: scores and shifts against a plain reference, thumbnails, centres, checks;
star groups over a candidate graph set by hand; candidate pairs; the count of pixel copies.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/dedup/verify.py``,
``verified.py``, ``candidates.py`` and ``exact.py``; the broad behaviour (copies verify, look-alikes do
not, stars do not chain) is in ``test_dedup_verify.py``.
"""

import numpy as np
import pytest

from dedup_support import drawings, shifted
from mathdash.dedup import exact_digests
from mathdash.dedup.candidates import candidate_pairs, union_of_pairs
from mathdash.dedup.exact import count_pixel_copies
from mathdash.dedup.verified import verified_groups
from mathdash.dedup.verify import (
    centre_ink,
    ink_centres,
    pixel_similarity,
    thumbnail_similarity,
    thumbnails,
)
from mathdash.errors import ConfigError, DatasetError


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two images' ink; 1 for two blank ones, 0 for blank and ink."""
    a, b = (255.0 - a.astype(float)).ravel(), (255.0 - b.astype(float)).ravel()
    if a.std() == 0 or b.std() == 0:
        return 1.0 if a.std() == b.std() == 0 else 0.0
    return float(np.corrcoef(a, b)[0, 1])


def best_over(first: np.ndarray, second: np.ndarray, shifts) -> tuple[float, tuple[int, int]]:
    """The best correlation of ``first`` with ``second`` moved by each of ``shifts``, and that shift."""
    scored = [(correlation(first, shifted(second, dy, dx)), (dy, dx)) for dy, dx in shifts]
    return max(scored, key=lambda item: item[0])


def centre_of_ink(image: np.ndarray) -> np.ndarray:
    ink = 255.0 - image.astype(float)
    rows, cols = np.indices(image.shape)
    return np.array([(ink * rows).sum(), (ink * cols).sum()]) / ink.sum()


def dot(shape=(45, 45), at=(3, 5), level=0) -> np.ndarray:
    image = np.full(shape, 255, np.uint8)
    image[at] = level
    return image


@pytest.fixture(scope="module")
def pairs_of_drawings():
    """Pairs of every kind on a non-square frame: moved copies, lighter copies, unrelated drawings."""
    base = drawings(6, seed=21)[:, 2:32, 1:42]  # 30 x 41: rows and columns differ
    images = np.concatenate([base, [shifted(base[0], 1, -2), shifted(base[1], -2, 1),
                                    np.rint(255 - (255 - base[2].astype(float)) * 0.6).astype(np.uint8),
                                    shifted(base[3], 0, 1)]])
    pairs = np.array([[0, 6], [1, 7], [2, 8], [3, 9], [0, 1], [4, 5], [7, 0], [5, 2]])
    return images, pairs


def test_exhaustive_search_equals_a_plain_correlation_over_every_shift(pairs_of_drawings):
    images, pairs = pairs_of_drawings
    similarity, shift = pixel_similarity(images, pairs, max_shift=2, guided=False)
    assert similarity.dtype == np.float32 and shift.dtype == np.int64 and shift.shape == (len(pairs), 2)
    every = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    for (i, j), score, found in zip(pairs, similarity, shift):
        expected, best = best_over(images[i], images[j], every)
        assert score == pytest.approx(expected, abs=1e-4)
        assert tuple(found) == best
    assert shift[:4].tolist() == [[-1, 2], [2, -1], [0, 0], [0, -1]]


def test_guided_search_tries_the_three_by_three_around_the_offset_of_the_ink_centres(pairs_of_drawings):
    images, pairs = pairs_of_drawings
    similarity, shift = pixel_similarity(images, pairs, max_shift=2)  # guided by default
    for (i, j), score, found in zip(pairs, similarity, shift):
        estimate = np.clip(np.rint(centre_of_ink(images[i]) - centre_of_ink(images[j])), -2, 2).astype(int)
        tried = [(estimate[0] + dy, estimate[1] + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                 if abs(estimate[0] + dy) <= 2 and abs(estimate[1] + dx) <= 2]
        expected, best = best_over(images[i], images[j], tried)
        assert score == pytest.approx(expected, abs=1e-4)
        assert tuple(found) == best
    given = pixel_similarity(images, pairs, centres=ink_centres(images))
    assert np.array_equal(given[0], similarity) and np.array_equal(given[1], shift)


def test_guided_search_misses_a_shift_far_from_the_centres_offset_that_the_full_search_finds():
    # The copy carries an extra blob that pulls its ink centre far up-left of the original's.
    original = np.full((45, 45), 255, np.uint8)
    original[20:24, 12:34] = 0
    copy = shifted(original, 1, 1)
    copy[0:5, 0:5] = 0
    for images, back in [(np.stack([original, copy]), (-1, -1)), (np.stack([copy, original]), (1, 1))]:
        full, full_shift = pixel_similarity(images, [[0, 1]], guided=False)
        assert tuple(full_shift[0]) == back and full[0] > 0.8
        guided, guided_shift = pixel_similarity(images, [[0, 1]])
        assert guided[0] < full[0] - 0.3
        assert np.abs(guided_shift[0]).max() <= 2 and tuple(guided_shift[0]) != back
        assert guided[0] == pytest.approx(best_over(images[0], images[1], [tuple(guided_shift[0])])[0],
                                          abs=1e-4)


@pytest.mark.parametrize("dy, dx", [(0, 3), (0, -3), (3, 0), (-3, 0), (3, 3)])
def test_no_search_looks_past_max_shift(dy, dx):
    original = np.full((45, 45), 255, np.uint8)
    original[12:33, 14:17] = 0  # an 'L' well inside the frame: moving it 3 px cuts nothing off
    original[30:33, 14:30] = 0
    images = np.stack([original, shifted(original, dy, dx)])
    for guided in (True, False):
        similarity, shift = pixel_similarity(images, [[0, 1]], max_shift=2, guided=guided)
        assert similarity[0] < 0.98 and np.abs(shift[0]).max() <= 2
    assert pixel_similarity(images, [[0, 1]], max_shift=3)[0][0] == pytest.approx(1.0, abs=1e-5)


def test_a_dot_matches_itself_moved_and_not_a_blank_image():
    blank = np.full((45, 45), 255, np.uint8)
    images = np.stack([dot(), shifted(dot(), 1, 0), blank, blank])
    similarity, shift = pixel_similarity(images, [[0, 1], [0, 2], [2, 0], [2, 3]])
    assert similarity.tolist() == [1.0, 0.0, 0.0, 1.0]
    assert shift[0].tolist() == [-1, 0]


def test_scores_stay_within_minus_one_and_one():
    """Float rounding puts some exact copies a hair above 1 and some negatives a hair below -1."""
    images = drawings(12, seed=23)
    negatives = (255 - images).astype(np.uint8)
    both = np.concatenate([images, images.copy(), negatives])
    copies = np.stack([np.arange(12), np.arange(12, 24)], axis=1)
    similarity, _ = pixel_similarity(both, copies)
    assert similarity.max() == 1.0 and similarity.min() > 0.99999
    opposite, _ = pixel_similarity(both, copies + [0, 12], max_shift=0)
    assert opposite.min() == -1.0 and opposite.max() < -0.99999


def test_max_shift_zero_compares_the_pictures_as_they_lie():
    original = drawings(1, seed=24)[0]
    images = np.stack([original, shifted(original, 0, 1)])
    similarity, shift = pixel_similarity(images, [[0, 1]], max_shift=0)
    assert similarity[0] == pytest.approx(correlation(images[0], images[1]), abs=1e-4)
    assert shift.tolist() == [[0, 0]]


def test_max_shift_may_reach_half_the_shorter_side():
    images = drawings(2, seed=25)
    assert pixel_similarity(images, [[0, 1]], max_shift=22)[0].shape == (1,)
    wide = images[:, :20, :]  # 20 x 45: at most 10
    assert pixel_similarity(wide, [[0, 1]], max_shift=10)[0].shape == (1,)
    with pytest.raises(ConfigError, match=r"^max_shift must be a whole number of pixels 0\.\.10, got 11$"):
        pixel_similarity(wide, [[0, 1]], max_shift=11)
    with pytest.raises(ConfigError, match=r"0\.\.22, got 23$"):
        pixel_similarity(images, [[0, 1]], max_shift=23)
    for bad in (True, 1.5, -1):
        with pytest.raises(ConfigError, match="max_shift"):
            pixel_similarity(images, [[0, 1]], max_shift=bad)


def test_bad_images_and_pairs_are_named():
    message = r"^images must be a uint8 array \(N, H, W\)$"
    for bad in (drawings(2, seed=1)[0], drawings(2, seed=1).astype(np.float32), [[0]]):
        with pytest.raises(DatasetError, match=message):
            pixel_similarity(bad, [[0, 1]])
    images = drawings(3, seed=1)
    for pairs in ([[0, 3]], [[-1, 2]]):
        with pytest.raises(DatasetError, match=r"^pair indices must lie in 0\.\.2$"):
            pixel_similarity(images, pairs)
    assert pixel_similarity(images, np.zeros((0, 2), np.int64))[0].shape == (0,)


def test_ink_centres_weigh_ink_and_fall_back_to_the_frame_centre():
    images = np.stack([dot((45, 31), (3, 5), level=254), dot((45, 31), (40, 2)),
                       np.full((45, 31), 255, np.uint8)])
    images[1, 10, 20] = 0  # two dots of equal ink: halfway between
    assert ink_centres(images).tolist() == [[3.0, 5.0], [25.0, 11.0], [22.0, 15.0]]
    assert ink_centres(images).dtype == np.float64


@pytest.mark.parametrize("shape, centre", [((45, 45), (22, 22)), ((31, 41), (15, 20))])
def test_centring_moves_the_ink_to_the_frame_centre_and_keeps_it(shape, centre):
    height, width = shape
    images = np.stack([dot(shape, at) for at in [(0, 0), (1, 3), (height - 1, 7), (5, width - 2)]])
    centred = centre_ink(images)
    assert centred.dtype == np.uint8 and centred.shape == images.shape
    for image in centred:
        assert np.argwhere(image == 0).tolist() == [list(centre)]
    glyph = np.full(shape, 255, np.uint8)
    glyph[2:12, 3:6] = 30  # an 'L' in the top-left corner
    glyph[9:12, 3:15] = 0
    moved = centre_ink(glyph[None])[0]
    assert (255 - moved.astype(int)).sum() == (255 - glyph.astype(int)).sum()  # nothing cut off
    assert np.abs(centre_of_ink(moved) - np.array(centre)).max() <= 0.5


def reference_thumbnail(image: np.ndarray) -> np.ndarray:
    """Minus the paper summed over a 9x9 grid of boxes (edges at k * side // 9), zero-mean, unit-norm.

    Where the grid divides the frame (45x45) the boxes are equal and this is their ink up to a
    constant. Elsewhere boxes differ by a row or column and their sizes show through as a pattern
    shared by every picture of that frame (what ``_thumbnails`` computes today).
    """
    height, width = image.shape
    rows = [k * height // 9 for k in range(10)]
    cols = [k * width // 9 for k in range(10)]
    paper = image.astype(float)
    boxes = -np.array([[paper[rows[i]:rows[i + 1], cols[j]:cols[j + 1]].sum() for j in range(9)]
                       for i in range(9)]).ravel()
    boxes -= boxes.mean()
    norm = np.linalg.norm(boxes)
    return boxes / norm if norm > 1e-3 else np.zeros(81)


@pytest.mark.parametrize("shape", [(45, 45), (36, 27), (45, 37), (37, 45), (40, 50)])
def test_thumbnails_are_zero_mean_unit_norm_box_sums(shape):
    images = drawings(3, seed=27)[:, :shape[0], :shape[1]]
    if shape[0] > 45 or shape[1] > 45:
        images = np.pad(images, ((0, 0), (0, max(shape[0] - 45, 0)), (0, max(shape[1] - 45, 0))),
                        constant_values=255)
    raw, centred = thumbnails(images)
    assert raw.dtype == np.float32 and raw.shape == (3, 81) and centred.shape == (3, 81)
    for image, thumb in zip(images, raw):
        np.testing.assert_allclose(thumb, reference_thumbnail(image), atol=1e-5)
    for image, thumb in zip(centre_ink(images), centred):
        np.testing.assert_allclose(thumb, reference_thumbnail(image), atol=1e-5)


def test_a_blank_thumbnail_is_zero_and_one_grey_level_of_ink_is_not():
    images = np.stack([np.full((45, 45), 255, np.uint8), dot(at=(3, 3), level=254), dot(at=(40, 40))])
    raw, _ = thumbnails(images)
    assert not raw[0].any()
    assert np.linalg.norm(raw[1]) == pytest.approx(1.0) and raw[1].argmax() == 0  # ink in the first box
    assert raw[2].argmax() == 80
    np.testing.assert_array_equal(thumbnails(images, centred=images)[1], raw)  # given centred is used


def test_thumbnail_similarity_takes_the_better_of_raw_and_centred():
    base = drawings(3, seed=28)
    images = np.stack([base[0], shifted(base[0], 2, 2), base[1], base[2]])
    thumbs = thumbnails(images)
    raw, centred = thumbs
    pairs = [[0, 1], [0, 2], [2, 3], [3, 1]]
    score = thumbnail_similarity(thumbs, pairs)
    expected = [max(raw[i] @ raw[j], centred[i] @ centred[j]) for i, j in pairs]
    np.testing.assert_allclose(score, expected, atol=1e-6)
    assert score[0] > 0.99 > raw[0] @ raw[1]  # the moved copy matches once centred
    assert score[1] < 0.9
    only_raw = thumbnail_similarity((raw, np.zeros_like(centred)), pairs)
    np.testing.assert_allclose(only_raw, [max(raw[i] @ raw[j], 0) for i, j in pairs], atol=1e-6)


def bits(*positions: int) -> int:
    return sum(1 << p for p in positions)


# Hashes that set the candidate graph at threshold 1 (pictures one bit apart are candidates).
PATH = np.array([bits(0), 0, bits(1), bits(1, 2)], dtype=np.uint64)  # 0 - 1 - 2 - 3
APART = np.array([0xFF << (8 * k) for k in range(8)], dtype=np.uint64)  # 16 bits from one another


def bar_at(dx: int, thickness: int = 3) -> np.ndarray:
    image = np.full((45, 45), 255, np.uint8)
    image[20:20 + thickness, 10 + dx:30 + dx] = 10
    return image


def test_a_path_of_candidates_makes_one_star_and_leaves_the_far_end_alone():
    # Bars 2 px apart: neighbours verify exactly. Picture 1 (most candidates, first) anchors 0 and 2;
    # 3 was a candidate of 2 only, which is no anchor, so 3 stays alone: no chain.
    pictures = np.stack([bar_at(2 * k) for k in range(4)])
    for raw, centred in [(PATH, PATH), (PATH, APART[:4]), (APART[:4], PATH)]:  # either hash proposes
        found = verified_groups(pictures, raw, centred, threshold=1)
        assert found.anchor.tolist() == [1, 1, 1, 3]
        assert found.similarity.tolist() == [1.0, 1.0, 1.0, 1.0] and found.similarity.dtype == np.float32
        assert (found.candidates, found.verified, found.accepted) == (3, 2, 2)
        assert set(found.timings) == {"candidates", "verification"}
        assert all(0 <= seconds < 60 for seconds in found.timings.values())
    exact = verified_groups(pictures, PATH, PATH, threshold=1, min_similarity=1.0)  # scores of 1 count
    assert exact.anchor.tolist() == [1, 1, 1, 3]
    unmoved = verified_groups(pictures, PATH, PATH, threshold=1, max_shift=0)
    assert unmoved.anchor.tolist() == [0, 1, 2, 3] and (unmoved.verified, unmoved.accepted) == (3, 0)


def test_a_picture_left_unsettled_leads_in_the_next_round():
    # 1 and 2 do not verify (thin and thick bars), so 2 stays unsettled and anchors 3 next round.
    pictures = np.stack([bar_at(0), bar_at(2), bar_at(0, thickness=6), bar_at(1, thickness=6)])
    found = verified_groups(pictures, PATH, PATH, threshold=1, centred=centre_ink(pictures))
    assert found.anchor.tolist() == [1, 1, 2, 2]
    assert (found.candidates, found.verified, found.accepted) == (3, 3, 2)


def test_the_picture_with_more_candidates_anchors_whatever_its_index():
    original = bar_at(0)
    pictures = np.stack([shifted(original, 0, -2), shifted(original, 0, 2), original])
    hashes = np.array([bits(0, 1, 2), bits(3, 4, 5), 0], dtype=np.uint64)  # 0 - 2 - 1: 0, 1 six apart
    found = verified_groups(pictures, hashes, hashes)
    assert found.anchor.tolist() == [2, 2, 2] and (found.candidates, found.verified) == (2, 2)


def test_a_picture_verified_against_two_anchors_joins_the_better_one():
    a = bar_at(0)
    b = a.copy()
    b[5, 5] = 10  # a speck: b matches copies of a at about 0.99
    pictures = np.stack([a, b, shifted(a, 1, 0), shifted(a, -1, 0), shifted(a, 0, 1), shifted(b, 0, -1),
                         shifted(b, 1, 1)])
    # a - {2, 3, 4}, b - {2, 5, 6}: 2 is a candidate of both anchors, a and b are not candidates.
    hashes = np.array([bits(0), bits(1), 0, bits(0, 2), bits(0, 3), bits(1, 4), bits(1, 5)], dtype=np.uint64)
    found = verified_groups(pictures, hashes, hashes, threshold=1)
    assert found.anchor.tolist() == [0, 1, 0, 0, 0, 1, 1]
    assert found.similarity[2] > 0.9999 and (found.verified, found.accepted) == (6, 5)
    assert pixel_similarity(pictures, [[1, 2]])[0][0] < 0.999  # b was the worse anchor for 2


def test_candidate_pairs_read_any_integer_hashes_and_return_int64_pairs():
    expected = [[0, 1], [0, 2], [1, 2]]
    for hashes in ([7, 7, 6, 1 << 40], np.array([7, 7, 6, 1 << 40], np.int64)):
        pairs = candidate_pairs(hashes, 1)
        assert pairs.tolist() == expected and pairs.dtype == np.int64
    none = candidate_pairs(APART, 4)
    assert none.shape == (0, 2) and none.dtype == np.int64
    assert union_of_pairs(none, none).shape == (0, 2)
    assert union_of_pairs(np.array([[0, 3], [1, 2]]), np.array([[1, 2], [0, 1]])).tolist() == \
        [[0, 1], [0, 3], [1, 2]]


def test_pixel_copies_are_counted_once_per_extra_copy():
    images = drawings(4, seed=29)
    with_copies = np.concatenate([images, images[[1, 1, 3]]])
    assert count_pixel_copies(exact_digests(with_copies)) == 3
    assert count_pixel_copies(exact_digests(images)) == 0
    assert count_pixel_copies(np.zeros(0, dtype="S16")) == 0
