"""Decoding single files: every image mode and format, bad files with their reasons, resizing."""

import io

import numpy as np
import pytest
from PIL import Image

from mathdash.loaders.images import MAX_PIXELS, UnreadableImage, decode_bytes, decode_file
from mathdash.loaders.resize import as_uint8_pixels, fit_whole, is_white_on_black


def l_shape(size=(45, 45)) -> np.ndarray:
    """Dark 'L' on white: a vertical bar on the left and a foot along the bottom (asymmetric)."""
    height, width = size
    image = np.full(size, 255, dtype=np.uint8)
    image[height // 5:height * 4 // 5, width // 5:width // 5 + 4] = 0
    image[height * 4 // 5 - 4:height * 4 // 5, width // 5:width * 3 // 5] = 0
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


LOSSLESS = [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("GIF", {}), ("WEBP", {"lossless": True})]


@pytest.mark.parametrize("fmt,options", LOSSLESS)
def test_grayscale_lossless_formats_keep_exact_pixels(fmt, options):
    decoded = decode_bytes(encode(Image.fromarray(l_shape()), fmt, **options))
    np.testing.assert_array_equal(decoded.pixels, l_shape())
    assert decoded.original_size == (45, 45) and not decoded.inverted


def test_jpeg_fast_path_matches_pillow_exactly_for_grayscale():
    data = encode(Image.fromarray(l_shape()), "JPEG", quality=90)
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    np.testing.assert_array_equal(decode_bytes(data).pixels, expected)


def test_rgb_jpeg_and_png_decode_to_the_luma():
    rgb = np.stack([l_shape()] * 3, axis=-1)
    rgb[0, 0] = (255, 0, 0)  # a red corner pixel: luma 76
    assert decode_bytes(encode(Image.fromarray(rgb), "PNG")).pixels[0, 0] == 76
    jpeg = decode_bytes(encode(Image.fromarray(rgb), "JPEG", quality=95)).pixels
    assert np.abs(jpeg[5:, 5:].astype(int) - l_shape()[5:, 5:]).max() < 60


@pytest.mark.parametrize("mode,fmt,options", [
    ("RGBA", "PNG", {}), ("LA", "PNG", {}), ("RGBA", "TIFF", {}), ("RGBA", "WEBP", {"lossless": True}),
])
def test_transparency_is_composited_onto_white(mode, fmt, options):
    rgba = np.zeros((45, 45, 4), dtype=np.uint8)  # transparent black paper ...
    rgba[..., 3] = np.where(l_shape() == 0, 255, 0)  # ... opaque black ink
    image = Image.fromarray(rgba, "RGBA").convert(mode)
    decoded = decode_bytes(encode(image, fmt, **options))
    np.testing.assert_array_equal(decoded.pixels, l_shape())
    assert not decoded.inverted


def test_palette_with_transparent_index_is_white():
    indices = np.where(l_shape() == 0, 1, 0).astype(np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)  # both entries black; index 0 transparent
    decoded = decode_bytes(encode(image, "PNG", transparency=0))
    np.testing.assert_array_equal(decoded.pixels, l_shape())


def test_palette_without_transparency():
    image = Image.fromarray(l_shape()).convert("P")
    np.testing.assert_array_equal(decode_bytes(encode(image, "GIF")).pixels, l_shape())


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF"])
def test_one_bit_images(fmt):
    image = Image.fromarray(l_shape()).convert("1")
    np.testing.assert_array_equal(decode_bytes(encode(image, fmt)).pixels, l_shape())


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_full_range_scales_to_eight_bits(fmt):
    wide = (l_shape().astype(np.uint16) * 257)  # 0 -> 0, 255 -> 65535
    image = Image.fromarray(wide)
    assert image.mode.startswith("I;16")
    np.testing.assert_array_equal(decode_bytes(encode(image, fmt)).pixels, l_shape())


def test_twelve_bit_data_in_sixteen_bits_uses_its_bit_depth():
    wide = np.where(l_shape() == 0, 0, 4095).astype(np.uint16)
    np.testing.assert_array_equal(decode_bytes(encode(Image.fromarray(wide), "PNG")).pixels, l_shape())


def test_int32_and_float_tiff():
    as_int = Image.fromarray(l_shape().astype(np.int32))
    assert as_int.mode == "I"
    np.testing.assert_array_equal(decode_bytes(encode(as_int, "TIFF")).pixels, l_shape())
    as_float = Image.fromarray(l_shape().astype(np.float32) / 255.0)
    assert as_float.mode == "F"
    np.testing.assert_array_equal(decode_bytes(encode(as_float, "TIFF")).pixels, l_shape())


@pytest.mark.parametrize("fmt", ["TIFF", "JPEG"])
def test_cmyk(fmt):
    image = Image.fromarray(l_shape()).convert("CMYK")
    pixels = decode_bytes(encode(image, fmt, **({"quality": 95} if fmt == "JPEG" else {}))).pixels
    assert np.abs(pixels.astype(int) - l_shape()).max() <= (0 if fmt == "TIFF" else 80)
    assert pixels[l_shape() == 0].mean() < 60 and pixels[l_shape() == 255].mean() > 200


def test_animated_gif_gives_the_first_frame():
    first = Image.fromarray(l_shape())
    second = Image.fromarray(np.full((45, 45), 255, np.uint8))
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    np.testing.assert_array_equal(decode_bytes(data).pixels, l_shape())


def test_white_on_black_is_inverted():
    decoded = decode_bytes(encode(Image.fromarray(255 - l_shape()), "PNG"))
    assert decoded.inverted
    np.testing.assert_array_equal(decoded.pixels, l_shape())


def test_other_sizes_are_scaled_whole_keeping_aspect():
    wide = np.full((30, 90), 255, np.uint8)
    wide[1:-1, 1:-1] = 0  # ink everywhere but a one-pixel white frame
    decoded = decode_bytes(encode(Image.fromarray(wide), "PNG"))
    assert decoded.original_size == (30, 90)
    pixels = decoded.pixels
    assert (pixels[:15] == 255).all() and (pixels[30:] == 255).all()  # 45x15 band, centred
    assert (pixels[17:28, 2:43] < 30).all()


def test_small_images_are_enlarged_smoothly():
    small = l_shape((28, 28))
    pixels = decode_bytes(encode(Image.fromarray(small), "PNG")).pixels
    assert pixels.shape == (45, 45)
    assert len(np.unique(pixels)) > 2  # interpolated grey edges, not blocky copies
    assert pixels[:, :22].mean() < pixels[:, 23:].mean()  # the bar stays on the left


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(UnreadableImage, match="empty file"):
        decode_file(str(path))


def test_truncated_jpeg():
    data = encode(Image.fromarray(l_shape()), "JPEG", quality=90)
    with pytest.raises(UnreadableImage, match="truncated"):
        decode_bytes(data[: len(data) // 2])


def test_text_with_an_image_extension(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image at all")
    with pytest.raises(UnreadableImage, match="not an image"):
        decode_file(str(path))


def test_decompression_bomb_is_refused_before_decoding():
    huge = Image.new("1", (5000, 5000), 1)  # 25 M pixels, a few kB as PNG
    data = encode(huge, "PNG")
    assert len(data) < 100_000 and 5000 * 5000 > MAX_PIXELS
    with pytest.raises(UnreadableImage, match="decompression bomb"):
        decode_bytes(data)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableImage, match="cannot read"):
        decode_file(str(tmp_path / "absent.png"))


def test_fit_whole_batch_equals_one_by_one():
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    together = fit_whole(batch)
    alone = np.stack([fit_whole(image[None])[0] for image in batch])
    np.testing.assert_array_equal(together, alone)
    assert together.shape == (7, 45, 45)


def test_polarity_and_pixel_scaling_helpers():
    assert is_white_on_black(255 - l_shape()) and not is_white_on_black(l_shape())
    np.testing.assert_array_equal(as_uint8_pixels(np.array([[0, 1]], dtype=np.uint8)), [[0, 255]])
    np.testing.assert_array_equal(as_uint8_pixels(np.array([0.0, 0.5, 1.0])), [0, 128, 255])
