"""Decoding many image files at once: chunks of files spread over a pool of worker processes.

A Kaggle-scale folder is 376k tiny JPEGs; one process decodes a few thousand a second, so the
chunks go to every core and the progress callback hears about each finished chunk.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.loaders.images import UnreadableImage, decode_file

CHUNK_SIZE = 4000  # most files per task: amortises pickling, still reports progress often
PARALLEL_FROM = 20_000  # fewer files decode faster here than worker start-up (~0.5 s) would allow
_CHUNKS_PER_WORKER = 4  # at least this many tasks per worker, so none idles at the end

Progress = Callable[[int, int, str], None]


@dataclass
class DecodedFiles:
    """The outcome of decoding a list of files, row i for file i.

    Attributes:
        images: uint8 array (N, 45, 45), ink dark on white; blank paper where decoding failed.
        ok: bool array (N,), True where the file decoded.
        reasons: N strings, empty where ok, else why the file was skipped.
        sizes: int32 array (N, 2), original (height, width); (0, 0) where decoding failed.
        inverted: bool array (N,), True where a white-on-black image was inverted.
        notes: facts for the load report (e.g. the worker pool failed and this process took over).
    """

    images: np.ndarray
    ok: np.ndarray
    reasons: list[str]
    sizes: np.ndarray
    inverted: np.ndarray
    notes: list[str] = field(default_factory=list)


def default_workers() -> int:
    """The number of cores this process may use, counted now (not at import)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def decode_files(
    paths: Sequence[str],
    workers: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    parallel_from: int = PARALLEL_FROM,
) -> DecodedFiles:
    """Decode image files into 45x45 dataset images, in parallel when there is more than a chunk.

    Args:
        paths: files to decode.
        workers: worker processes; None for every available core, 1 to stay in this process.
        progress: called as ``progress(done, total, message)`` after each chunk.
        chunk_size: most files per task.
        parallel_from: fewer files than this are decoded in this process.

    Returns:
        ``DecodedFiles`` aligned with ``paths``; one bad file never stops the others.
    """
    total = len(paths)
    collector = _Collector(total, progress)
    workers = default_workers() if workers is None else max(1, workers)
    parallel = workers > 1 and total >= parallel_from and not multiprocessing.current_process().daemon
    if parallel:
        chunk_size = max(1, min(chunk_size, math.ceil(total / (workers * _CHUNKS_PER_WORKER))))
    chunks = [(start, list(paths[start:start + chunk_size])) for start in range(0, total, chunk_size)]
    pending = _decode_in_pool(chunks, workers, collector) if parallel else chunks
    for start, chunk in pending:  # the whole job, or what a broken pool left undone
        collector.store(start, decode_chunk(chunk))
    return collector.result


def decode_chunk(paths: list[str]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Decode one chunk; runs in a worker process, so it returns plain arrays and strings.

    Returns:
        (images uint8 (n, 45, 45), reasons (n,) '' where ok, sizes int32 (n, 2), inverted bool (n,)).
    """
    count = len(paths)
    images = np.full((count, IMAGE_SIZE, IMAGE_SIZE), PAPER, dtype=np.uint8)
    reasons = [""] * count
    sizes = np.zeros((count, 2), dtype=np.int32)
    inverted = np.zeros(count, dtype=bool)
    for i, path in enumerate(paths):
        try:
            decoded = decode_file(path)
        except UnreadableImage as error:
            reasons[i] = str(error)
            continue
        except Exception as error:  # noqa: BLE001 - a decoder bug must cost one file, not the load
            reasons[i] = f"cannot decode: {type(error).__name__}: {error}"
            continue
        images[i], sizes[i], inverted[i] = decoded.pixels, decoded.original_size, decoded.inverted
    return images, reasons, sizes, inverted


def _decode_in_pool(chunks, workers: int, collector: _Collector) -> list[tuple[int, list[str]]]:
    """Run chunks in worker processes; returns the chunks left undone if the pool broke."""
    done: set[int] = set()
    # "spawn": forking a process that runs threads (Streamlit, TensorFlow) can deadlock the child.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
            futures = {pool.submit(decode_chunk, chunk): start for start, chunk in chunks}
            for future in as_completed(futures):
                collector.store(futures[future], future.result())
                done.add(futures[future])
    except (BrokenProcessPool, OSError) as error:  # e.g. processes may not be started here
        collector.result.notes.append(
            f"worker processes failed ({type(error).__name__}: {error}); the rest was decoded in one process"
        )
    return [(start, chunk) for start, chunk in chunks if start not in done]


class _Collector:
    """Gathers chunk results into one ``DecodedFiles`` and reports progress per chunk."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress
        self.result = DecodedFiles(
            images=np.full((total, IMAGE_SIZE, IMAGE_SIZE), PAPER, dtype=np.uint8),
            ok=np.zeros(total, dtype=bool),
            reasons=[""] * total,
            sizes=np.zeros((total, 2), dtype=np.int32),
            inverted=np.zeros(total, dtype=bool),
        )

    def store(self, start: int, chunk: tuple[np.ndarray, list[str], np.ndarray, np.ndarray]) -> None:
        images, reasons, sizes, inverted = chunk
        stop = start + len(reasons)
        result = self.result
        result.images[start:stop] = images
        result.reasons[start:stop] = reasons
        result.ok[start:stop] = [not reason for reason in reasons]
        result.sizes[start:stop] = sizes
        result.inverted[start:stop] = inverted
        self.done += len(reasons)
        if self.progress is not None:
            self.progress(self.done, self.total, "decoding images")
