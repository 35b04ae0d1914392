"""Pen-stroke prototypes: every class typeset in several fonts and thinned to centre lines.

A prototype is the skeleton of one typeset glyph as a cloud of points, so a sample can be warped
and redrawn with any pen, which is what makes the printed shapes read as handwriting. Digits and
letters are also written in handwriting fonts (``HAND_FONTS``), for the forms people write and
type does not have.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from mathdash.errors import ArtifactError
from mathdash.symbols import KAGGLE_CLASSES, LETTER_CLASSES, symbol
from mathdash.synth.cases import CAPITAL, CAPITAL_SHARE, SMALL, capital_share

SANS = ("dejavusans", "stixsans")
SERIF = ("dejavuserif", "cm", "stix")
FONTSETS = SANS + SERIF
_FONT_DIR = Path("/usr/share/fonts")
# Handwriting fonts (Debian packages, listed in packages.txt) for digits and letters, as people
# write them rather than as type: a single-storey 'a', an open '4', a plain '1'. Each maps to its
# file and to whether its small letters and its capitals are usable (some fonts have small
# capitals for small letters; some sketch capitals with doubled strokes that thin to two lines).
HAND_FONTS: dict[str, tuple[str, bool, bool]] = {
    "humorsans": ("truetype/humor-sans/Humor-Sans.ttf", False, True),
    "comicneue": ("opentype/comic-neue/ComicNeue-Regular.otf", True, True),
    "comicneueit": ("opentype/comic-neue/ComicNeue-Italic.otf", True, True),
    "dkg": ("truetype/fifthhorseman/dkg.ttf", True, False),
    "breip": ("truetype/breip/Breip.ttf", True, True),
    "klee": ("truetype/klee/KleeOne-Regular.ttf", True, True),
    "becausewelearn": ("opentype/bwht/BecauseWeLearn-Regular.otf", False, True),
    "becauseweorganize": ("opentype/bwht/BecauseWeOrganize-Regular.otf", False, True),
    "rufscript": ("truetype/rufscript/Rufscript010.ttf", True, True),
    "delphine": ("truetype/sjfonts/Delphine.ttf", True, True),
    "stevehand": ("truetype/sjfonts/SteveHand.ttf", True, True),
    "yuseimagic": ("truetype/yusei-magic/YuseiMagic-Regular.ttf", True, True),
    "seto": ("truetype/seto/setofont.ttf", True, True),
    "dancingscript": ("opentype/dancingscript/DancingScript-Regular.otf", True, True),
}
_HAND_SMALL = tuple(font for font, (_, small, _) in HAND_FONTS.items() if small)
# Other classes whose handwritten form is one plain character: brackets and simple operators.
_HAND_SYMBOLS = {"(": "(", ")": ")", "[": "[", "]": "]", "{": "{", "}": "}", "+": "+", "=": "=",
                 "lt": "<", "gt": ">", "!": "!", "forward_slash": "/"}
_TARGET_SIDE = 160  # prototype ink's longer side in pixels: fine enough that redrawn points touch
# Skeleton branches shorter than this share of the long side are serifs or corner spurs.
_SPUR_FRACTION = {font: 0.12 if font in SERIF else 0.08 for font in (*FONTSETS, *HAND_FONTS)}
_FOOT_FRACTION = 0.3  # a handwritten '1' or 'i' rarely has a foot: its foot branches go
_FOOTLESS = {"1", "i"}
# A comma's round head and a prime's wedge are what set them apart from ')' and '/': their
# thickest part is kept filled, not thinned.
_BLOBBY = {",": 0.7, "prime": 0.45}  # class -> share of the deepest ink depth kept filled

# Glyphs whose default LaTeX would be ambiguous in handwriting get their own variants, as
# (latex, fontsets) pairs; letters are keyed by the form (``x``, not the class ``X``): a plain bar
# 'l' would be a '|', a roman x a 'times'.
_VARIANTS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "l": [(r"\ell", FONTSETS), ("l", ("cm", "stix", "dejavuserif"))],
    # A written x is two crossing strokes, like a 'times': the handwriting fonts' x are too.
    "x": [("x", SERIF + _HAND_SMALL)],
    # An italic z curls at the foot like a written '2'; a written z is three straight strokes.
    "z": [(r"\mathrm{z}", FONTSETS), ("z", _HAND_SMALL)],
    # A written g has one loop; the STIX g and the roman serif ones have two, like an '8'.
    "g": [("g", ("dejavusans", "dejavuserif", "cm", *_HAND_SMALL)), (r"\mathrm{g}", ("dejavusans",))],
    "sqrt": [(r"\sqrt{\quad}", FONTSETS)],  # the catalogue's empty \sqrt{} does not typeset
    # An italic 'i' ends in a hook much like a 'j'; a written 'i' is a plain stroke, a 'j' hooks.
    "i": [(r"\mathrm{i}", FONTSETS), ("i", _HAND_SMALL)],
    "j": [("j", SERIF + _HAND_SMALL), (r"\mathrm{j}", FONTSETS)],
    ",": [(",", ("stixsans", "cm", "stix"))],  # the DejaVu commas are straight wedges, like a prime
}


@dataclass(frozen=True)
class Prototype:
    """The centre line of one typeset glyph.

    Attributes:
        points: float32 array (M, 2) of (x, y) centre-line points; the ink box is centred on the
            origin and its longer side is 1.
        components: int32 array (M,), the connected ink part each point belongs to (0..K-1), so
            the parts of '=' or 'i' can be placed a little differently in each sample.
        source: "<fontset>:<latex>" the prototype was typeset from.
        size: the ink's longer side in em (font size) units: small marks such as ',' are written
            with a pen that looks thick once the image is scaled up to fill the frame.
        case: ``"capital"`` or ``"small"``, the form of a letter class it shows; ``""`` for
            classes that are not letters.
    """

    points: np.ndarray
    components: np.ndarray
    source: str
    size: float
    case: str = ""

    @property
    def num_components(self) -> int:
        return int(self.components.max()) + 1 if self.components.size else 0


def class_variants(name: str) -> list[tuple[str, str, str]]:
    """(latex, fontset, case) triples a class is typeset from, e.g. ``[("\\alpha", "cm", ""), ...]``.

    A letter class is typeset in its small form (``"small"``, e.g. ``x`` for ``X``) and, where
    ``capital_share`` draws any, its capital form (``"capital"``); other classes have case ``""``.
    """
    if name not in CAPITAL_SHARE:
        return [(latex, font, "") for latex, font in _glyph_variants(name, symbol(name).latex)]
    forms = [(name.lower(), SMALL)]
    if capital_share(name) > 0:
        forms.append((name.upper(), CAPITAL))
    return [(latex, font, case) for letter, case in forms
            for latex, font in _glyph_variants(letter, letter)]


def _glyph_variants(key: str, latex: str) -> list[tuple[str, str]]:
    """(latex, fontset) pairs of one glyph: its own variants, else every font (letters also upright,
    as they are written upright as often as slanted), then each handwriting font that writes it
    (for those the pair is the plain character and the font's ``HAND_FONTS`` key)."""
    if key in _VARIANTS:
        return [(variant, font) for variant, fonts in _VARIANTS[key] for font in fonts]
    pairs = [(latex, font) for font in FONTSETS]
    if key in LETTER_CLASSES:
        pairs += [(rf"\mathrm{{{latex}}}", font) for font in FONTSETS]
    return pairs + [(_HAND_SYMBOLS.get(key, key), font) for font in _hand_fonts_for(key)]


def _hand_fonts_for(key: str) -> list[str]:
    """The handwriting fonts a digit, a letter form or a plain symbol (``_HAND_SYMBOLS``) is also
    drawn from; none for other glyphs."""
    if key in _HAND_SYMBOLS:
        return list(HAND_FONTS)
    if len(key) != 1 or not key.isalnum() or not key.isascii():
        return []
    return [font for font, (_, small, capital) in HAND_FONTS.items()
            if (small if key.islower() else capital if key.isupper() else True)]


_CACHE: dict[str, tuple[Prototype, ...]] = {}


def class_prototypes(name: str) -> tuple[Prototype, ...]:
    """All prototypes of one class (typeset once per process, then cached).

    Raises:
        KeyError: the name is not one of the 82 catalogue classes.
    """
    if name not in _CACHE:
        if name not in KAGGLE_CLASSES:
            raise KeyError(f"unknown class {name!r}; expected one of the 82 Kaggle class names")
        protos = [_prototype(latex, font, name, case) for latex, font, case in class_variants(name)]
        _CACHE[name] = tuple(p for p in protos if p is not None)
    return _CACHE[name]


def all_prototypes() -> dict[str, tuple[Prototype, ...]]:
    """Prototypes of all 82 classes (about 10 s the first time in a process)."""
    return {name: class_prototypes(name) for name in KAGGLE_CLASSES}


def install_prototypes(prototypes: dict[str, tuple[Prototype, ...]]) -> None:
    """Seed this process's cache, e.g. in a worker process, so it need not typeset again."""
    _CACHE.update(prototypes)


def _prototype(latex: str, fontset: str, name: str, case: str) -> Prototype | None:
    em = 48
    ink = _typeset(latex, fontset, size=em)
    if ink is None:
        return None
    rows, cols = np.nonzero(ink)
    side = max(np.ptp(rows), np.ptp(cols)) + 1
    ink = _typeset(latex, fontset, size=em * _TARGET_SIDE / side)
    skeleton = _prune_spurs(_skeletonize(ink), round(_SPUR_FRACTION[fontset] * _TARGET_SIDE))
    if name in _FOOTLESS:
        skeleton = _prune_spurs(skeleton, round(_FOOT_FRACTION * _TARGET_SIDE), lowest=0.25)
    parts, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    skeleton |= _dot_cores(ink, parts, skeleton)
    if name in _BLOBBY:
        depth = ndimage.distance_transform_edt(ink)
        skeleton |= depth >= _BLOBBY[name] * depth.max()
    ys, xs = np.nonzero(skeleton)
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    low, high = points.min(axis=0), points.max(axis=0)
    points = (points - (low + high) / 2) / max(float((high - low).max()), 1.0)
    _, components = np.unique(parts[ys, xs], return_inverse=True)
    return Prototype(points, components.astype(np.int32), f"{fontset}:{latex}", side / em, case)


def _typeset(latex: str, fontset: str, size: float) -> np.ndarray | None:
    """Boolean ink mask (H, W) of ``$latex$`` typeset by matplotlib's mathtext (or of one character
    in a handwriting font), or None if blank."""
    if fontset in HAND_FONTS:
        return _write(latex, fontset, size)
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buffer = io.BytesIO()
    prop = FontProperties(size=size, math_fontfamily=fontset)
    mathtext.math_to_image(f"${latex}$", buffer, prop=prop, dpi=72, format="png")
    gray = np.asarray(Image.open(buffer).convert("L"))
    ink = np.pad(gray < 128, 2)
    return ink if ink.any() else None


def _write(char: str, font: str, size: float) -> np.ndarray | None:
    """Boolean ink mask of one character in a handwriting font; None if the font lacks the character.

    Raises:
        ArtifactError: the font file is not installed.
    """
    from PIL import ImageDraw, ImageFont

    path = _FONT_DIR / HAND_FONTS[font][0]
    if not path.exists():
        raise ArtifactError(f"handwriting font {path} is missing: install the Debian fonts in packages.txt "
                            "(scripts/test.sh does)")
    if not _has_glyph(path, char):
        return None
    face = ImageFont.truetype(str(path), max(int(round(size)), 8))
    left, top, right, bottom = face.getbbox(char)
    canvas = Image.new("L", (right - left + 8, bottom - top + 8), 255)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), char, font=face, fill=0)
    ink = np.pad(np.asarray(canvas) < 128, 2)
    return ink if ink.any() else None


