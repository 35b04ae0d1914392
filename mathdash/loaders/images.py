"""Safe decoding of one image file into the dataset's form: 45x45 grayscale, ink dark on white.

Every failure becomes an ``UnreadableImage`` carrying a reason for the load report; nothing here
lets one bad file stop a load.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.loaders.resize import fit_whole, is_white_on_black

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
)
_IMAGE_SUFFIXES = tuple(IMAGE_EXTENSIONS)
MAX_PIXELS = 4096 * 4096  # larger images are refused as possible decompression bombs
MAX_FILE_BYTES = 64 * 2**20  # no symbol image needs more; bigger files are refused unread

_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended, progressive Huffman frames


class UnreadableImage(Exception):
    """One file could not be decoded; ``str(error)`` is the reason shown in the load report."""


class DecodedImage(NamedTuple):
    """One decoded image.

    Attributes:
        pixels: uint8 array (45, 45), ink dark on white.
        original_size: (height, width) of the image before conversion.
        inverted: True when the source was white ink on black and was inverted.
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    inverted: bool


def is_image_name(name: str) -> bool:
    """True when a file name has one of the image extensions the loaders read."""
    return name.lower().endswith(_IMAGE_SUFFIXES)


def decode_file(path: str) -> DecodedImage:
    """Read and decode one image file.

    Args:
        path: the file to read.

    Returns:
        The decoded image (see ``DecodedImage``).

    Raises:
        UnreadableImage: with a reason, for any file that cannot be used.
    """
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise UnreadableImage(f"file is over {MAX_FILE_BYTES // 2**20} MB")
            data = handle.read()
    except OSError as error:
        raise UnreadableImage(f"cannot read file: {error.strerror or error}") from None
    return decode_bytes(data)


def decode_bytes(data: bytes) -> DecodedImage:
    """Decode an encoded image (any format Pillow reads) into a 45x45 dataset image.

    Images already 45x45 keep their exact pixels; other sizes are scaled whole, aspect kept,
    onto white. White-on-black images are inverted; transparency is composited onto white.

    Raises:
        UnreadableImage: empty data, not an image, too many pixels, truncated or corrupt.
    """
    if not data:
        raise UnreadableImage("empty file (0 bytes)")
    gray = _decode_jpeg_fast(data)
    if gray is None:
        gray = _decode_with_pillow(data)
    return to_dataset_image(gray)


def to_dataset_image(gray: np.ndarray) -> DecodedImage:
    """Convert one grayscale uint8 array (H, W) of any polarity into a 45x45 dataset image."""
    height, width = gray.shape
    inverted = is_white_on_black(gray)
    if inverted:
        gray = PAPER - gray
    if (height, width) != (IMAGE_SIZE, IMAGE_SIZE):
        gray = fit_whole(gray[None])[0]
    return DecodedImage(np.ascontiguousarray(gray, dtype=np.uint8), (height, width), inverted)


def _decode_jpeg_fast(data: bytes) -> np.ndarray | None:
    """Decode a complete, plain 8-bit grayscale or YCbCr JPEG with OpenCV (4x Pillow's speed).

    Returns None for anything unusual (truncated, CMYK, oversized, odd markers) so that Pillow
    decodes it and, on failure, gives the precise reason.
    """
    header = _jpeg_header(data)
    if header is None:
        return None
    height, width, components = header
    if components not in (1, 3) or not 0 < height * width <= MAX_PIXELS:
        return None
    if not (data.endswith(b"\xff\xd9") or data.rstrip(b"\x00").endswith(b"\xff\xd9")):
        return None  # no end-of-image marker: probably truncated, let Pillow say so
    # the stored pixels, like Pillow gives them: no rotation by an EXIF orientation tag
    flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if gray is None or gray.shape != (height, width):
        return None
    return gray


def _jpeg_header(data: bytes) -> tuple[int, int, int] | None:
    """(height, width, components) from a JPEG's frame header, or None if not a plain JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in _JPEG_SOF:
            precision = data[pos + 4]
            height = int.from_bytes(data[pos + 5:pos + 7], "big")
            width = int.from_bytes(data[pos + 7:pos + 9], "big")
            return (height, width, data[pos + 9]) if precision == 8 else None
        if marker == 0xDA or length < 2:
            return None  # scan data before any frame header: not a JPEG we take fast
        pos += 2 + length
    return None


def _decode_with_pillow(data: bytes) -> np.ndarray:
    """Decode with Pillow into grayscale uint8 (H, W); every failure becomes UnreadableImage."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                _check_pixels(image.size)
                return _to_gray(image)
        except UnreadableImage:
            raise
        except UnidentifiedImageError:
            raise UnreadableImage("not an image (format not recognised)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise UnreadableImage(f"refused as a decompression bomb: {error}") from None
        except Exception as error:  # noqa: BLE001 - decoders raise many types; each is reported per file
            message = str(error) or type(error).__name__
            raise UnreadableImage(f"truncated or corrupt image: {message}") from None


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise UnreadableImage(
            f"image is {width}x{height}, over the {MAX_PIXELS:,}-pixel limit (possible decompression bomb)"
        )
    if width == 0 or height == 0:
        raise UnreadableImage(f"image has no pixels ({width}x{height})")


def _to_gray(image: Image.Image) -> np.ndarray:
    """Grayscale uint8 (H, W) of the first frame; alpha composited onto white paper."""
    image.seek(0)
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        return _wide_to_uint8(np.asarray(image))
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (PAPER, PAPER, PAPER, 255))
        return np.asarray(Image.alpha_composite(paper, rgba).convert("L"))
    if mode in ("1", "L", "P"):
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB").convert("L"))


def _wide_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map 16-bit, 32-bit integer or float pixels onto 0..255.

    Floats within 0..1 are fractions of white; integers over 255 are scaled by the bit depth
    their maximum needs (65535 -> 255 for full 16-bit data, 4095 -> 255 for 12-bit data).
    """
    is_float = np.issubdtype(values.dtype, np.floating)
    values = values.astype(np.float64)
    if values.ndim == 3:
        values = values.mean(axis=2)
    low, top = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if is_float and low >= 0.0 and 0.0 < top <= 1.0:
        values = values * 255.0
    elif top > 255:
        bits = int(np.ceil(np.log2(top + 1)))
        values = values * (255.0 / (2**bits - 1))
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
