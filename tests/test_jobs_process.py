"""Jobs in a process of their own (the app's default): results, progress, stop, failures, a real training."""

import os
import time

import numpy as np
import pytest

from mathdash.dataset import Dataset
from mathdash.jobs import JobManager
from mathdash.runs import RunStore

WAIT_S = 60  # a child starts a fresh interpreter; on a loaded 2-core machine that takes seconds


def _report_and_return(progress, stop_event, steps: int):
    for step in range(steps):
        progress({"epoch": step + 1, "loss": 1.0 / (step + 1)})
    progress(steps, steps, "package-style")
    return {"pid": os.getpid(), "steps": steps, "array": np.arange(steps)}


def _until_stopped(progress, stop_event, marker: str):
    progress({"message": "waiting"})
    while not stop_event.wait(0.02):
        pass
    return f"stopped at {marker}"


def _failing(progress, stop_event):
    progress({"message": "about to fail"})
    raise ValueError("the data has no class 'x'")


def _dying(progress, stop_event):
    progress({"message": "about to die"})
    os._exit(7)


def _unsendable_result(progress, stop_event):
    return lambda: None  # functions made here cannot be pickled


def test_a_job_runs_in_another_process_and_its_result_and_progress_come_back():
    manager = JobManager("process")
    job = manager.submit("train", _report_and_return, title="child", steps=3)
    assert manager.wait(WAIT_S) is job
    assert job.state == "done", job.error
    assert job.result["pid"] != os.getpid()
    assert job.result["steps"] == 3 and job.result["array"].tolist() == [0, 1, 2]
    progress, events = job.snapshot()
    assert [e["epoch"] for e in events[:3]] == [1, 2, 3]
    assert events[2]["loss"] == pytest.approx(1 / 3)
    assert progress == {"done": 3, "total": 3, "message": "package-style", "time": progress["time"]}
    assert job.peak_rss > 2**20  # the child's own peak, reported before it ended
    assert manager.running() is None


def test_a_stop_request_reaches_the_child_and_the_job_ends_stopped_with_its_result():
    manager = JobManager("process")
    job = manager.submit("train", _until_stopped, marker="here")
    deadline = time.monotonic() + WAIT_S
    while not job.snapshot()[1] and time.monotonic() < deadline:  # the child is up and waiting
        time.sleep(0.05)
    assert job.snapshot()[0]["message"] == "waiting"
    job.stop()
    manager.wait(WAIT_S)
    assert job.state == "stopped"
    assert job.result == "stopped at here"


def test_a_failing_job_reports_the_childs_error_and_frees_the_manager():
    manager = JobManager("process")
    job = manager.submit("train", _failing)
    manager.wait(WAIT_S)
    assert job.state == "failed"
    assert job.error.startswith("ValueError: the data has no class 'x'")
    assert "_failing" in job.error  # the child's traceback
    assert job.snapshot()[0]["message"] == "about to fail"
    assert manager.submit("train", _report_and_return, steps=1) is not None  # free again
    manager.wait(WAIT_S)


def test_a_child_that_dies_fails_the_job_with_its_exit_code():
    manager = JobManager("process")
    job = manager.submit("train", _dying)
    manager.wait(WAIT_S)
    assert job.state == "failed"
    assert "exit code 7 before it reported a result" in job.error


def test_a_function_that_cannot_be_sent_fails_with_a_message_not_a_crash():
    manager = JobManager("process")
    job = manager.submit("train", lambda progress, stop_event: 1)
    manager.wait(WAIT_S)
    assert job.state == "failed"
    assert job.error.startswith("the train job cannot be sent to a process of its own")
    unsendable = manager.submit("train", _unsendable_result)
    manager.wait(WAIT_S)
    assert unsendable.state == "failed"
    assert "its result could not be sent back to the app" in unsendable.error


def test_an_unknown_isolation_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="process, thread"):
        JobManager("fork")
    monkeypatch.setenv("MATHDASH_JOBS", "process")
    assert JobManager().isolation == "process"
    monkeypatch.setenv("MATHDASH_JOBS", "thread")
    assert JobManager().isolation == "thread"


@pytest.mark.slow
def test_a_training_in_its_own_process_saves_a_run_this_process_can_load(tmp_path, monkeypatch):
    from mathdash.train import RunResult, TrainConfig, train_model

    monkeypatch.setenv("MATHDASH_RUNS_DIR", str(tmp_path / "runs"))  # the child inherits it
    rng = np.random.default_rng(0)
    images = np.full((60, 45, 45), 255, np.uint8)
    labels = np.repeat([0, 1], 30)
    images[labels == 0, 20:25, 5:40] = rng.integers(0, 60, (30, 5, 35))  # '-': a bar across
    images[labels == 1, 5:40, 20:25] = rng.integers(0, 60, (30, 35, 5))  # '|': a bar down
    dataset = Dataset(images, labels, ["-", "ascii_124"], ["t"] * 60, name="bars")
    config = TrainConfig(data="test:bars", model="baseline", epochs=2, batch_size=16, dedup=False,
                         balance=None)
    manager = JobManager("process")
    job = manager.submit("train", train_model, dataset=dataset, config=config)
    manager.wait(300)
    assert job.state == "done", job.error
    assert isinstance(job.result, RunResult)
    assert [e["epoch"] for e in job.snapshot()[1] if "epoch" in e and "val_accuracy" in e][-1] == 2
    run = RunStore().load(job.result.run_id)
    assert run.metrics["accuracy"] >= 0.9  # two bars the child's model told apart
    assert run.metrics["accuracy"] == job.result.metrics["accuracy"]
