"""Tests of the handwriting fonts the generator draws digits and letters from."""

import numpy as np
import pytest

from mathdash.errors import ArtifactError
from mathdash.synth import strokes
from mathdash.synth.strokes import FONTSETS, HAND_FONTS, class_prototypes, class_variants

SMALL_CAPITAL_FONTS = {font for font, (_, small, _) in HAND_FONTS.items() if not small}
SKETCHED_CAPITAL_FONTS = {font for font, (_, _, capital) in HAND_FONTS.items() if not capital}


def test_every_handwriting_font_is_installed_and_holds_every_digit():
    # scripts/test.sh installs packages.txt's fonts; the pack cannot be rebuilt without them
    for font, (path, _, _) in HAND_FONTS.items():
        assert (strokes._FONT_DIR / path).exists(), font
        assert all(strokes._has_glyph(strokes._FONT_DIR / path, digit) for digit in "0123456789"), font


def test_digits_letters_and_plain_symbols_get_the_handwriting_fonts_other_glyphs_do_not():
    assert strokes._hand_fonts_for("7") == list(HAND_FONTS)
    assert set(strokes._hand_fonts_for("a")) == set(HAND_FONTS) - SMALL_CAPITAL_FONTS  # no small capitals
    assert set(strokes._hand_fonts_for("A")) == set(HAND_FONTS) - SKETCHED_CAPITAL_FONTS
    assert SMALL_CAPITAL_FONTS and SKETCHED_CAPITAL_FONTS
    assert strokes._hand_fonts_for("(") == strokes._hand_fonts_for("lt") == list(HAND_FONTS)
    for glyph in ("-", "ascii_124", ",", "prime", "times", r"\alpha", "alpha", "ab", "é"):
        assert strokes._hand_fonts_for(glyph) == [], glyph
    assert {font for _, font, _ in class_variants("alpha")} == set(FONTSETS)  # Greek stays typeset
    # a class named by a word is written as its character: 'lt' as '<'
    assert {latex for latex, font, _ in class_variants("lt") if font in HAND_FONTS} == {"<"}
    # no italic typeset z (it curls like a '2'): upright ones and the handwriting fonts' z
    assert {latex for latex, font, _ in class_variants("z") if font in FONTSETS} == {r"\mathrm{z}"}


def test_a_digit_class_holds_one_prototype_per_typeset_font_and_per_handwriting_font():
    sources = [proto.source for proto in class_prototypes("4")]
    assert len(sources) == len(set(sources)) == len(FONTSETS) + len(HAND_FONTS)
    assert {source.split(":")[0] for source in sources} == set(FONTSETS) | set(HAND_FONTS)


def test_a_handwriting_prototype_is_a_normalised_centre_line_with_its_parts():
    proto = strokes._prototype("i", "comicneue", "i", "small")
    assert proto.source == "comicneue:i" and proto.case == "small"
    assert proto.num_components == 2  # the stem and the dot
    extent = proto.points.max(axis=0) - proto.points.min(axis=0)
    assert extent.max() == pytest.approx(1.0, abs=1e-6)
    assert extent[1] > 2 * extent[0]  # tall and thin
    assert np.abs((proto.points.max(axis=0) + proto.points.min(axis=0)) / 2).max() < 1e-6


def test_a_glyph_the_font_lacks_gives_no_prototype():
    assert strokes._write("ж", "humorsans", 48) is None


def test_a_missing_font_says_which_packages_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(strokes, "_FONT_DIR", tmp_path)
    with pytest.raises(ArtifactError, match="packages.txt"):
        strokes._prototype("2", "breip", "2", "")
