"""The three studies: sampling, their planned runs and tags, and one study end to end from the CLI."""

import numpy as np
import pytest

from mathdash import studies
from mathdash.errors import ConfigError
from mathdash.train import TrainConfig
from test_tuning import tiny_dataset


def test_sample_fraction_keeps_a_share_of_every_class():
    dataset = tiny_dataset(per_class=10)
    sample = studies.sample_fraction(dataset, 0.25, seed=3)
    assert list(sample.class_counts().values()) == [3, 3, 3]  # ceil(0.25 * 10)
    again = studies.sample_fraction(dataset, 0.25, seed=3)
    assert sample.sources == again.sources
    assert sample.sources == sorted(sample.sources, key=dataset.sources.index)  # original order
    with pytest.raises(ConfigError):
        studies.sample_fraction(dataset, 0.0)


def test_limit_per_class_caps_large_classes_only():
    dataset = tiny_dataset(per_class=10)
    small = dataset.subset(np.flatnonzero((dataset.labels != 2) | (np.arange(len(dataset)) % 10 < 4)))
    limited = studies.limit_per_class(small, 6)
    assert list(limited.class_counts().values()) == [6, 6, 4]
    with pytest.raises(ConfigError):
        studies.limit_per_class(dataset, 0)


def test_study_tags_name_on_the_fly_augmentation_and_balancing_apart():
    assert studies.study_tags("data_size", "25%", "train-time") == (
        "study=data_size", "variant=25%", "augment=train-time", "balance=none")
    assert studies.study_tags("duplicates", "deduplicated + balanced", None, "median") == (
        "study=duplicates", "variant=deduplicated + balanced", "augment=none", "balance=median")


def test_duplicates_study_plans_naive_deduplicated_and_balanced_runs():
    # Five exact copies added: the tiny set's drawings differ in their paper noise (pixel
    # correlation <= 0.97), so the default verified dedup finds nothing else to remove.
    base = tiny_dataset()
    dataset = base.subset(np.r_[0:len(base), 0:5])
    plan = studies.plan_study("duplicates", dataset, TrainConfig(model="cnn"))
    assert [(p.variant, p.on_the_fly, p.balanced) for p in plan] == [
        ("naive split", False, False), ("deduplicated", False, False), ("deduplicated + balanced", False, True)]
    assert all("augment" not in p.changes for p in plan)  # nothing on the fly: true "without" runs
    naive, dedup, balanced = plan
    assert naive.dataset is dataset and naive.changes == {"dedup": False, "split_by_group": False}
    assert "group" in dedup.dataset.extras and len(dedup.dataset) < len(dataset)  # near-duplicates gone
    assert balanced.changes["balance"] == "median"


def test_study_variants_match_the_plan_without_touching_data():
    for name in studies.STUDIES:
        light = studies.study_variants(name, TrainConfig(model="cnn"))
        full = studies.plan_study(name, tiny_dataset(), TrainConfig(model="cnn"))
        assert [(p.variant, p.changes) for p in light] == [(p.variant, p.changes) for p in full]
        assert all(p.dataset is None for p in light) and all(p.dataset is not None for p in full)


def test_data_size_study_plans_three_sizes_with_and_without_augmentation():
    plan = studies.plan_study("data_size", tiny_dataset(), TrainConfig(model="cnn"))
    assert [p.variant for p in plan] == ["25%", "25%", "50%", "50%", "100%", "100%"]
    assert [p.changes["augment"] for p in plan[:2]] == [None, studies.TRAIN_AUGMENT]
    assert [p.changes["train_fraction"] for p in plan[::2]] == [0.25, 0.5, 1.0]
    assert len({len(p.dataset) for p in plan}) == 1  # one dataset: the same test set for every size


def test_architectures_study_keeps_the_tuned_cnn_arguments():
    base = TrainConfig(model="cnn", model_params={"blocks": 2, "filters": 8})
    plan = studies.plan_study("architectures", tiny_dataset(), base)
    models = [(p.changes["model"], p.on_the_fly) for p in plan]
    assert not any(p.balanced for p in plan)
    assert models == [(m, a) for m in studies.ARCHITECTURES for a in (False, True)]
    assert plan[0].changes["model_params"] == {"blocks": 2, "filters": 8}
    assert plan[2].changes["model_params"] == {}


@pytest.mark.parametrize("arguments", [{"name": "everything"}, {"name": "duplicates", "epochs": 0},
                                       {"name": "duplicates", "fraction": 1.5}])
def test_run_study_rejects_bad_arguments(arguments):
    with pytest.raises(ConfigError):
        studies.run_study(dataset=tiny_dataset(per_class=4), **arguments)


@pytest.mark.slow
def test_duplicates_study_from_the_command_line_saves_tagged_runs(tmp_path, capsys):
    from mathdash.cli import main
    from mathdash.loaders import save_npz
    from mathdash.runs import RunStore

    data = save_npz(tiny_dataset(), tmp_path / "tiny.npz")
    status = main(["study", "duplicates", "--data", str(data), "--epochs", "2", "--batch-size", "16",
                   "--runs-dir", str(tmp_path / "runs")])
    assert status == 0
    store = RunStore(tmp_path / "runs", default_dir=None)
    runs = [store.load(summary.id) for summary in store.list_runs()]
    tags = sorted(tuple(run.config["tags"]) for run in runs)
    variants = [("naive split", None), ("deduplicated", None), ("deduplicated + balanced", "median")]
    assert tags == sorted(studies.study_tags("duplicates", name, None, balance) for name, balance in variants)
    for run in runs:
        assert run.config["augment"] is None  # no run of this study augments on the fly
    for run in runs:
        confusion = np.array(run.metrics["confusion"])  # scores count the real test images only
        assert confusion.sum() == run.metrics["test_size"] == run.metrics["split"]["test_real"] > 0
        assert run.metrics["accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum())
        assert set(run.metrics["per_class"]) == {"-", "1", "0"}
        assert run.config["epochs"] == 2 and len(run.history) <= 2
    naive = next(run for run in runs if "variant=naive split" in run.config["tags"])
    assert naive.config["dedup"] is False and naive.config["split_by_group"] is False
    assert naive.metrics["data_images"] == 90  # nothing removed
    printed = capsys.readouterr().out
    assert "deduplicated + balanced" in printed and "naive split" in printed


def test_a_sample_of_a_set_with_known_copies_can_still_be_prepared():
    """The built-in set records copies by row index; a sample must not leave those indices stale."""
    from mathdash.train import prepare_data

    dataset = tiny_dataset(per_class=10)
    duplicate_of = np.full(len(dataset), -1)
    duplicate_of[1:10] = len(dataset) - 1  # class 0's images are known copies of the last image
    dataset.extras["duplicate_of"] = duplicate_of
    sample = studies.sample_fraction(dataset, 0.5, seed=0)
    assert "origin" in sample.extras and len(sample) == 15
    prepared = prepare_data(sample, TrainConfig(dedup=False))  # raised IndexError before
    assert len(prepared) == 15
