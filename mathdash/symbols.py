"""The class catalogue: Kaggle folder names, their LaTeX commands and display glyphs.

Every page and command shows classes through this catalogue, never as raw folder names alone.
Kaggle's letter folders hold both cases (its archive merged folders whose names differ only in
case: ``X`` is mostly a written ``x``), so a letter class shows both, ``x / X``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbol:
    """One class of handwritten symbol.

    Attributes:
        name: folder name in the Kaggle "Handwritten math symbols" layout (e.g. ``ascii_124``).
        latex: LaTeX that typesets the symbol (e.g. ``|``, ``\\geq``, ``\\sin``).
        glyph: short Unicode rendering for labels and chart axes (e.g. ``≥``).
    """

    name: str
    latex: str
    glyph: str

    @property
    def label(self) -> str:
        """``glyph (name)`` where the two differ, else the name: the text charts use."""
        return self.name if self.glyph == self.name else f"{self.glyph} ({self.name})"


def _same(*names: str) -> list[tuple[str, str, str]]:
    return [(n, n, n) for n in names]


# Kaggle folder name, LaTeX, glyph; in the order the Kaggle archive lists its folders.
_CATALOGUE: list[tuple[str, str, str]] = [
    *_same("!", "(", ")", "+", ",", "-"),
    *_same(*"0123456789"),
    ("=", "=", "="),
    ("A", "A", "A"),
    ("alpha", r"\alpha", "α"),
    ("ascii_124", "|", "|"),
    ("b", "b", "b"),
    ("beta", r"\beta", "β"),
    ("C", "C", "C"),
    ("cos", r"\cos", "cos"),
    ("d", "d", "d"),
    ("Delta", r"\Delta", "Δ"),
    ("div", r"\div", "÷"),
    ("e", "e", "e"),
    ("exists", r"\exists", "∃"),
    ("f", "f", "f"),
    ("forall", r"\forall", "∀"),
    ("forward_slash", "/", "/"),
    ("G", "G", "G"),
    ("gamma", r"\gamma", "γ"),
    ("geq", r"\geq", "≥"),
    ("gt", ">", ">"),
    ("H", "H", "H"),
    ("i", "i", "i"),
    ("in", r"\in", "∈"),
    ("infty", r"\infty", "∞"),
    ("int", r"\int", "∫"),
    ("j", "j", "j"),
    ("k", "k", "k"),
    ("l", "l", "l"),
    ("lambda", r"\lambda", "λ"),
    ("ldots", r"\ldots", "…"),
    ("leq", r"\leq", "≤"),
    ("lim", r"\lim", "lim"),
    ("log", r"\log", "log"),
    ("lt", "<", "<"),
    ("M", "M", "M"),
    ("mu", r"\mu", "μ"),
    ("N", "N", "N"),
    ("neq", r"\neq", "≠"),
    ("o", "o", "o"),
    ("p", "p", "p"),
    ("phi", r"\phi", "φ"),
    ("pi", r"\pi", "π"),
    ("pm", r"\pm", "±"),
    ("prime", r"\prime", "′"),
    ("q", "q", "q"),
    ("R", "R", "R"),
    ("rightarrow", r"\rightarrow", "→"),
    ("S", "S", "S"),
    ("sigma", r"\sigma", "σ"),
    ("sin", r"\sin", "sin"),
    ("sqrt", r"\sqrt{}", "√"),
    ("sum", r"\sum", "∑"),
    ("T", "T", "T"),
    ("tan", r"\tan", "tan"),
    ("theta", r"\theta", "θ"),
    ("times", r"\times", "×"),
    ("u", "u", "u"),
    ("v", "v", "v"),
    ("w", "w", "w"),
    ("X", "X", "X"),
    ("y", "y", "y"),
    ("z", "z", "z"),
    ("[", "[", "["),
    ("]", "]", "]"),
    ("{", r"\{", "{"),
    ("}", r"\}", "}"),
]



def _both_cases(name: str, glyph: str) -> str:
    """``x / X`` for a one-letter folder: the class holds the letter in either case."""
    return f"{name.lower()} / {name.upper()}" if len(name) == 1 and name.isalpha() else glyph


SYMBOLS: dict[str, Symbol] = {
    name: Symbol(name, latex, _both_cases(name, glyph)) for name, latex, glyph in _CATALOGUE
}
KAGGLE_CLASSES: list[str] = [name for name, _, _ in _CATALOGUE]
LETTER_CLASSES: dict[str, str] = {  # either case of a letter -> its one Kaggle folder
    case: name for name in KAGGLE_CLASSES if len(name) == 1 and name.isalpha()
    for case in (name.lower(), name.upper())
}
_BY_LATEX: dict[str, str] = {s.latex: s.name for s in SYMBOLS.values()}
_BY_LATEX.update({r"\sqrt": "sqrt", "'": "prime", r"\mid": "ascii_124", r"\vert": "ascii_124",
                  r"\to": "rightarrow", r"\ge": "geq", r"\le": "leq", r"\ne": "neq",
                  "<": "lt", ">": "gt", r"\lbrace": "{", r"\rbrace": "}", r"\infin": "infty",
                  r"\varphi": "phi", r"\sum": "sum", r"\dots": "ldots", r"\lt": "lt", r"\gt": "gt"})
_BY_CHAR: dict[str, str] = {s.glyph: s.name for s in SYMBOLS.values() if len(s.glyph) == 1}
_BY_CHAR.update({name: name for name in LETTER_CLASSES.values()})
_BY_CHAR.update({"|": "ascii_124", "/": "forward_slash", "<": "lt", ">": "gt"})


def symbol(name: str) -> Symbol:
    """The catalogue entry for a class name; a name outside the catalogue renders as itself.

    Datasets other than Kaggle's (EMNIST, HASYv2, a user's folders) have classes the catalogue
    lacks; they still get a Symbol so every page can label them uniformly.
    """
    found = SYMBOLS.get(name)
    if found is not None:
        return found
    return Symbol(name, name, name)


def label(name: str) -> str:
    """Chart label for a class name, e.g. ``≥ (geq)``."""
    return symbol(name).label


def name_from_latex(latex: str) -> str:
    """Catalogue name for a LaTeX command (HASYv2 labels), or the command itself if unknown.

    >>> name_from_latex(r"\\alpha")
    'alpha'
    """
    latex = latex.strip()
    if latex in _BY_LATEX:
        return _BY_LATEX[latex]
    if len(latex) == 1:
        return name_from_char(latex)
    return latex


def name_from_char(char: str) -> str:
    """Catalogue name for one character (EMNIST's mapping), e.g. ``'|'`` -> ``'ascii_124'``."""
    if char in SYMBOLS:
        return char
    return _BY_CHAR.get(char, char)


def kaggle_class(latex: str) -> str | None:
    """The Kaggle folder a LaTeX symbol label belongs in, letters in either case; None if none.

    This is how CROHME's labels (``\\alpha``, ``\\{``, ``|``, ``/``, ``\\lt``, ``x``, ``B``) are
    filed; a label with no Kaggle folder (``.``, ``\\cdot``) gives None.

    >>> kaggle_class("x"), kaggle_class("B"), kaggle_class(r"\\lt"), kaggle_class(".")
    ('X', 'b', 'lt', None)
    """
    latex = latex.strip()
    if latex in LETTER_CLASSES:
        return LETTER_CLASSES[latex]
    name = name_from_latex(latex)
    return name if name in SYMBOLS else None
