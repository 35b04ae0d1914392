"""Perceptual hashes (phash, dhash, ahash, whash) and exact pixel digests for a whole image array.

Each hash equals imagehash 4.3.2's for the same image, bit for bit, as an unsigned 64-bit integer
(the hex string imagehash prints, read as a number); the work is done in batches with numpy/scipy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from mathdash.dedup.resample import resize_lanczos
from mathdash.errors import ConfigError, DatasetError

HASH_METHODS = ("phash", "dhash", "ahash", "whash")
DEFAULT_METHOD = "phash"
MAX_HASH_SIZE = 8  # hash_size**2 bits must fit one uint64
_BATCH = 2048  # images per batch: small enough for the temporaries to stay in cache
_WORKERS = min(os.cpu_count() or 1, 4)  # threads hashing batches at once

Progress = Callable[..., None]


def hash_images(images: np.ndarray, method: str = DEFAULT_METHOD, hash_size: int = 8,
                progress: Progress | None = None) -> np.ndarray:
    """Perceptual hash of every image, identical to ``imagehash.<method>(Image.fromarray(img))``.

    Args:
        images: uint8 array (N, H, W), greyscale (the dataset's (N, 45, 45)).
        method: one of ``HASH_METHODS``; ``ahash`` is imagehash's ``average_hash``.
        hash_size: side of the hash grid, 2..8 (whash: 2, 4 or 8); 8 gives 64-bit hashes.
        progress: optional ``progress(done, total, message)``, called after each batch.

    Returns:
        uint64 array (N,): the hash bits, first bit most significant (``int(str(h), 16)``).

    Raises:
        ConfigError: unknown method or unsupported hash size.
        DatasetError: images not a uint8 (N, H, W) array.
    """
    hash_one_batch = _hash_function(method, hash_size)
    images = _check_images(images)
    hashes = np.zeros(len(images), dtype=np.uint64)

    def one_batch(start: int) -> int:
        stop = min(start + _BATCH, len(images))
        hashes[start:stop] = _pack_bits(hash_one_batch(images[start:stop], hash_size))
        return stop

    starts = range(0, len(images), _BATCH)
    with ThreadPoolExecutor(_WORKERS if len(starts) > 1 else 1) as pool:  # numpy releases the GIL
        for stop in pool.map(one_batch, starts):  # in order, as each batch is done
            if progress is not None:
                progress(stop, len(images), f"{method} hashes")
    return hashes


def hash_distinct_images(images: np.ndarray, method: str = DEFAULT_METHOD, digests: np.ndarray | None = None,
                         progress: Progress | None = None) -> np.ndarray:
    """``hash_images`` computed once per distinct picture and copied to its pixel-identical copies.

    Much faster on sets made mostly of exact copies (the Kaggle set); the result is the same.

    Args:
        images: uint8 array (N, H, W).
        method: one of ``HASH_METHODS``.
        digests: ``exact_digests(images)`` if already computed.
        progress: optional ``progress(done, total, message)``; total counts distinct pictures.

    Returns:
        uint64 array (N,).
    """
    digests = exact_digests(images) if digests is None else digests
    if digests.shape != (len(images),):
        raise DatasetError(f"digests must have shape ({len(images)},), got {digests.shape}")
    _, first_copy, copy_of = np.unique(digests, return_index=True, return_inverse=True)
    return hash_images(images[first_copy], method, progress=progress)[copy_of]


def exact_digests(images: np.ndarray) -> np.ndarray:
    """A 128-bit BLAKE2b digest of each image's decoded pixels: equal digests mean identical pixels.

    Args:
        images: uint8 array (N, H, W).

    Returns:
        bytes array (N,) of dtype ``S16``.
    """
    images = np.ascontiguousarray(_check_images(images))
    flat = images.reshape(len(images), images.shape[1] * images.shape[2])
    digests = [hashlib.blake2b(row.data, digest_size=16).digest() for row in flat]
    return np.array(digests, dtype="S16") if digests else np.zeros(0, dtype="S16")


def hamming_distance(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Number of differing bits between uint64 hashes, elementwise (broadcasting); int64 result."""
    xor = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.bitwise_count(xor).astype(np.int64)


def _hash_function(method: str, hash_size: int) -> Callable[[np.ndarray, int], np.ndarray]:
    if method not in _METHODS:
        raise ConfigError(f"unknown hash method {method!r}; choose one of {', '.join(HASH_METHODS)}")
    if not 2 <= hash_size <= MAX_HASH_SIZE:
        raise ConfigError(f"hash_size must be 2..{MAX_HASH_SIZE} (64-bit hashes), got {hash_size}")
    if method == "whash" and hash_size & (hash_size - 1):
        raise ConfigError(f"whash needs a power-of-two hash_size (2, 4, 8), got {hash_size}")
    return _METHODS[method]


def _check_images(images: np.ndarray) -> np.ndarray:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        described = f"{images.dtype} {images.shape}" if isinstance(images, np.ndarray) else type(images)
        raise DatasetError(f"images must be a uint8 array (N, H, W), got {described}")
    return images


def _pack_bits(bits: np.ndarray) -> np.ndarray:
    """bool (N, ...) -> uint64 (N,), the first bit most significant, as imagehash's hex reads."""
    flat = bits.reshape(len(bits), int(np.prod(bits.shape[1:])))
    padded = np.zeros((len(bits), 64), dtype=bool)
    padded[:, 64 - flat.shape[1]:] = flat
    return np.packbits(padded, axis=1).view(">u8").ravel().astype(np.uint64)


def _average_hash(images: np.ndarray, hash_size: int) -> np.ndarray:
    pixels = resize_lanczos(images, hash_size, hash_size)
    mean = pixels.reshape(len(pixels), -1).mean(axis=1)
    return pixels > mean[:, None, None]


def _difference_hash(images: np.ndarray, hash_size: int) -> np.ndarray:
    pixels = resize_lanczos(images, hash_size + 1, hash_size)
    return pixels[:, :, 1:] > pixels[:, :, :-1]


def _perceptual_hash(images: np.ndarray, hash_size: int) -> np.ndarray:
    import scipy.fftpack

    side = hash_size * 4  # imagehash's highfreq_factor
    pixels = resize_lanczos(images, side, side)
    # imagehash transforms columns, then rows; only the rows of the kept low frequencies need the
    # second transform (each 1-D transform is computed alone, so the values are the same).
    columns = scipy.fftpack.dct(pixels, axis=1)[:, :hash_size]
    low = scipy.fftpack.dct(columns, axis=2)[:, :, :hash_size].reshape(len(pixels), -1)
    return low > np.median(low, axis=1)[:, None]


def _wavelet_hash(images: np.ndarray, hash_size: int) -> np.ndarray:
    import pywt

    # imagehash's default image_scale: the largest power of two within the image's smaller side.
    scale = max(2 ** int(np.log2(min(images.shape[1:]))), hash_size)
    top_level = int(np.log2(scale))
    pixels = resize_lanczos(images, scale, scale) / 255.0
    coeffs = list(pywt.wavedec2(pixels, "haar", level=top_level, axes=(-2, -1)))
    coeffs[0] *= 0  # remove_max_haar_ll: drop the overall brightness
    pixels = pywt.waverec2(coeffs, "haar", axes=(-2, -1))
    low = pywt.wavedec2(pixels, "haar", level=top_level - int(np.log2(hash_size)), axes=(-2, -1))[0]
    low = low.reshape(len(pixels), -1)
    return low > np.median(low, axis=1)[:, None]


_METHODS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "phash": _perceptual_hash,
    "dhash": _difference_hash,
    "ahash": _average_hash,
    "whash": _wavelet_hash,
}
