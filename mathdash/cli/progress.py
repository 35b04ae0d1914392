"""The progress bar every command draws on stderr, fed by the package's progress callbacks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(description: str, unit: str = "img") -> Iterator[Callable[..., None]]:
    """A ``progress(done, total, message)`` callback drawing a tqdm bar on stderr."""
    from tqdm import tqdm

    bar = tqdm(desc=description, unit=unit, file=sys.stderr, disable=None, leave=False)

    def progress(done: int, total: int, message: str = "") -> None:
        bar.total = total
        bar.set_description(message or description, refresh=False)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.close()
