"""Fine-tuning a copy of a saved run on the user's drawings, on a tiny run and drawings made here."""

import hashlib
import json
import threading
from dataclasses import replace

import numpy as np
import pytest

import mathdash.loaders
from browser_support import SYMBOL_STROKES, drawing_set, jitter, render_strokes, save_tiny_run
from mathdash.cli import main
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError, DatasetError
from mathdash.examples import ExampleStore
from mathdash.finetune import FINETUNE_TAG, FinetuneConfig, base_parts, finetune, mixed_training_data
from mathdash.predict import load_predictor, prepare_drawing

pytestmark = pytest.mark.slow  # trains a network
FAST = FinetuneConfig(epochs=3, learning_rate=3e-3, batch_size=32, copies_per_drawing=10, base_images=200)


@pytest.fixture
def tiny(tmp_path):
    store, run_id = save_tiny_run(tmp_path / "runs", per_class=20)
    canvases, labels, names = drawing_set(per_class=20, seed=4)
    base = Dataset(np.stack([prepare_drawing(c) for c in canvases]), labels, names, ["test"] * len(labels))
    return store, store.load(run_id), base


def _taught(count: int, seed: int) -> list[np.ndarray]:
    """A '+' drawn by a second hand, which the user says is a '0' (a plain, learnable lie)."""
    rng = np.random.default_rng(seed)
    return [prepare_drawing(render_strokes(jitter(SYMBOL_STROKES["+"], rng), width=rng.uniform(6, 20)))
            for _ in range(count)]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_config_round_trips_and_is_checked():
    config = FinetuneConfig(epochs=2, base_images=0)
    assert FinetuneConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="epochs"):
        FinetuneConfig(epochs=0)
    with pytest.raises(ConfigError, match="unknown fine-tune setting"):
        FinetuneConfig.from_dict({"epochz": 3})


def test_mixed_data_holds_drawings_variants_and_a_base_sample(tiny):
    _, run, base = tiny
    drawings = Dataset(np.stack(_taught(3, 0)), np.zeros(3, np.int64), base.class_names, ["me"] * 3)
    config = replace(FAST, base_images=50)
    images, labels = mixed_training_data(drawings, base, config)
    assert images.shape == (3 + 3 * 10 + 50, 45, 45) and images.dtype == np.uint8
    assert np.count_nonzero(labels == 0) >= 33  # every drawing and variant keeps its label
    assert len(mixed_training_data(drawings, base, FAST)[0]) == 3 + 30 + len(base)  # all 80 at most
    again = mixed_training_data(drawings, base, config)
    np.testing.assert_array_equal(images, again[0])  # same seed, same mix


def test_fine_tune_learns_the_drawings_and_leaves_the_base_run_alone(tiny):
    store, run, base = tiny
    model_file = run.path / "model.keras"
    before_digest = _digest(model_file)
    drawings = Dataset(np.stack(_taught(10, 1)), np.full(10, 0), ["0"], ["me"] * 10)
    train, test = base_parts(base, run.config)
    assert len(train) and len(test) and not set(train.sources) - {"test"}
    updates = []
    result = finetune(run, drawings, train, test, FAST, store, progress=updates.append)
    assert result.state == "done" and result.drawings == 10 and result.dropped == 0
    assert result.before["drawings"] == 0.0  # the tiny run reads these '+' as '+'
    assert result.after["drawings"] == 1.0
    assert result.after["test"] < result.before["test"]  # '+' test images now often read as '0'
    assert [u["epoch"] for u in updates if u.get("phase") == "epoch"] == [1, 2, 3]
    # a new run, tagged, not active; the base run's files untouched
    saved = store.load(result.run_id)
    assert FINETUNE_TAG in saved.config["tags"] and "base=tiny" in saved.config["tags"]
    assert saved.metrics["finetune"]["after"] == result.after and saved.labels == run.labels
    assert saved.metrics["accuracy"] == pytest.approx(result.after["test"])
    assert store.active_id() == "tiny" and _digest(model_file) == before_digest
    unseen = _taught(5, 99)
    tuned = load_predictor(result.run_id, store)
    assert [tuned.topk(image, 1)[0][0] for image in unseen] == ["0"] * 5


def test_stopped_fine_tune_saves_nothing_and_foreign_classes_are_refused(tiny):
    store, run, base = tiny
    drawings = Dataset(np.stack(_taught(4, 2)), np.zeros(4, np.int64), ["0"], ["me"] * 4)
    stop = threading.Event()
    stop.set()
    result = finetune(run, drawings, base, base, FAST, store, stop_event=stop)
    assert result.state == "stopped" and result.run_id is None and result.after == {}
    assert [s.id for s in store.list_runs()] == ["tiny"]
    alpha = Dataset(drawings.images, drawings.labels, ["alpha"], drawings.sources)
    with pytest.raises(DatasetError, match="none of the 4 drawings"):
        finetune(run, alpha, base, base, FAST, store)


def test_finetune_command_saves_a_new_run_and_activates_on_request(tiny, tmp_path, monkeypatch, capsys):
    store, run, base = tiny
    monkeypatch.setattr(mathdash.loaders, "load_source", lambda *a, **k: base)  # the tiny run's data
    examples = ExampleStore(tmp_path / "ex")
    for image in _taught(6, 3):
        examples.add(image, "0")
    args = ["finetune", "--run", "tiny", "--epochs", "2", "--base-images", "100", "--copies", "5",
            "--learning-rate", "0.003", "--examples-dir", str(examples.root), "--runs-dir", str(store.root)]
    assert main([*args, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["base_run"] == "tiny" and first["drawings"] == 6 and first["active"] == "tiny"
    assert main([*args, "--activate"]) == 0
    out = capsys.readouterr().out
    assert "your drawings" in out and "active run: " in out
    new_runs = {s.id for s in store.list_runs()} - {"tiny", first["run_id"]}
    assert len(new_runs) == 1 and store.active_id() == new_runs.pop()


def test_a_base_run_trained_on_a_missing_folder_mixes_in_what_is_here(tmp_path):
    from mathdash.finetune import available_sources

    (tmp_path / "mine").mkdir()
    here = str(tmp_path / "mine")
    gone = str(tmp_path / "crohme" / "inkml")
    assert available_sources(f"builtin:symbols + {gone}") == ("builtin:symbols", [gone])
    assert available_sources(f"builtin:symbols + {here}") == (f"builtin:symbols + {here}", [])
    assert available_sources(gone) == ("builtin:symbols", [gone])  # the built-in set at least


def test_finetune_says_when_part_of_the_base_runs_data_is_not_here(tiny, tmp_path, monkeypatch, capsys):
    store, run, base = tiny
    config_path = run.path / "config.json"
    gone = tmp_path / "crohme" / "inkml"
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "data": f"builtin:symbols + {gone}"}))
    loaded = []
    monkeypatch.setattr(mathdash.loaders, "load_source",
                        lambda source, *a, **k: loaded.append(source) or base)
    examples = ExampleStore(tmp_path / "ex")
    for image in _taught(3, 3):
        examples.add(image, "0")
    args = ["finetune", "--run", "tiny", "--epochs", "1", "--base-images", "50", "--copies", "2",
            "--examples-dir", str(examples.root), "--runs-dir", str(store.root)]
    assert main(args) == 0
    assert loaded == ["builtin:symbols"]  # the missing folder is not loaded, the built-in set is
    assert f"note: The base run also trained on {gone}, which is not here" in capsys.readouterr().out
