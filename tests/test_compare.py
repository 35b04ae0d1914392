"""Comparison tables and figures from saved runs: tags, summary, per-class F1, confusions, curves."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mathdash import compare
from mathdash.evaluate import scores_from_labels
from mathdash.runs import Run

CLASSES = ["geq", "alpha", "1"]


def _run(run_id, accuracy_target, tags=(), augment=None, history=None, seed=0, balance=None, **extra_metrics):
    """A run whose metrics come from ``scores_from_labels`` on made-up predictions of 60 images."""
    rng = np.random.default_rng(seed)
    y_true = np.repeat(np.arange(3), 20)
    wrong = rng.random(60) > accuracy_target
    y_pred = np.where(wrong, (y_true + 1) % 3, y_true)
    metrics = scores_from_labels(y_true, y_pred, CLASSES)
    metrics.update(extra_metrics)
    if history is None:
        history = pd.DataFrame({"accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7], "loss": [1.0, 0.5],
                                "val_loss": [1.1, 0.6]}, index=pd.Index([1, 2], name="epoch"))
    config = {"model": "cnn", "tags": list(tags), "augment": augment, "balance": balance}
    return Run(run_id, Path("."), config, metrics, history, list(CLASSES), created="2026-01-01T00:00:00")


@pytest.fixture
def runs():
    return [
        _run("r-plain", 0.6, tags=["study=data_size", "variant=25%", "augment=none"], seed=1,
             params=1000, augmented_accuracy=0.4, leakage_flag=False),
        _run("r-aug", 0.9, tags=["study=data_size", "variant=25%", "augment=train-time"], augment="train-time",
             seed=2, params=1000, augmented_accuracy=0.85, leakage_flag=True),
        _run("r-mobile", 0.75, augment="train-time", seed=3, params=50_000, augmented_accuracy=None),
    ]


def test_run_tags_read_key_value_strings_and_dicts():
    assert compare.run_tags({"tags": ["study=duplicates", "variant=naive split", "flag"]}) == {
        "study": "duplicates", "variant": "naive split", "flag": ""}
    assert compare.run_tags({"tags": {"source": "tune"}}) == {"source": "tune"}
    assert compare.run_tags({}) == {}


def test_on_the_fly_augmentation_and_balancing_are_read_apart_from_the_config():
    balanced_only = {"augment": None, "balance": "median", "tags": ["augmented=true"]}
    assert compare.is_augmented(balanced_only) is False  # the legacy tag counted balancing as "+aug"
    assert compare.is_balanced(balanced_only) is True
    assert compare.on_the_fly_augmentation({"augment": "train-time", "balance": None}) == "train-time"
    assert compare.on_the_fly_augmentation({"augment": {"rotation": {}}}) == "custom"
    assert compare.on_the_fly_augmentation({"augment": "none"}) == ""
    assert compare.is_balanced({"augment": "default", "balance": None}) is False
    assert compare.on_the_fly_augmentation({"tags": ["augment=default"]}) == "default"  # no config key
    assert compare.on_the_fly_augmentation({"tags": ["augmented=true"]}) == "custom"  # older runs


def test_a_balanced_run_is_labelled_and_grouped_without_on_the_fly_augmentation():
    run = _run("r-bal", 0.8, tags=["study=duplicates", "variant=deduplicated"], balance="median")
    plain = _run("r-dedup", 0.7, tags=["study=duplicates", "variant=deduplicated + balanced"], balance="median")
    assert compare.run_labels([run, plain]) == ["duplicates: deduplicated +balanced",
                                                "duplicates: deduplicated + balanced"]
    groups = compare.accuracy_groups(compare.summary_table([run, plain]))
    assert set(groups["augmentation"]) == {compare.WITHOUT_AUGMENTATION}
    assert groups["group"].tolist() == ["deduplicated + balanced"] * 2


def test_views_for_82_classes_worst_n_confusion_scales_and_a_zoomed_axis(runs):
    matrix = compare.f1_matrix(runs)
    worst = compare.worst_classes(matrix, 2)
    assert list(worst.columns) == list(matrix.min(axis=0).sort_values(kind="stable").index[:2])
    table = compare.confusion_table(runs[0])
    log = compare.confusion_view(table, "log")
    assert log.iloc[0, 0] == pytest.approx(np.log10(1 + table.iloc[0, 0]))
    mistakes = compare.confusion_view(table, "mistakes")
    assert np.isnan(np.diag(mistakes)).all() and mistakes.iloc[0, 1] == table.iloc[0, 1]
    with pytest.raises(ValueError):
        compare.confusion_view(table, "sqrt")
    assert compare.zoomed_range([0.97, 0.99]) == (0.9, 1.0)
    assert compare.zoomed_range([0.62, 0.9]) == pytest.approx((0.55, 1.0))
    assert compare.zoomed_range([]) == (0.0, 1.0)


def test_png_downloads_are_png_files(runs):
    from mathdash.compare import png

    summary = compare.summary_table(runs)
    for data in (png.accuracy_png(compare.accuracy_groups(summary)), png.f1_png(compare.f1_matrix(runs)),
                 png.confusion_png(compare.confusion_table(runs[0]), "mistakes")):
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_run_labels_are_unique_and_name_the_variant(runs):
    labels = compare.run_labels(runs)
    assert labels == ["data_size: 25%", "data_size: 25% +aug", "cnn +aug"]
    twins = compare.run_labels([runs[2], _run("r-other-abcdef", 0.5, augment="default")])
    assert twins == ["cnn +aug · mobile", "cnn +aug · abcdef"]


def test_summary_table_has_one_row_per_run_with_its_metrics(runs):
    summary = compare.summary_table(runs)
    assert list(summary.index) == compare.run_labels(runs)
    assert summary["id"].tolist() == ["r-plain", "r-aug", "r-mobile"]
    assert summary["accuracy"].tolist() == pytest.approx([run.metrics["accuracy"] for run in runs])
    assert summary["worst_f1"].tolist() == pytest.approx([run.metrics["worst_f1"] for run in runs])
    assert summary["augmented"].tolist() == [False, True, True]
    assert summary["augment"].tolist() == ["", "train-time", "train-time"]
    assert summary["balanced"].tolist() == [False, False, False]
    assert summary["params"].tolist() == [1000, 1000, 50_000]
    assert summary["leakage_flag"].tolist() == [False, True, False]
    assert np.isnan(summary.loc["cnn +aug", "augmented_accuracy"])


def test_summary_table_computes_the_leakage_flag_when_metrics_lack_it():
    leaky = pd.DataFrame({"accuracy": [0.5, 0.6, 0.6], "val_accuracy": [0.7, 0.8, 0.9]})
    run = _run("r-leak", 0.8, history=leaky)
    assert bool(compare.summary_table([run])["leakage_flag"].iloc[0]) is True


def test_accuracy_groups_pair_runs_by_variant_and_drop_missing_scores(runs):
    groups = compare.accuracy_groups(compare.summary_table(runs))
    assert len(groups) == 5  # three test accuracies, two augmented-test accuracies
    test = groups[groups["test_set"] == "test"].set_index("run")
    assert test.loc["data_size: 25%", "augmentation"] == compare.WITHOUT_AUGMENTATION
    assert test.loc["data_size: 25% +aug", "augmentation"] == compare.WITH_AUGMENTATION
    assert set(test["group"]) == {"25%", "cnn"}
    augmented = groups[groups["test_set"] == "augmented test"]
    assert augmented["accuracy"].tolist() == pytest.approx([0.4, 0.85])


def test_f1_matrix_is_runs_by_classes_labelled_by_glyph(runs):
    matrix = compare.f1_matrix(runs)
    assert matrix.shape == (3, 3)
    assert list(matrix.columns) == ["≥ (geq)", "α (alpha)", "1"]
    expected = runs[1].metrics["per_class"]["alpha"]["f1"]
    assert matrix.loc["data_size: 25% +aug", "α (alpha)"] == pytest.approx(expected)


def test_f1_matrix_sorts_the_worst_class_first_and_leaves_unscored_classes_empty(runs):
    runs[0].metrics["per_class"]["1"].update(f1=0.0, support=0)  # no test image of '1' in this run
    runs[0].metrics["per_class"]["geq"]["f1"] = 0.05
    matrix = compare.f1_matrix(runs, sort_by_worst=True)
    assert matrix.columns[0] == "≥ (geq)"
    lowest = matrix.min(axis=0).tolist()
    assert lowest == sorted(lowest)
    assert np.isnan(matrix.loc["data_size: 25%", "1"])


def test_confusion_table_and_pairs_follow_the_saved_matrix(runs):
    run = runs[0]
    table = compare.confusion_table(run)
    assert table.to_numpy().tolist() == run.metrics["confusion"]
    assert list(table.index) == ["≥ (geq)", "α (alpha)", "1"]
    pairs = compare.confused_pairs_table(run, top=2)
    assert len(pairs) == 2
    assert pairs["count"].iloc[0] == run.metrics["confused_pairs"][0]["count"]
    assert pairs["true"].iloc[0] == compare.confusion_table(run).index[
        CLASSES.index(run.metrics["confused_pairs"][0]["true"])]


def test_learning_curves_hold_every_epoch_metric_and_run(runs):
    curves = compare.learning_curves(runs)
    assert len(curves) == 3 * 2 * 4  # runs x epochs x (accuracy, val_accuracy, loss, val_loss)
    first = curves[(curves["run"] == "data_size: 25%") & (curves["metric"] == "val_accuracy")]
    assert first["epoch"].tolist() == [1, 2] and first["value"].tolist() == [0.4, 0.7]


def test_figures_draw_the_tables(runs):
    summary = compare.summary_table(runs)
    heatmap = compare.f1_heatmap(compare.f1_matrix(runs))
    assert list(heatmap.data[0].y) == list(summary.index)
    assert np.asarray(heatmap.data[0].z).shape == (3, 3)
    bars = compare.accuracy_bars(compare.accuracy_groups(summary))
    assert {trace.name for trace in bars.data} == {compare.WITH_AUGMENTATION, compare.WITHOUT_AUGMENTATION}
    scatter = compare.params_scatter(summary)
    assert sum(len(trace.x) for trace in scatter.data) == 6  # 3 runs x (test, augmented test)
    curves = compare.curves_figure(compare.learning_curves(runs), "loss")
    assert len(curves.data) == 6  # 3 runs x (training, validation)


def test_trial_scores_plots_completed_trials_and_the_best_so_far():
    trials = pd.DataFrame({"trial": ["0", "1", "2"], "score": [0.5, float("nan"), 0.7],
                           "params": pd.array([10, None, 30], dtype="Int64")})
    figure = compare.trial_scores(trials)
    assert list(figure.data[0].x) == ["0", "2"]
    assert list(figure.data[1].y) == [0.5, 0.7]


@pytest.mark.slow
def test_runs_saved_by_the_store_compare_like_in_memory_ones(tmp_path, runs):
    import keras

    from mathdash.runs import RunStore

    store = RunStore(tmp_path, default_dir=None)
    model = keras.Sequential([keras.Input((45, 45, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    for run in runs:
        store.save(model, run.config, run.metrics, run.history, run.labels, run_id=run.id)
    loaded = [store.load(run.id) for run in runs]
    saved = compare.summary_table(loaded).drop(columns="created")
    assert saved.equals(compare.summary_table(runs).drop(columns="created"))
    assert compare.f1_matrix(loaded).equals(compare.f1_matrix(runs))
    assert compare.learning_curves(loaded).equals(compare.learning_curves(runs))
