"""The run store: atomic saves, listing (broken runs included), the active run, the shipped default."""

import json
from pathlib import Path

import pytest

from mathdash.errors import ArtifactError
from mathdash.runs import DEFAULT_ID, RunStore

LABELS = ["a", "b"]
HISTORY = {"loss": [0.9, 0.5], "accuracy": [0.6, 0.8], "val_loss": [0.8, 0.6], "val_accuracy": [0.65, 0.75]}


class _FakeModel:
    """Writes a recognisable model.keras; ``fail`` simulates a crash in the middle of a save."""

    def __init__(self, tag: str = "m", fail: bool = False):
        self.tag, self.fail = tag, fail

    def save(self, path):
        if self.fail:
            raise OSError("disk full")
        Path(path).write_text(self.tag)


def _save(store: RunStore, accuracy: float, run_id: str | None = None, model=None) -> str:
    metrics = {"accuracy": accuracy, "macro_f1": accuracy, "state": "done"}
    return store.save(model or _FakeModel(), {"model": "baseline", "data": "test"}, metrics, HISTORY, LABELS,
                      run_id=run_id)


@pytest.fixture
def shipped(tmp_path):
    """A store whose shipped default run exists."""
    default = RunStore(tmp_path / "ship-src", default_dir=None)
    run_id = _save(default, 0.9, run_id="shipped")
    return RunStore(tmp_path / "runs", default_dir=default.path_of(run_id))


def test_save_then_load_round_trips(tmp_path):
    store = RunStore(tmp_path, default_dir=None)
    run_id = _save(store, 0.75)
    run = store.load(run_id)
    assert run.metrics["accuracy"] == 0.75
    assert run.config["model"] == "baseline"
    assert run.labels == LABELS
    assert run.history["val_accuracy"].tolist() == [0.65, 0.75]
    assert list(run.history.index) == [1, 2]
    assert run.created and (run.path / "model.keras").read_text() == "m"


def test_list_is_newest_first_and_includes_the_default(shipped):
    first = _save(shipped, 0.5, run_id="20200101-000000-a")
    second = _save(shipped, 0.6, run_id="20200101-000001-b")
    for run_id, created in ((first, "2020-01-01T00:00:00"), (second, "2020-01-02T00:00:00")):
        path = shipped.path_of(run_id) / "metrics.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "created": created}))
    ids = [s.id for s in shipped.list_runs()]
    assert ids == [DEFAULT_ID, second, first]
    assert shipped.table().set_index("id").loc[second, "accuracy"] == 0.6


def test_a_crash_mid_save_leaves_no_run_and_the_active_one_loading(shipped):
    good = _save(shipped, 0.8)
    shipped.set_active(good, check_model=False)
    with pytest.raises(OSError, match="disk full"):
        _save(shipped, 0.9, model=_FakeModel(fail=True))
    assert [s.id for s in shipped.list_runs()].count(good) == 1
    assert len(shipped.list_runs()) == 2  # the good run and the default, nothing half-written
    assert not [p for p in shipped.root.iterdir() if p.name.startswith(".tmp-") and p.is_dir()]
    assert shipped.active_id() == good
    assert shipped.load(good).metrics["accuracy"] == 0.8


def test_a_leftover_temp_dir_from_a_killed_process_is_ignored(shipped):
    partial = shipped.root / ".tmp-20200101-000000-baseline-abc-x1"
    partial.mkdir(parents=True)
    (partial / "config.json").write_text("{}")
    assert [s.id for s in shipped.list_runs()] == [DEFAULT_ID]
    assert shipped.active_id() == DEFAULT_ID


def test_a_corrupt_run_is_listed_as_broken_with_the_reason(shipped):
    run_id = _save(shipped, 0.7)
    (shipped.path_of(run_id) / "metrics.json").write_text("{not json")
    other = _save(shipped, 0.6)
    (shipped.path_of(other) / "labels.json").unlink()
    broken = {s.id: s for s in shipped.list_runs() if s.state == "broken"}
    assert set(broken) == {run_id, other}
    assert "metrics.json" in broken[run_id].broken
    assert "labels.json" in broken[other].broken
    with pytest.raises(ArtifactError, match="metrics.json"):
        shipped.load(run_id)


def test_active_falls_back_to_default_when_missing_or_broken(shipped):
    assert shipped.active_id() == DEFAULT_ID
    run_id = _save(shipped, 0.7)
    shipped.set_active(run_id, check_model=False)
    assert shipped.active_id() == run_id
    (shipped.path_of(run_id) / "config.json").write_text("[")
    assert shipped.active_id() == DEFAULT_ID
    (shipped.root / "ACTIVE").write_text("no-such-run\n")
    assert shipped.active_id() == DEFAULT_ID


def test_set_active_refuses_a_broken_run_and_keeps_the_old_one(shipped):
    good, bad = _save(shipped, 0.8), _save(shipped, 0.9)
    shipped.set_active(good, check_model=False)
    (shipped.path_of(bad) / "model.keras").unlink()
    with pytest.raises(ArtifactError, match="model.keras"):
        shipped.set_active(bad, check_model=False)
    assert shipped.active_id() == good


def test_delete_removes_a_run_and_refuses_the_default(shipped):
    run_id = _save(shipped, 0.8)
    shipped.set_active(run_id, check_model=False)
    shipped.delete(run_id)
    assert [s.id for s in shipped.list_runs()] == [DEFAULT_ID]
    assert shipped.active_id() == DEFAULT_ID
    with pytest.raises(ArtifactError, match="read-only"):
        shipped.delete(DEFAULT_ID)
    with pytest.raises(ArtifactError, match="no run"):
        shipped.delete(run_id)


def test_saving_over_an_existing_run_or_a_bad_id_is_refused(tmp_path):
    store = RunStore(tmp_path, default_dir=None)
    _save(store, 0.5, run_id="keep")
    with pytest.raises(ArtifactError, match="already exists"):
        _save(store, 0.9, run_id="keep")
    with pytest.raises(ArtifactError, match="invalid run id"):
        _save(store, 0.9, run_id="../escape")
    assert store.load("keep").metrics["accuracy"] == 0.5


def test_export_replaces_the_target_whole(tmp_path):
    store = RunStore(tmp_path / "runs", default_dir=None)
    first, second = _save(store, 0.5, model=_FakeModel("one")), _save(store, 0.6, model=_FakeModel("two"))
    target = tmp_path / "default_run"
    store.export(first, target)
    store.export(second, target)
    assert (target / "model.keras").read_text() == "two"
    assert RunStore(tmp_path / "other", default_dir=target).load(DEFAULT_ID).metrics["accuracy"] == 0.6
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # untrained Adam: no slots
def test_a_real_keras_model_loads_back_with_the_same_predictions(tmp_path):
    import numpy as np

    from mathdash.models import build_model

    model = build_model("cnn", 2, blocks=1, filters=4, dense_units=0)
    store = RunStore(tmp_path, default_dir=None)
    run_id = _save(store, 0.5, model=model)
    store.set_active(run_id)  # checks the model loads
    x = np.random.default_rng(0).random((3, 45, 45, 1), dtype=np.float32)
    loaded = store.load(run_id).load_model()
    assert np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