def _has_glyph(path: Path, char: str) -> bool:
    return ord(char) in _code_points(path)


@functools.lru_cache(maxsize=None)
def _code_points(path: Path) -> frozenset[int]:
    """The characters a font file maps to glyphs (read once per file and process)."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(path), lazy=True).getBestCmap())


def _skeletonize(ink: np.ndarray) -> np.ndarray:
    from skimage.morphology import skeletonize

    skeleton = skeletonize(ink)
    # A dot thins to a single pixel; keep at least that for every part of the glyph.
    parts, count = ndimage.label(ink, structure=np.ones((3, 3)))
    covered = set(np.unique(parts[skeleton]))
    for part in range(1, count + 1):
        if part not in covered:
            ys, xs = np.nonzero(parts == part)
            skeleton[int(ys.mean()), int(xs.mean())] = True
    return skeleton


def _dot_cores(ink: np.ndarray, parts: np.ndarray, skeleton: np.ndarray) -> np.ndarray:
    """The inner half of every dot (a part that thins to a few pixels), so dots stay round blobs."""
    cores = np.zeros_like(skeleton)
    depth = ndimage.distance_transform_edt(ink)
    for index, box in enumerate(ndimage.find_objects(parts), start=1):
        own = parts[box] == index
        if np.count_nonzero(skeleton[box] & own) <= 0.05 * _TARGET_SIDE:
            cores[box] |= own & (depth[box] >= 0.5 * depth[box][own].max())
    return cores


def _prune_spurs(skeleton: np.ndarray, max_length: int, lowest: float = 1.0) -> np.ndarray:
    """Remove branches that run from an end point to a junction in fewer than max_length pixels.

    Only branches whose end point lies in the bottom ``lowest`` share of the skeleton count.
    """
    skeleton = skeleton.copy()
    padded = np.pad(skeleton, 1)
    ends = [(y, x) for y, x in zip(*np.nonzero(skeleton)) if _branches(padded, y + 1, x + 1) == 1]
    # Find every spur on the intact skeleton first: removing one foot of a '1' must not turn
    # its junction into a plain line point and hide the other foot.
    rows = np.flatnonzero(skeleton.any(axis=1))
    floor = rows[-1] - lowest * (rows[-1] - rows[0])
    spurs = [_walk_to_junction(skeleton, (int(y), int(x)), max_length) for y, x in ends if y >= floor]
    for path in spurs:
        for py, px in path or ():
            skeleton[py, px] = False
    return skeleton


_RING = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]


def _branches(skeleton: np.ndarray, y: int, x: int) -> int:
    """Number of separate skeleton runs around a pixel: 1 at an end, 2 on a line, 3+ at a junction."""
    ring = [bool(skeleton[y + dy, x + dx]) for dy, dx in _RING]
    return sum(1 for i in range(8) if ring[i] and not ring[i - 1])


def _walk_to_junction(skeleton: np.ndarray, start: tuple[int, int],
                      max_length: int) -> list[tuple[int, int]] | None:
    """Pixels from an end point up to (not including) the first junction; None if too long."""
    path, current = [], start
    seen = {start}
    while len(path) <= max_length:
        y, x = current
        if path and _branches(skeleton, y, x) >= 3:
            return path  # reached a junction: the branch before it is a spur
        path.append(current)
        step = [(y + dy, x + dx) for dy, dx in _RING
                if skeleton[y + dy, x + dx] and (y + dy, x + dx) not in seen]
        if not step:
            return None  # an isolated stroke (a dot, a short bar): never a spur
        step.sort(key=lambda p: abs(p[0] - y) + abs(p[1] - x))  # prefer the 4-connected step
        current = step[0]
        seen.add(current)
    return None
