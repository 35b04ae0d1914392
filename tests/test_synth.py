"""Tests of the synthetic handwriting generator: samples, class plan, duplicates, reproducibility."""

import numpy as np
import pytest
from PIL import Image

from mathdash.errors import ConfigError
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth import (
    DUPLICATE_KINDS,
    class_plan,
    generate_dataset,
    render_symbol,
    sample_grid,
    write_kaggle_layout,
)
from mathdash.synth.duplicates import DuplicateRecipe, jpeg_roundtrip, make_copies, plan_duplicates

SMALL = 600  # files in the small generated sets below (every class still gets >= 2 uniques)


@pytest.fixture(scope="module")
def small_set():
    return generate_dataset(seed=5, scale=SMALL)


def test_render_symbol_frames_ink_dark_on_white():
    rng = np.random.default_rng(0)
    for name in ["alpha", "-", "sin", "ldots"]:
        image = render_symbol(name, rng)
        assert image.shape == (45, 45) and image.dtype == np.uint8
        ink = np.argwhere(image < 128)
        assert len(ink) > 10, name
        # cropped to the ink and fit with a 2 px margin: the longer side spans 41 px, centred
        height, width = ink.max(0) - ink.min(0) + 1
        assert max(height, width) in (40, 41, 42), (name, height, width)
        assert image[0].min() == 255 and image[:, 0].min() == 255


