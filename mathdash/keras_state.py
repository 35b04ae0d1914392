"""Keep Keras' global state whole while mathdash builds, trains, loads or runs a model in a thread.

``keras.backend.clear_session()`` does not clear the calling thread's state: it replaces the
``threading.local`` object that holds Keras' global state, so every thread in the process loses its
state at once. Two callers do this behind our back: Streamlit, at the end of every script run
(``script_runner._clean_problem_modules``), and keras-tuner, before every trial. A model being built
in a job thread at that moment can come out with a layer missing from its weight list (reproduced:
one build in 200 against a thread that clears in a loop; CI once failed a training job this way).

``keras_work()`` marks such a stretch of work. While any is open, ``clear_session`` does nothing;
otherwise it clears as before, and work that starts meanwhile waits for the clear to end.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_state = threading.Condition()
_open = 0  # keras_work stretches in progress, in all threads
_waiting = 0  # keras_work stretches waiting for a clear to finish
_clearing = False


@contextmanager
def keras_work() -> Iterator[None]:
    """Within this block no ``keras.backend.clear_session()`` from any thread resets Keras' state.

    Re-entrant and usable from any number of threads at once. Imports keras (the callers need it).
    """
    global _open, _waiting
    install_guard()
    with _state:
        _waiting += 1
        while _clearing:
            _state.wait()
        _waiting -= 1
        _open += 1
    try:
        yield
    finally:
        with _state:
            _open -= 1


def install_guard() -> None:
    """Put the guarded ``clear_session`` in place of keras' own (once; later calls change nothing)."""
    import keras

    original = keras.backend.clear_session
    if getattr(original, "_mathdash_guard", False):
        return
    guarded = _guarded(original)
    keras.backend.clear_session = guarded
    keras.utils.clear_session = guarded


def _guarded(original: Callable[..., Any]) -> Callable[..., Any]:
    def clear_session(*args: Any, **kwargs: Any) -> Any:
        global _clearing
        with _state:
            # Skipping a clear only keeps some garbage; clearing now would corrupt a thread's work.
            if _open or _waiting or _clearing:
                return None
            _clearing = True
        try:
            return original(*args, **kwargs)
        finally:
            with _state:
                _clearing = False
                _state.notify_all()

    clear_session._mathdash_guard = True  # type: ignore[attr-defined]
    clear_session.__doc__ = original.__doc__
    return clear_session
