"""The class catalogue: all 82 Kaggle folders, with LaTeX and glyphs."""

from mathdash import symbols


def test_catalogue_has_the_82_kaggle_folders_once_each():
    assert len(symbols.KAGGLE_CLASSES) == 82
    assert len(set(symbols.KAGGLE_CLASSES)) == 82
    for name in ["ascii_124", "forward_slash", "geq", "!", "{", "Delta", "X", "prime"]:
        assert name in symbols.SYMBOLS


def test_latex_commands_of_named_symbols():
    assert symbols.symbol("alpha").latex == r"\alpha"
    assert symbols.symbol("ascii_124").latex == "|"
    assert symbols.symbol("forward_slash").latex == "/"
    assert symbols.symbol("sin").latex == r"\sin"
    assert symbols.symbol("geq").glyph == "≥"


def test_labels_show_glyph_and_folder_name():
    assert symbols.label("geq") == "≥ (geq)"
    assert symbols.label("7") == "7"
    assert symbols.label("unknown_class") == "unknown_class"


def test_reverse_lookups_for_other_datasets():
    assert symbols.name_from_latex(r"\alpha") == "alpha"
    assert symbols.name_from_latex(r"\geq") == "geq"
    assert symbols.name_from_latex("|") == "ascii_124"
    assert symbols.name_from_latex(r"\heartsuit") == r"\heartsuit"
    assert symbols.name_from_char("/") == "forward_slash"
    assert symbols.name_from_char("k") == "k"
    assert symbols.name_from_char("Q") == "Q"
