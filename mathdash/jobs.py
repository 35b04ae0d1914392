"""One heavy job at a time per process, run from a background thread, visible to every caller.

Streamlit serves every visitor from one process: a training or tuning job started here outlives
the page run that started it, and any page (a reload, a second visitor) finds it in ``MANAGER``.

By default each job runs in a child process of its own (``mathdash.worker``), supervised by a
thread here that relays its progress and stop requests: TensorFlow's graphs, caches and freed heap
go when the child ends, so the app's memory after a job is what it was before, however many jobs
visitors run. ``isolation="thread"`` (or ``MATHDASH_JOBS=thread``) runs the function in the thread
itself, which is what tests that replace job functions need.
"""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from mathdash.errors import MathDashError

JOB_STATES = ("running", "done", "failed", "stopped")
MAX_EVENTS = 20_000  # bounds memory for very long jobs; curves need far fewer points
ISOLATIONS = ("process", "thread")
ISOLATION_ENV = "MATHDASH_JOBS"
_LOG_TAIL = 3000  # characters of a dead child's log shown in the job's error


class JobBusy(MathDashError):
    """A heavy job is already running; the message names it."""


class JobStopped(MathDashError):
    """Raised by a job function that honoured a stop request (the job ends as 'stopped')."""


@dataclass
class Job:
    """A background job and what it has reported so far (read by any thread, written by its own).

    Attributes:
        id: short unique id, e.g. ``train-3``.
        kind: what it does ('train', 'tune', ...).
        title: one line for people ("baseline on builtin:symbols, 12 epochs").
        state: 'running', 'done', 'failed' or 'stopped'.
        started, finished: wall-clock times (``finished`` None while running).
        progress: the latest progress dict.
        events: every progress dict so far, oldest first (for curves).
        result: what the job function returned ('done' and 'stopped' jobs).
        error: the error message and traceback of a 'failed' job ('' otherwise).
        peak_rss: the highest resident memory of the job's own process, in bytes (0 for a job run
            in a thread of the app's process, or before it ends).
    """

    id: str
    kind: str
    title: str = ""
    state: str = "running"
    started: datetime = field(default_factory=datetime.now)
    finished: datetime | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    error: str = ""
    peak_rss: int = 0
    stop_event: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def stop(self) -> None:
        """Ask the job to stop; the job function sees ``stop_event`` set and ends cleanly."""
        self.stop_event.set()

    def report(self, update: dict[str, Any] | int, total: int | None = None, message: str = "") -> None:
        """The progress callback handed to the job function; thread-safe.

        Accepts a dict (training progress) or the package's ``(done, total, message)`` form,
        stored as ``{"done", "total", "message"}``.
        """
        if not isinstance(update, dict):
            update = {"done": int(update), "total": total, "message": message}
        update = {**update, "time": time.time()}
        with self._lock:
            self.progress = update
            if len(self.events) < MAX_EVENTS:
                self.events.append(update)

    def snapshot(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A consistent copy of (progress, events) for drawing."""
        with self._lock:
            return dict(self.progress), list(self.events)

    def seconds(self) -> float:
        """Elapsed seconds, up to now for a running job."""
        end = self.finished or datetime.now()
        return (end - self.started).total_seconds()


class JobManager:
    """Runs at most one job at a time, each from a daemon thread; remembers the latest job.

    Args:
        isolation: "process" (a child process per job) or "thread" (in the app's process); by
            default ``$MATHDASH_JOBS``, else "process".
    """

    def __init__(self, isolation: str | None = None) -> None:
        isolation = isolation or os.environ.get(ISOLATION_ENV) or "process"
        if isolation not in ISOLATIONS:
            raise ValueError(f"job isolation must be one of {', '.join(ISOLATIONS)}, got {isolation!r}")
        self.isolation = isolation
        self._lock = threading.Lock()
        self._latest: Job | None = None
        self._count = itertools.count(1)

    def submit(self, kind: str, fn: Callable[..., Any], title: str = "", **kwargs: Any) -> Job:
        """Start ``fn(progress=job.report, stop_event=job.stop_event, **kwargs)`` in the background.

        With process isolation ``fn`` and ``kwargs`` are pickled to the child (``fn`` must be a
        module-level function) and the result is pickled back.

        Returns:
            The new running Job.

        Raises:
            JobBusy: another job is still running (its kind, title and id in the message).
        """
        with self._lock:
            running = self._latest if self._latest is not None and self._latest.running else None
            if running is not None:
                raise JobBusy(
                    f"a {running.kind} job is already running ({running.title or running.id}, "
                    f"started {running.started:%H:%M:%S}); stop it or wait for it to finish"
                )
            job = Job(id=f"{kind}-{next(self._count)}", kind=kind, title=title)
            self._latest = job
        target = _run_job if self.isolation == "thread" else _run_job_in_process
        thread = threading.Thread(target=target, args=(job, fn, kwargs), name=f"mathdash-{job.id}")
        thread.daemon = True  # never keeps the app process alive at shutdown
        thread.start()
        return job

    def current(self) -> Job | None:
        """The running job, else the last finished one (so its result stays visible), else None."""
        return self._latest

    def running(self) -> Job | None:
        """The running job, or None."""
        job = self._latest
        return job if job is not None and job.running else None

    def wait(self, timeout: float | None = None) -> Job | None:
        """Block until no job runs (or ``timeout`` seconds pass); returns the latest job."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.running() is not None:
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self._latest


def _run_job(job: Job, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    try:
        job.result = fn(progress=job.report, stop_event=job.stop_event, **kwargs)
        state = "stopped" if job.stop_event.is_set() else "done"
    except JobStopped:
        state = "stopped"
    except Exception as error:  # a failed job must report, never kill the app's process
        job.error = f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"
        state = "failed"
    _release_after(job)
    job.finished = datetime.now()
    job.state = state


def _run_job_in_process(job: Job, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    try:
        state, value = _run_in_child(job, fn, kwargs)
    except MathDashError as error:
        state, value = "failed", str(error)
    except Exception as error:  # the child could not be started or its pipe broke: the job fails
        state, value = "failed", f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"
    if state == "failed":
        job.error = value
    else:
        job.result = value
    job.finished = datetime.now()
    job.state = state


def _run_in_child(job: Job, fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
    """Run the job in ``python -m mathdash.worker``; relay progress and stop; (state, result or error)."""
    with tempfile.TemporaryDirectory(prefix="mathdash-job-") as folder:
        payload, log = Path(folder) / "payload.pickle", Path(folder) / "log.txt"
        try:
            payload.write_bytes(pickle.dumps((fn, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            message = f"the {job.kind} job cannot be sent to a process of its own: {error}"
            raise MathDashError(message) from None
        messages_in, messages_out = os.pipe()
        commands_in, commands_out = os.pipe()
        # The child imports what this process imports, from the same places.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path or os.getcwd() for path in sys.path)}
        with log.open("wb") as log_file:
            child = subprocess.Popen(
                [sys.executable, "-m", "mathdash.worker", str(payload), str(messages_out), str(commands_in)],
                pass_fds=(messages_out, commands_in), stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=log_file, env=env)
        os.close(messages_out)
        os.close(commands_in)
        messages = Connection(messages_in, writable=False)
        commands = Connection(commands_out, readable=False)
        relay = threading.Thread(target=_relay_stop, args=(job, child, commands), daemon=True,
                                 name=f"mathdash-{job.id}-stop")
        relay.start()
        outcome = None
        try:
            while True:
                try:
                    kind, value = messages.recv()
                except EOFError:  # the child has ended (or died)
                    break
                if kind == "progress":
                    job.report(value)
                elif kind == "memory":
                    job.peak_rss = int(value)
                else:
                    outcome = (kind, value)
        finally:
            code = child.wait()
            messages.close()
            relay.join()
            commands.close()
        if outcome is None:
            killed = " (killed: out of memory?)" if code == -9 else ""
            tail = log.read_text(errors="replace")[-_LOG_TAIL:]
            outcome = ("failed", f"the {job.kind} job's process ended with exit code {code}{killed} "
                                 f"before it reported a result; the end of its log:\n\n{tail}")
        return outcome


def _relay_stop(job: Job, child: subprocess.Popen, commands: Connection) -> None:
    """Pass a stop request on to the child, for as long as it runs."""
    while child.poll() is None:
        if job.stop_event.wait(0.1):
            try:
                commands.send("stop")
            except OSError:  # the child has just ended
                pass
            return


def _release_after(job: Job) -> None:
    """Free what the job's models and searches held (its result keeps only metrics and tables)."""
    from mathdash import memory

    try:
        memory.release_memory()
    except Exception as error:  # freeing memory must never turn a finished job into a failed one
        job.report({"message": f"could not release memory after the job: {error}"})


MANAGER = JobManager()
