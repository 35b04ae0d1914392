"""Scoring a run on real handwriting: only the writers it never saw when it trained on the source."""

import numpy as np
import pytest

from mathdash.loaders import load_source
from mathdash.runs import RunStore
from mathdash.source_eval import evaluate_run_on, held_out_images, list_evaluations, save_evaluation
from mathdash.train import TrainConfig, train_model
from tests.inkml_support import circle, line, write_inkml

pytestmark = pytest.mark.slow


def write_writers(root, writers=12, per_class=6, seed=0):
    """Each writer draws '-', '|' and 'o' a few times, with their own slant and wobble."""
    rng = np.random.default_rng(seed)
    for w in range(writers):
        symbols = []
        for _ in range(per_class):
            slant, wobble = rng.normal(0, 0.15), rng.normal(0, 0.4, 2)
            symbols += [("-", [line(0, wobble[0], 10, wobble[1])]),
                        ("|", [line(slant * 10 + wobble[0], 0, 0, 10)]),
                        ("o", [circle(wobble[0], wobble[1], 4 + rng.uniform(0, 1))])]
        write_inkml(root / f"w{w}.inkml", symbols, writer=f"writer{w}")
    return root


def test_a_run_trained_on_the_source_is_scored_on_its_unseen_writers_only(tmp_path):
    source = write_writers(tmp_path / "ink")
    config = TrainConfig(data=str(source), model="baseline", epochs=3, dedup=False, seed=1)
    store = RunStore(tmp_path / "runs")
    result = train_model(load_source(source, use_cache=False), config, store=store)
    run = store.load(result.run_id)

    images, scope = held_out_images(run, str(source))
    train_writers = {f"writer{w}" for w in range(12)} - set(images.extras["writer"])
    assert "never trained on" in scope and f"{len(set(images.extras['writer']))} writers" in scope
    assert sorted(set(images.extras["writer"])) == result.metrics["test_writers"][str(source)]
    assert 0 < len(images) < 12 * 18 and len(train_writers) >= 6
    assert len(images) == result.metrics["test_size"]

    scored = evaluate_run_on(run, str(source))
    assert scored["accuracy"] == pytest.approx(result.metrics["accuracy"])
    assert scored["accuracy"] >= 0.9 and scored["top5_accuracy"] == 1.0  # three easy classes
    path = save_evaluation(run, scored)
    assert path.endswith("evaluations/ink.json".replace("ink", f"{tmp_path.name}_ink"))
    assert [e["source"] for e in list_evaluations(store.load(run.id))] == [str(source)]

    other = write_writers(tmp_path / "other", writers=2, seed=5)
    everything, scope = held_out_images(run, str(other))
    assert len(everything) == 2 * 18 and scope.startswith(f"all of {other}")
