"""The process-wide job manager: one job at a time, progress, stop requests, failures."""

import threading
import time

import pytest

from mathdash.jobs import JobBusy, JobManager, JobStopped

WAIT_S = 10


def _counting(progress, stop_event, steps: int, release: threading.Event):
    """A job that reports ``steps`` updates, then waits for ``release`` (or a stop)."""
    for step in range(steps):
        progress({"epoch": step + 1, "loss": 1.0 / (step + 1)})
    while not release.wait(0.01):
        if stop_event.is_set():
            raise JobStopped("stopped on request")
    return steps * 10


def test_a_second_job_is_refused_while_one_runs():
    manager, release = JobManager("thread"), threading.Event()
    first = manager.submit("train", _counting, title="first job", steps=1, release=release)
    with pytest.raises(JobBusy, match="first job"):
        manager.submit("tune", _counting, steps=1, release=release)
    assert manager.running() is first
    release.set()
    assert manager.wait(WAIT_S) is first
    assert first.state == "done"
    assert first.result == 10
    second = manager.submit("tune", _counting, steps=1, release=release)  # free again
    manager.wait(WAIT_S)
    assert second.state == "done"
    assert second.id != first.id


def test_progress_updates_are_kept_in_order():
    manager, release = JobManager("thread"), threading.Event()
    release.set()
    job = manager.submit("train", _counting, steps=4, release=release)
    manager.wait(WAIT_S)
    progress, events = job.snapshot()
    assert [e["epoch"] for e in events] == [1, 2, 3, 4]
    assert progress["loss"] == pytest.approx(0.25)
    assert manager.current() is job and manager.running() is None


def test_stop_ends_the_job_as_stopped():
    manager, release = JobManager("thread"), threading.Event()
    job = manager.submit("train", _counting, steps=1, release=release)
    job.stop()
    manager.wait(WAIT_S)
    assert job.state == "stopped"
    assert job.finished is not None


def test_a_job_that_returns_after_a_stop_request_is_stopped_with_its_result():
    def partial(progress, stop_event):
        stop_event.wait(WAIT_S)
        return "partial result"

    manager = JobManager("thread")
    job = manager.submit("train", partial)
    job.stop()
    manager.wait(WAIT_S)
    assert (job.state, job.result) == ("stopped", "partial result")


def test_a_failing_job_reports_its_error_and_frees_the_manager():
    def broken(progress, stop_event):
        raise ValueError("bad input")

    manager = JobManager("thread")
    job = manager.submit("train", broken)
    manager.wait(WAIT_S)
    assert job.state == "failed"
    assert job.error.startswith("ValueError: bad input")
    assert "Traceback" in job.error
    assert manager.running() is None


def test_package_style_progress_is_stored_as_a_dict():
    def hashing(progress, stop_event):
        progress(3, 12, "hashing")

    manager = JobManager("thread")
    job = manager.submit("dedup", hashing)
    manager.wait(WAIT_S)
    stored = {k: job.progress[k] for k in ("done", "total", "message")}
    assert stored == {"done": 3, "total": 12, "message": "hashing"}


def test_a_finished_job_releases_memory_before_it_reads_as_done(monkeypatch):
    import mathdash.memory

    manager, seen = JobManager("thread"), []
    monkeypatch.setattr(mathdash.memory, "release_memory", lambda: seen.append(manager.running()))
    manager.submit("train", lambda progress, stop_event: 1)
    job = manager.wait(WAIT_S)
    assert job.state == "done" and len(seen) == 1
    assert seen[0] is job  # still running while memory was released: pages see 'done' after it


def test_release_memory_clears_keras_only_through_the_guard():
    import keras

    from mathdash.keras_state import keras_work
    from mathdash.memory import peak_rss_bytes, release_memory, rss_bytes

    assert 0 < rss_bytes() <= peak_rss_bytes()
    with keras_work():
        first = keras.layers.Dense(2).name
        release_memory()  # skipped: a model is being worked on, so Keras' name counter runs on
        assert keras.layers.Dense(2).name != first
    assert getattr(keras.backend.clear_session, "_mathdash_guard", False)
    release_memory()  # nothing open: cleared, the counter starts again
    assert keras.layers.Dense(2).name == "dense"


def test_progress_is_read_and_the_job_stopped_from_a_second_thread():
    """A viewer thread (like a second visitor's page run) watches the progress and asks for a stop."""
    def until_stopped(progress, stop_event):
        step = 0
        while not stop_event.is_set():
            step += 1
            progress(step, 0, f"step {step}")  # the package's (done, total, message) form
            stop_event.wait(0.005)
        raise JobStopped(f"stopped after {step} steps")

    manager = JobManager("thread")
    job = manager.submit("tune", until_stopped, title="endless")
    seen = []

    def viewer():
        while job.running:
            progress, events = job.snapshot()
            if progress and progress["done"] >= 5:
                seen.append((progress, len(events)))
                job.stop()
                return
            time.sleep(0.001)

    watcher = threading.Thread(target=viewer)
    watcher.start()
    watcher.join(WAIT_S)
    assert not watcher.is_alive()
    assert manager.wait(WAIT_S) is job
    assert job.state == "stopped" and manager.running() is None
    (progress, count), = seen
    assert progress["message"] == f"step {progress['done']}" and count >= progress["done"] >= 5
    done = [event["done"] for event in job.events]
    assert done == list(range(1, len(done) + 1))  # every update kept, in order, none torn
