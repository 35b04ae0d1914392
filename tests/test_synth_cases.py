"""Tests of letter case in the generator: the measured capital shares and the forms drawn."""

import numpy as np
import pytest

from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.cases import CAPITAL, CAPITAL_SHARE, SMALL, capital_share, choose_case
from mathdash.synth.render import choose_prototype
from mathdash.synth.strokes import class_prototypes, class_variants

LETTERS = {name for name in KAGGLE_CLASSES if len(name) == 1 and name.isalpha()}


def test_capital_share_table_holds_exactly_the_letter_classes():
    assert set(CAPITAL_SHARE) == LETTERS and len(LETTERS) == 26
    assert all(0.0 <= share <= 1.0 for share in CAPITAL_SHARE.values())
    assert CAPITAL_SHARE["l"] > 0.5 > CAPITAL_SHARE["A"] > 0  # CROHME writes L more than l, A rarely
    assert CAPITAL_SHARE["z"] == 0.0  # CROHME's symbol set has no capital Z
    with pytest.raises(KeyError, match="not a letter class"):
        capital_share("alpha")


def test_capitals_that_pass_for_another_class_are_never_drawn():
    assert CAPITAL_SHARE["X"] > 0 and CAPITAL_SHARE["i"] > 0  # CROHME does write X and I ...
    assert capital_share("X") == capital_share("i") == 0.0  # ... but they would be 'times' and '|'
    assert {latex for latex, _, _ in class_variants("X")} == {"x"}
    assert {case for _, _, case in class_variants("i")} == {SMALL}
    assert {case for _, _, case in class_variants("o")} == {SMALL}  # an O would be a '0'
    assert {case for _, _, case in class_variants("alpha")} == {""}


def test_a_letter_class_is_typeset_in_both_forms():
    cases = {proto.case: set() for proto in class_prototypes("R")}
    for proto in class_prototypes("R"):
        cases[proto.case].add(proto.source.split(":", 1)[1])
    assert cases == {SMALL: {"r", r"\mathrm{r}"}, CAPITAL: {"R", r"\mathrm{R}"}}


@pytest.mark.parametrize("name", ["A", "l", "S", "N"])
def test_samples_draw_capitals_at_the_measured_share(name):
    rng = np.random.default_rng(0)
    cases = [choose_prototype(name, rng).case for _ in range(3000)]
    assert set(cases) == {CAPITAL, SMALL}
    assert np.mean(np.array(cases) == CAPITAL) == pytest.approx(capital_share(name), abs=0.025)


def test_case_choice_is_deterministic_for_a_generator_state():
    first = [choose_prototype("l", np.random.default_rng(4)).source for _ in range(20)]
    again = [choose_prototype("l", np.random.default_rng(4)).source for _ in range(20)]
    assert first == again
    draws = [choose_case("C", np.random.default_rng(seed)) for seed in range(400)]
    assert draws == [choose_case("C", np.random.default_rng(seed)) for seed in range(400)]
    assert 0.15 < draws.count(CAPITAL) / 400 < 0.27  # C's share is 0.211
