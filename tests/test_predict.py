"""Drawing preparation, top-k prediction and the ``predict`` command, on drawings made here."""

import json

import numpy as np
import pytest
from PIL import Image

import mathdash.runs
from browser_support import SYMBOL_STROKES, drawing_set, render_strokes, save_tiny_run
from mathdash.cli import main
from mathdash.confidence import Judgement, UnsureRule, centre_line_lengths, margins, normalised_entropy
from mathdash.errors import ArtifactError, ConfigError
from mathdash.predict import (
    BLANK_REASON,
    DOT_REASON,
    TRAINING_PEN_WIDTH,
    Predictor,
    estimate_pen_width,
    inspect_drawing,
    load_predictor,
    prepare_drawing,
)
from mathdash.preprocess import fit_to_box, ink_bbox

SYMBOLS = sorted(SYMBOL_STROKES)


def _ink(image):
    return image < 128


# --- prepare_drawing ------------------------------------------------------------------------

def test_blank_and_near_blank_pictures_are_none():
    assert prepare_drawing(np.zeros((280, 280, 4), np.uint8)) is None  # untouched canvas
    assert prepare_drawing(np.full((60, 80, 3), 255, np.uint8)) is None  # white upload
    assert prepare_drawing(np.full((60, 80), 30, np.uint8)) is None  # uniformly dark upload
    speck = render_strokes([[(0.5, 0.5), (0.5, 0.5)]], width=3)  # one tap of a thin pen
    assert 0 < (speck[..., 3] > 127).sum() < 40
    assert prepare_drawing(speck) is None


def test_drawing_is_framed_like_the_training_images():
    image = prepare_drawing(render_strokes(SYMBOL_STROKES["-"], width=12))
    assert image.shape == (45, 45) and image.dtype == np.uint8
    top, left, bottom, right = ink_bbox(image)
    assert (left, right) == (2, 43)  # the longer side spans 45 - 2 * margin
    assert bottom - top <= 4  # a bar stays a thin bar


def test_stroke_colour_does_not_change_the_image():
    black = prepare_drawing(render_strokes(SYMBOL_STROKES["+"], width=10))
    red = prepare_drawing(render_strokes(SYMBOL_STROKES["+"], width=10, colour=(220, 20, 20)))
    white = prepare_drawing(render_strokes(SYMBOL_STROKES["+"], width=10, colour=(255, 255, 255)))
    np.testing.assert_array_equal(black, red)
    np.testing.assert_array_equal(black, white)


def test_light_on_dark_upload_is_inverted():
    alpha = render_strokes(SYMBOL_STROKES["0"], width=8)[..., 3]
    dark_on_light = (255 - alpha).astype(np.uint8)
    light_on_dark = np.repeat(alpha[..., None], 3, axis=2)  # RGB, white ink on black
    opaque_canvas = np.dstack([dark_on_light] * 3 + [np.full_like(alpha, 255)])
    reference = prepare_drawing(dark_on_light)
    assert np.abs(prepare_drawing(light_on_dark).astype(int) - reference).max() <= 1
    assert np.abs(prepare_drawing(opaque_canvas).astype(int) - reference).max() <= 1
    assert _ink(reference).sum() > 100


def test_tightly_cropped_upload_keeps_its_polarity():
    equals = np.full((15, 40), 255, np.uint8)
    equals[:3] = equals[-3:] = 20  # "=" cropped to its ink: the bars run along the edges
    image = prepare_drawing(equals)
    assert _ink(image)[22].sum() == 0  # paper between the bars
    assert _ink(image)[:, 22].sum() >= 4  # the two bars


@pytest.mark.parametrize("name", SYMBOLS)
def test_thick_mouse_and_thin_pen_strokes_give_nearly_the_same_image(name):
    thin = prepare_drawing(render_strokes(SYMBOL_STROKES[name], width=3))
    thick = prepare_drawing(render_strokes(SYMBOL_STROKES[name], width=25))
    difference = np.abs(thin.astype(int) - thick.astype(int)).mean()
    assert difference < 15
    assert 0.8 < _ink(thick).sum() / _ink(thin).sum() < 1.25
    # without the width normalisation the two differ several times more
    naive = [fit_to_box(255 - render_strokes(SYMBOL_STROKES[name], width=w)[..., 3]) for w in (3, 25)]
    assert np.abs(naive[0].astype(int) - naive[1].astype(int)).mean() > 2.5 * difference


def test_redrawn_stroke_width_matches_the_training_pen():
    images = np.stack([prepare_drawing(render_strokes(SYMBOL_STROKES[n], width=w))
                       for n in SYMBOLS for w in (3, 14, 25)])
    assert abs(estimate_pen_width(images) - TRAINING_PEN_WIDTH) < 0.35