def test_render_symbol_same_state_same_image_and_unknown_class():
    a = render_symbol("beta", np.random.default_rng(7))
    b = render_symbol("beta", np.random.default_rng(7))
    c = render_symbol("beta", np.random.default_rng(8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    with pytest.raises(KeyError, match="unknown class"):
        render_symbol("not-a-class", np.random.default_rng(0))


def test_proportions_that_tell_classes_apart_survive():
    rng = np.random.default_rng(1)

    def mean_aspect(name):
        ratios = []
        for _ in range(12):
            ink = np.argwhere(render_symbol(name, rng) < 128)
            height, width = ink.max(0) - ink.min(0) + 1
            ratios.append(width / height)
        return float(np.mean(ratios))

    assert mean_aspect("0") < 0.75 < mean_aspect("o")  # '0' is a tall oval, 'o' round
    assert mean_aspect("(") < 0.6 < mean_aspect("C")


def test_default_plan_is_long_tailed():
    plan = class_plan("default")
    assert plan.uniques.shape == plan.files.shape == (82,)
    assert np.all(plan.files >= plan.uniques) and plan.uniques.min() >= 25
    assert plan.files.max() / plan.files.min() >= 20
    assert np.sum(plan.uniques < 50) >= 3
    assert KAGGLE_CLASSES[int(np.argmax(plan.files))] == "-"
    assert plan.duplicates.sum() > plan.uniques.sum()  # most files are copies


def test_kaggle_plan_matches_the_real_folder_sizes():
    plan = class_plan("kaggle")
    assert plan.files.sum() == 376_440
    assert abs(plan.uniques.sum() - 83_000) < 500
    assert plan.files[KAGGLE_CLASSES.index("exists")] == 21
    assert np.sum(plan.uniques < 50) >= 3


@pytest.mark.parametrize("scale", ["huge", 0, -5, 2.5])
def test_bad_scale_is_a_config_error(scale):
    with pytest.raises(ConfigError, match="scale"):
        class_plan(scale)


@pytest.mark.slow
def test_generated_set_has_all_classes_and_contract(small_set):
    ds = small_set
    assert ds.images.shape == (len(ds), 45, 45) and ds.images.dtype == np.uint8
    assert ds.class_names == KAGGLE_CLASSES
    assert len(ds) == pytest.approx(SMALL, abs=90)
    assert np.all(np.bincount(ds.labels, minlength=82) > 0)
    assert ds.extras["duplicate_of"].dtype == np.int64
    assert set(ds.extras["duplicate_kind"]) <= {"", *DUPLICATE_KINDS}
    assert ds.sources[0].startswith("synth:") and ds.sources[0].endswith("/0")
    assert len(set(ds.sources)) == len(ds)


@pytest.mark.slow
def test_same_seed_same_arrays_other_seed_other_arrays(small_set):
    again = generate_dataset(seed=5, scale=SMALL)
    assert np.array_equal(small_set.images, again.images)
    assert np.array_equal(small_set.labels, again.labels)
    assert np.array_equal(small_set.extras["duplicate_of"], again.extras["duplicate_of"])
    other = generate_dataset(seed=6, scale=SMALL)
    assert not np.array_equal(small_set.images[:50], other.images[:50])


@pytest.mark.slow
def test_duplicate_ground_truth_is_consistent(small_set):
    ds = small_set
    of, kind = ds.extras["duplicate_of"], ds.extras["duplicate_kind"]
    copies = np.flatnonzero(of >= 0)
    assert np.all(kind[copies] != "") and np.all(kind[of < 0] == "")
    assert np.all(of[of[copies]] == -1)  # copies point at originals, never at other copies
    for i in copies:
        image, original = ds.images[i], ds.images[of[i]]
        if kind[i] in ("exact", "mislabel"):
            assert np.array_equal(image, original)
        elif kind[i] == "shift":
            assert any(np.array_equal(image, np.roll(original, step, axis=(0, 1)))
                       for step in ((-1, 0), (1, 0), (0, -1), (0, 1)))
        else:
            assert not np.array_equal(image, original)
            assert np.abs(image.astype(int) - original).mean() < 12
        if kind[i] == "mislabel":
            assert ds.labels[i] != ds.labels[of[i]]
        else:
            assert ds.labels[i] == ds.labels[of[i]]
    assert np.mean(of >= 0) > 0.5  # most files are copies, as in Kaggle's set
    assert {"exact", "jpeg", "shift", "contrast"} <= set(kind[copies])


@pytest.mark.slow
def test_uniques_of_a_class_all_differ(small_set):
    originals = np.flatnonzero(small_set.extras["duplicate_of"] < 0)
    keys = {(int(small_set.labels[i]), small_set.images[i].tobytes()) for i in originals}
    assert len(keys) == len(originals)


@pytest.mark.slow
def test_duplicate_rate_zero_and_half():
    none = generate_dataset(seed=1, scale=200, duplicate_rate=0.0)
    assert np.all(none.extras["duplicate_of"] == -1)
    half = generate_dataset(seed=1, scale=200, duplicate_rate=0.5)
    assert np.mean(half.extras["duplicate_of"] >= 0) == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ConfigError, match="duplicate_rate"):
        generate_dataset(seed=1, scale=200, duplicate_rate=1.0)


def test_copies_follow_the_recipe():
    uniques = np.full((3, 45, 45), 255, np.uint8)
    uniques[:, 10:30, 20:23] = 0
    recipe = DuplicateRecipe(source=np.array([0, 1, 2, 2]), kind=np.array([0, 2, 3, 1]),
                             label=np.array([0, 1, 1, 1]), param=np.array([0, 3, 80, 75]))
    copies = make_copies(uniques, recipe)
    assert np.array_equal(copies[0], uniques[0])
    assert np.array_equal(copies[1], np.roll(uniques[1], 1, axis=1))
    assert copies[2].min() == 255 - round(255 * 0.8)  # ink lightened to 80 %
    assert np.array_equal(copies[3], jpeg_roundtrip(uniques[2], 75))


def test_mislabelled_copies_change_class():
    labels = np.repeat(np.arange(82), 3)
    rng = np.random.default_rng(0)
    recipe = plan_duplicates(labels, np.full(82, 20), rng, kind_weights=np.array([0, 0, 0, 0, 1.0]))
    assert len(recipe) == 82 * 20
    assert np.bincount(recipe.label, minlength=82).tolist() == [20] * 82  # folder sizes kept
    assert np.all(recipe.label != labels[recipe.source])
    filed_as_one = recipe.label == KAGGLE_CLASSES.index("1")
    assert np.mean(labels[recipe.source[filed_as_one]] == KAGGLE_CLASSES.index("ascii_124")) > 0.5


def test_sample_grid_shape():
    grid = sample_grid(["+", "X"], per_class=3, seed=0, scale=2)
    assert grid.shape == ((2 * 47 + 2) * 2, (3 * 47 + 2) * 2) and grid.dtype == np.uint8
    assert grid.min() == 0


@pytest.mark.slow
def test_write_kaggle_layout(tmp_path):
    ds = generate_dataset(seed=2, scale=100, duplicate_rate=0.0)
    written = write_kaggle_layout(ds, tmp_path)
    assert sum(written.values()) == len(ds)
    files = sorted((tmp_path / "extracted_images").glob("*/*.jpg"))
    assert len(files) == len(ds)
    assert {f.parent.name for f in files} == set(KAGGLE_CLASSES)
    first = ds.labels[0]
    path = next(f for f in files if f.parent.name == KAGGLE_CLASSES[first] and f.stem == "0")
    decoded = np.asarray(Image.open(path).convert("L"))
    assert decoded.shape == (45, 45) and np.abs(decoded.astype(int) - ds.images[0]).mean() < 6
