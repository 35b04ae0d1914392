"""Batched hashes against imagehash itself, image by image, on thousands of varied images."""

import imagehash
import numpy as np
import pytest
from PIL import Image

from mathdash.dedup import HASH_METHODS, exact_digests, hamming_distance, hash_distinct_images, hash_images
from mathdash.dedup.resample import resize_lanczos
from mathdash.errors import ConfigError, DatasetError

REFERENCE = {
    "phash": imagehash.phash,
    "dhash": imagehash.dhash,
    "ahash": imagehash.average_hash,
    "whash": imagehash.whash,
}


def _strokes(rng: np.random.Generator, size: int) -> np.ndarray:
    image = np.full((size, size), 255, np.uint8)
    for _ in range(rng.integers(1, 4)):
        (x0, y0, x1, y1), pen = rng.integers(0, size, 4), int(rng.integers(1, 4))
        for s in np.linspace(0.0, 1.0, 3 * size):
            x, y = int(x0 + s * (x1 - x0)), int(y0 + s * (y1 - y0))
            image[max(0, y - pen):y + pen, max(0, x - pen):x + pen] = rng.integers(0, 90)
    return image


def varied_images(count: int, size: int = 45, seed: int = 0) -> np.ndarray:
    """Noise, sparse ink, constant images, gradients, checkerboards and pen strokes, in equal shares."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    makers = [
        lambda: rng.integers(0, 256, (size, size)),
        lambda: np.where(rng.random((size, size)) < 0.05, rng.integers(0, 60), 255),
        lambda: np.full((size, size), rng.integers(0, 256)),
        lambda: rng.uniform(-8, 8) * xx + rng.uniform(-8, 8) * yy + rng.uniform(0, 255),
        lambda: np.where((xx // rng.integers(1, 8) + yy // rng.integers(1, 8)) % 2, 255, 0),
        lambda: _strokes(rng, size),
    ]
    images = [makers[i % len(makers)]() for i in range(count)]
    return np.clip(np.array(images), 0, 255).astype(np.uint8)


def imagehash_values(images: np.ndarray, method: str, hash_size: int = 8) -> np.ndarray:
    reference = REFERENCE[method]
    return np.array([int(str(reference(Image.fromarray(im), hash_size=hash_size)), 16) for im in images],
                    dtype=np.uint64)


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return varied_images(1800)


@pytest.mark.parametrize("method", HASH_METHODS)
def test_hashes_equal_imagehash_bit_for_bit(images, method):
    expected = imagehash_values(images, method)
    got = hash_images(images, method)
    assert got.dtype == np.uint64 and got.shape == (len(images),)
    np.testing.assert_array_equal(got, expected)
    assert len(np.unique(got)) > len(images) // 4  # varied images: the check is not vacuous


@pytest.mark.parametrize("method", HASH_METHODS)
@pytest.mark.parametrize("hash_size", [4, 2])
def test_smaller_hash_sizes_equal_imagehash(images, method, hash_size):
    subset = images[::6]
    np.testing.assert_array_equal(hash_images(subset, method, hash_size=hash_size),
                                  imagehash_values(subset, method, hash_size))


@pytest.mark.parametrize("size", [28, 56, 64])
def test_other_image_sizes_equal_imagehash(size):
    images = varied_images(120, size=size, seed=size)
    for method in HASH_METHODS:
        np.testing.assert_array_equal(hash_images(images, method), imagehash_values(images, method))


def test_resize_matches_pillow_lanczos_pixel_for_pixel(images):
    for width, height in [(32, 32), (9, 8), (8, 8), (20, 50), (45, 30)]:
        expected = np.array([np.asarray(Image.fromarray(im).resize((width, height), Image.Resampling.LANCZOS))
                             for im in images[:300]])
        np.testing.assert_array_equal(resize_lanczos(images[:300], width, height), expected)


def test_float32_passes_equal_pillows_integer_arithmetic_on_noise():
    # Noise lands many sums near a rounding edge, so the exact float64 fallback is exercised.
    from mathdash.dedup.resample import _filter_taps

    images = np.random.default_rng(7).integers(0, 256, (3000, 45, 45), dtype=np.uint8)

    def integer_pass(rows: np.ndarray, size_in: int, size_out: int) -> np.ndarray:
        taps = _filter_taps(size_in, size_out).exact.astype(np.int64)
        return np.clip((rows.astype(np.int64) @ taps.T + (1 << 21)) >> 22, 0, 255)

    wide = integer_pass(images.reshape(-1, 45), 45, 32).reshape(3000, 45, 32)
    expected = integer_pass(wide.transpose(0, 2, 1).reshape(-1, 45), 45, 32).reshape(3000, 32, 32)
    np.testing.assert_array_equal(resize_lanczos(images, 32, 32), expected.transpose(0, 2, 1))


def test_progress_reports_every_batch_and_finishes_at_total(monkeypatch):
    import mathdash.dedup.hashing as hashing

    monkeypatch.setattr(hashing, "_BATCH", 8)
    calls = []

    def record(done, total, message=""):
        calls.append((done, total))

    images = varied_images(20)
    hashes = hash_images(images, "dhash", progress=record)
    assert calls == [(8, 20), (16, 20), (20, 20)]
    np.testing.assert_array_equal(hashes, imagehash_values(images, "dhash"))


def test_hashing_distinct_pictures_once_gives_the_same_hashes():
    images = varied_images(60, seed=4)[np.random.default_rng(4).integers(0, 60, 200)]  # many copies
    for method in HASH_METHODS:
        np.testing.assert_array_equal(hash_distinct_images(images, method), hash_images(images, method))


def test_exact_digests_equal_only_for_identical_pixels():
    images = varied_images(12, seed=3)
    images[5] = images[2]
    nudged = images[7].copy()
    nudged[0, 0] ^= 1
    images[8] = nudged
    digests = exact_digests(images)
    assert digests.shape == (12,)
    assert digests[5] == digests[2]
    assert digests[8] != digests[7]
    assert len(np.unique(digests)) == 11


def test_hamming_distance_counts_differing_bits():
    a = np.array([0, 0b1011, 2**64 - 1], dtype=np.uint64)
    b = np.array([0, 0b0001, 0], dtype=np.uint64)
    np.testing.assert_array_equal(hamming_distance(a, b), [0, 2, 64])


def test_empty_input_gives_empty_outputs():
    empty = np.zeros((0, 45, 45), np.uint8)
    assert hash_images(empty).shape == (0,)
    assert exact_digests(empty).shape == (0,)


@pytest.mark.parametrize("method, hash_size", [("md5", 8), ("phash", 9), ("phash", 1), ("whash", 6)])
def test_bad_method_or_size_raises_config_error(method, hash_size):
    with pytest.raises(ConfigError):
        hash_images(varied_images(2), method, hash_size=hash_size)


def test_non_uint8_images_raise_dataset_error():
    with pytest.raises(DatasetError, match="uint8"):
        hash_images(np.zeros((2, 45, 45), np.float32))