def test_estimate_pen_width_measures_known_bars():
    images = np.full((3, 45, 45), 255, np.uint8)
    images[0, 20:21, 5:40] = 0
    images[1, 20:23, 5:40] = 0
    images[2, 5:40, 20:24] = 0
    assert estimate_pen_width(images[:1]) == pytest.approx(1.0, abs=0.1)
    assert estimate_pen_width(images[1:2]) == pytest.approx(3.0, abs=0.3)
    assert estimate_pen_width(images) == pytest.approx(3.0, abs=0.3)  # the median
    assert estimate_pen_width(np.full((2, 45, 45), 255, np.uint8)) == 0.0


def test_training_pen_width_is_the_built_in_sets():
    from mathdash.builtin import load_builtin

    images = load_builtin("symbols").images
    assert len(images) > 1000
    assert estimate_pen_width(images) == pytest.approx(TRAINING_PEN_WIDTH, rel=0.05)


def test_non_image_arrays_are_refused():
    with pytest.raises(ValueError, match="shape"):
        prepare_drawing(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        prepare_drawing(np.zeros(10, np.uint8))
    with pytest.raises(ValueError, match="shape"):
        prepare_drawing(np.zeros((0, 280, 4), np.uint8))
    assert prepare_drawing(np.full((1, 1), 0, np.uint8)) is None  # one pixel is no symbol


# --- Predictor ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    return save_tiny_run(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def predictor(tiny_store):
    store, run_id = tiny_store
    return load_predictor(run_id, store)


@pytest.mark.slow
def test_topk_reads_unseen_drawings(predictor):
    canvases, labels, names = drawing_set(per_class=10, seed=1)
    guesses = [predictor.topk(prepare_drawing(c), k=3) for c in canvases]
    accuracy = np.mean([g[0][0] == names[y] for g, y in zip(guesses, labels)])
    assert accuracy >= 0.9
    first = guesses[0]
    assert len(first) == 3 and [p for _, p in first] == sorted((p for _, p in first), reverse=True)
    assert predictor.probabilities(prepare_drawing(canvases[0])).sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("name", SYMBOLS)
def test_thick_and_thin_strokes_get_the_same_answer(predictor, name):
    for width in (3, 25):
        image = prepare_drawing(render_strokes(SYMBOL_STROKES[name], width=width))
        assert predictor.topk(image)[0][0] == name


@pytest.mark.slow
def test_many_images_are_ranked_in_batches(predictor, monkeypatch):
    canvases, _, _ = drawing_set(per_class=2, seed=2)
    images = np.stack([prepare_drawing(c) for c in canvases])
    one_by_one = np.concatenate([predictor.probabilities(image) for image in images])
    monkeypatch.setattr("mathdash.predict.BATCH_SIZE", 3)
    np.testing.assert_allclose(predictor.probabilities(images), one_by_one, atol=1e-5)


@pytest.mark.slow
def test_active_run_is_the_default_and_mismatched_labels_are_refused(tiny_store):
    store, run_id = tiny_store
    predictor = load_predictor(None, store)
    assert predictor.class_names == SYMBOLS
    assert len(predictor.topk(np.full((45, 45), 255, np.uint8), k=10)) == len(SYMBOLS)
    with pytest.raises(ArtifactError, match="4 outputs but 3 class names"):
        Predictor(predictor.model, SYMBOLS[:3])
    with pytest.raises(ArtifactError, match="no saved run"):
        load_predictor(None, mathdash.runs.RunStore(store.root / "empty", default_dir=None))


@pytest.mark.slow
def test_logits_are_turned_into_probabilities():
    import keras

    model = keras.Sequential([keras.layers.Input((45, 45, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, kernel_initializer="ones")])  # no softmax
    probabilities = Predictor(model, ["a", "b", "c"]).probabilities(np.zeros((2, 45, 45), np.uint8))
    np.testing.assert_allclose(probabilities, 1 / 3, atol=1e-6)


# --- the command ----------------------------------------------------------------------------

@pytest.fixture
def store_as_default(tiny_store, monkeypatch):
    store, _ = tiny_store
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: store)
    return store


def _save_png(path, pixels):
    Image.fromarray(pixels).save(path)
    return str(path)


@pytest.mark.slow
def test_predict_command_ranks_files_and_reports_bad_ones(store_as_default, tmp_path, capsys):
    files = {name: _save_png(tmp_path / f"s{i}.png", render_strokes(SYMBOL_STROKES[name], width=9))
             for i, name in enumerate(SYMBOLS)}
    blank = _save_png(tmp_path / "blank.png", np.full((50, 50), 255, np.uint8))
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    paths = [*files.values(), blank, str(corrupt), str(tmp_path / "missing.png")]
    assert main(["predict", *paths, "--top", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_path = {r["path"]: r for r in report["results"]}
    assert report["run"] == "tiny"
    assert [by_path[files[n]]["top"][0]["class"] for n in SYMBOLS] == SYMBOLS
    assert all(len(by_path[f]["top"]) == 2 for f in files.values())
    assert [by_path[p]["status"] for p in paths[-3:]] == ["blank", "unreadable", "unreadable"]
    assert by_path[paths[-1]]["error"] == "no such file"


@pytest.mark.slow
def test_predict_command_text_output(store_as_default, tmp_path, capsys):
    path = _save_png(tmp_path / "plus.png", render_strokes(SYMBOL_STROKES["+"], width=20))
    assert main(["predict", path, "--run", "tiny", "--top", "1"]) == 0
    assert capsys.readouterr().out.strip().startswith(f"{path}: + ")


def test_predict_command_fails_only_when_nothing_is_readable(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: pytest.fail("no model needed"))
    bad = tmp_path / "notes.png"
    bad.write_text("just text")
    assert main(["predict", str(bad), str(tmp_path / "gone.jpg")]) == 1
    with pytest.raises(SystemExit):
        main(["predict", str(bad), "--top", "0"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["unreadable", "unreadable"]


# --- dots and the unsure rule ---------------------------------------------------------------

@pytest.mark.parametrize("width", [10, 18, 35])
def test_a_dot_is_no_symbol(width):
    dot = render_strokes([[(0.5, 0.5), (0.505, 0.5)]], width=width)
    assert inspect_drawing(dot) == (None, DOT_REASON)
    assert prepare_drawing(dot) is None
    assert inspect_drawing(np.zeros((280, 280, 4), np.uint8)) == (None, BLANK_REASON)


@pytest.mark.parametrize("name", SYMBOLS)
def test_short_strokes_with_a_thick_pen_are_still_symbols(name):
    image, why = inspect_drawing(render_strokes(SYMBOL_STROKES[name], width=40))
    assert why == "" and image.shape == (45, 45)


def test_unsure_rule_flags_close_and_spread_out_answers():
    rule = UnsureRule(min_margin=0.3, max_entropy=0.5)
    confident = np.array([0.9, 0.05, 0.03, 0.02])
    close = np.array([0.45, 0.40, 0.10, 0.05])
    flat = np.full(4, 0.25)
    np.testing.assert_array_equal(rule.unsure(np.stack([confident, close, flat])), [False, True, True])
    assert margins(close)[0] == pytest.approx(0.05)
    assert normalised_entropy(flat)[0] == pytest.approx(1.0)
    assert normalised_entropy(np.eye(4)[:1])[0] == pytest.approx(0.0, abs=1e-9)
    judged = rule.judge(close)
    assert not judged.sure and "margin 0.05 < 0.30" in judged.reason
    assert rule.judge(confident) == Judgement(True, pytest.approx(0.85), pytest.approx(
        normalised_entropy(confident)[0]), None, "")
    # entropy alone: a clear winner over a long, even tail
    tail = np.array([0.6] + [0.4 / 80] * 80)
    assert margins(tail)[0] > 0.3 and UnsureRule(0.3, 0.2).judge(tail).reason.startswith("the probabilities")
    assert UnsureRule.from_dict(rule.to_dict()) == rule
    with pytest.raises(ConfigError, match="min_margin"):
        UnsureRule(min_margin=1.5)
    with pytest.raises(ConfigError, match="max_line"):
        UnsureRule(max_line=0)


def test_a_long_centre_line_is_no_symbol():
    image = np.full((45, 45), 255, np.uint8)
    image[10, 5:40] = 0  # a 35 px bar
    image[30, 5:40] = 0
    assert centre_line_lengths(image).tolist() == [70]
    assert centre_line_lengths(np.stack([image, np.full((45, 45), 255, np.uint8)])).tolist() == [70, 0]
    confident = np.array([0.97, 0.01, 0.01, 0.01])
    assert UnsureRule(max_line=80).judge(confident, image).sure
    judged = UnsureRule(max_line=60).judge(confident, image)
    assert not judged.sure and judged.line == 70 and "centre line 70 px > 60" in judged.reason
    assert UnsureRule(max_line=None).judge(confident, image).sure
    np.testing.assert_array_equal(UnsureRule(max_line=60).unsure(np.stack([confident] * 2)), [False, False])
    np.testing.assert_array_equal(UnsureRule(max_line=60).unsure(confident, image[None]), [True])


@pytest.mark.slow
def test_predict_command_says_when_it_is_unsure(store_as_default, tmp_path, capsys):
    path = _save_png(tmp_path / "plus.png", render_strokes(SYMBOL_STROKES["+"], width=20))
    dot = _save_png(tmp_path / "dot.png", render_strokes([[(0.5, 0.5), (0.5, 0.5)]], width=20))
    assert main(["predict", path, dot, "--json", "--min-margin", "1.0"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results[0]["sure"] is False and "margin" in results[0]["unsure_reason"]
    assert results[1]["status"] == "blank" and results[1]["error"] == DOT_REASON
    assert main(["predict", path]) == 0
    assert "not sure" not in capsys.readouterr().out
