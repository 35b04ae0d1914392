"""A heavy job in a process of its own: the child side of ``mathdash.jobs``' process isolation.

Run by the job manager as ``python -m mathdash.worker PAYLOAD MESSAGES COMMANDS``: PAYLOAD is a
pickle of ``(fn, kwargs)``; MESSAGES and COMMANDS are pipe file descriptors. The child calls
``fn(progress=..., stop_event=..., **kwargs)`` and sends, as pickled messages on MESSAGES,
``("progress", update)`` for every report, then ``("memory", peak_rss_bytes)`` and one of
``("done", result)``, ``("stopped", result)`` or ``("failed", text)``. A ``"stop"`` on COMMANDS,
or COMMANDS closing because the app's process ended, sets the stop event. Whatever the job prints
goes to stderr, never into the message pipe.

Everything the job allocated (TensorFlow's graphs, caches, freed heap) goes when the process ends,
so the app's memory after a job is what it was before.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any


def main(argv: list[str]) -> int:
    payload_path, messages_fd, commands_fd = argv[0], int(argv[1]), int(argv[2])
    os.dup2(2, 1)  # stray prints (TensorFlow, keras-tuner) go to the log, not into the protocol
    messages = Connection(messages_fd, readable=False)
    stop_event = threading.Event()
    threading.Thread(target=_listen, args=(Connection(commands_fd, writable=False), stop_event),
                     daemon=True, name="mathdash-worker-commands").start()
    outcome = _run(payload_path, messages, stop_event)
    from mathdash.memory import peak_rss_bytes

    messages.send(("memory", peak_rss_bytes()))
    try:
        messages.send(outcome)
    except Exception as error:  # an unpicklable result: say so rather than vanish
        outcome = ("failed", f"the job finished but its result could not be sent back to the app: "
                             f"{type(error).__name__}: {error}")
        messages.send(outcome)
    messages.close()
    return 0 if outcome[0] != "failed" else 1


def _run(payload_path: str, messages: Connection, stop_event: threading.Event) -> tuple[str, Any]:
    from mathdash.jobs import JobStopped

    lock = threading.Lock()  # a job may report from several threads (a search's trials)

    def progress(update: dict[str, Any] | int, total: int | None = None, message: str = "") -> None:
        if not isinstance(update, dict):
            update = {"done": int(update), "total": total, "message": message}
        with lock:
            messages.send(("progress", update))

    try:
        with open(payload_path, "rb") as handle:
            fn, kwargs = pickle.load(handle)
        result = fn(progress=progress, stop_event=stop_event, **kwargs)
        return ("stopped" if stop_event.is_set() else "done", result)
    except JobStopped:
        return ("stopped", None)
    except Exception as error:  # reported to the app, which shows it; the app itself never fails
        return ("failed", f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}")


def _listen(commands: Connection, stop_event: threading.Event) -> None:
    """Set ``stop_event`` on a "stop" command, or when the app's end of the pipe closes."""
    while True:
        try:
            command = commands.recv()
        except (EOFError, OSError):
            stop_event.set()
            return
        if command == "stop":
            stop_event.set()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
