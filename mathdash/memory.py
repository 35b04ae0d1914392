"""The process's resident memory, and giving memory back after a heavy job.

A finished training or search leaves Keras' global state (layer names, cached functions) and freed
but unreturned heap behind; on Streamlit Cloud every visitor shares that one process.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")


def rss_bytes() -> int:
    """Resident set size of this process now, in bytes (0 where ``/proc`` is missing)."""
    return _status_kib("VmRSS") * 1024


def anonymous_rss_bytes() -> int:
    """The part of the resident set that is the process's own memory (heap, arrays), not mapped
    library files, which the system shares and can drop; in bytes (0 where ``/proc`` is missing)."""
    return _status_kib("RssAnon") * 1024


def peak_rss_bytes() -> int:
    """The highest resident set size this process has had, in bytes (0 where ``/proc`` is missing)."""
    return _status_kib("VmHWM") * 1024


def release_memory() -> None:
    """Collect garbage, clear Keras' session and return freed heap to the system.

    The clear goes through the guarded ``clear_session`` (``mathdash.keras_state``): while any
    thread is building, training, loading or running a model it is skipped, never forced. Keras is
    not imported here when nothing imported it yet.
    """
    gc.collect()
    if "keras" in sys.modules:
        from mathdash.keras_state import install_guard

        install_guard()
        sys.modules["keras"].backend.clear_session()
        gc.collect()
    _trim_heap()


def _trim_heap() -> None:
    """glibc keeps freed memory in its arenas (one per thread that allocated); ``malloc_trim`` returns it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # another C library (musl): nothing to trim this way


def _status_kib(field: str) -> int:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
