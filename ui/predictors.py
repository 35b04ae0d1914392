"""Models for the Draw page, loaded in a background thread from the moment the page opens.

Loading TensorFlow and a model takes seconds to tens of seconds; started when the page is drawn, it
is done (or nearly) by the time the first stroke ends. One process-wide cache serves every visitor,
like ``st.cache_resource`` would, but without blocking the script run that starts the load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future

from mathdash.keras_state import keras_work
from mathdash.predict import Predictor

MAX_MODELS = 3  # loaded models kept; the least recently asked for is dropped first

_lock = threading.Lock()
_loads: OrderedDict[str, Future] = OrderedDict()


def start_loading(run_id: str) -> Future:
    """Start loading a run's predictor in a daemon thread (once); returns its future."""
    with _lock:
        future = _loads.get(run_id)
        if future is not None and not (future.done() and future.exception() is not None):
            _loads.move_to_end(run_id)
            return future
        future = Future()
        _loads[run_id] = future
        while len(_loads) > MAX_MODELS:
            _loads.popitem(last=False)
    threading.Thread(target=_load, args=(run_id, future), name=f"mathdash-load-{run_id}", daemon=True).start()
    return future


def get_predictor(run_id: str, timeout: float | None = None) -> Predictor:
    """The run's predictor, waiting for its load (started here if need be).

    Raises:
        MathDashError: the run cannot be loaded (a later call tries again).
        TimeoutError: not loaded within ``timeout`` seconds.
    """
    return start_loading(run_id).result(timeout)


def is_ready(run_id: str) -> bool:
    """True when the run's predictor has finished loading (successfully or not)."""
    with _lock:
        future = _loads.get(run_id)
    return future is not None and future.done()


def clear() -> None:
    """Forget every loaded model (tests; a new load starts on the next request)."""
    with _lock:
        _loads.clear()


def _load(run_id: str, future: Future) -> None:
    from mathdash.predict import load_predictor

    try:
        with keras_work():
            future.set_result(load_predictor(run_id))
    except BaseException as error:  # handed to whoever waits for the model; never lost
        future.set_exception(error)
