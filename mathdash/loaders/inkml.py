"""CROHME InkML: one 45x45 image per labelled symbol (``traceGroup``), with its writer and strokes.

A folder (searched recursively) or a ``.zip`` of ``.inkml`` files. Each labelled ``traceGroup``
is drawn from the strokes it names (``render_strokes``), its label filed under a Kaggle class
(``symbols.kaggle_class``: letters in either case, ``\\lt`` -> ``lt``, ...). Labels with no class
(``.``) are counted in the load report; an unparsable file is skipped and named.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from mathdash.dataset import IMAGE_SIZE, Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.assemble import order_classes
from mathdash.loaders.cache import DatasetCache, content_key, fetch, file_key
from mathdash.loaders.parallel import Progress, default_workers
from mathdash.loaders.strokes import render_strokes
from mathdash.symbols import kaggle_class

SUFFIX = ".inkml"
MAX_FILE_BYTES = 20 * 2**20  # a CROHME formula is a few kB; anything this big is not one
_SESSION = re.compile(r"^(\d+-\d+)-")  # MathBrush file names: <session>-<n>.inkml, one writer a session
_CHUNK = 200  # files per worker task


@dataclass(frozen=True)
class InkSymbol:
    """One labelled symbol of a formula.

    Attributes:
        label: the annotation as written (``\\alpha``, ``x``, ``.``).
        trace_ids: ids of the strokes it is drawn with, in file order.
        strokes: one float array (K, 2) of (x, y) per stroke.
    """

    label: str
    trace_ids: tuple[str, ...]
    strokes: tuple[np.ndarray, ...]

    @property
    def recording(self) -> str:
        """A digest of the pen points: equal only for the same recorded strokes, whatever the file.

        Two writers' plain bars can draw to the same pixels; their recordings still differ, so the
        duplicate finder never takes one for a copy of the other (``mathdash.dedup``).
        """
        digest = hashlib.blake2b(digest_size=8)
        for stroke in self.strokes:
            points = np.ascontiguousarray(stroke, dtype=np.float64)
            digest.update(np.int64(len(points)).tobytes())
            digest.update(points.tobytes())
        return digest.hexdigest()


def parse_inkml(data: bytes, name: str) -> tuple[str, list[InkSymbol]]:
    """The writer and labelled symbols of one InkML file.

    Args:
        data: the file's bytes.
        name: its file name, for the MathBrush writer (its session prefix) when no writer is named.

    Returns:
        (writer, symbols); the writer is ``""`` when neither the file nor its name tells it.

    Raises:
        ValueError: not well-formed XML, not an ``<ink>`` document, or a trace that is not numbers.
    """
    root = ElementTree.fromstring(data)
    for element in root.iter():  # with or without the InkML namespace
        element.tag = _local(element.tag)
    if root.tag != "ink":
        raise ValueError(f"the root element is <{root.tag}>, not <ink>")
    traces = {_id(t): t.text or "" for t in root.iter("trace")}
    symbols = []
    for group in root.iter("traceGroup"):
        annotation = group.find("annotation[@type='truth']")
        refs = [view.get("traceDataRef", "") for view in group.findall("traceView")]
        if annotation is None or not refs:
            continue  # the outer "Segmentation" group names no strokes
        missing = [ref for ref in refs if ref not in traces]
        if missing:
            raise ValueError(f"traceGroup {_id(group)!r} names missing trace(s) {', '.join(missing)}")
        strokes = tuple(_points(traces[ref], ref) for ref in refs)
        symbols.append(InkSymbol((annotation.text or "").strip(), tuple(refs), strokes))
    return _writer(root, name), symbols


def load_inkml(
    path: str | Path,
    cache: DatasetCache | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Load a folder (searched recursively), a ``.zip`` of InkML files, or one ``.inkml`` file.

    Returns:
        A Dataset of 45x45 images; ``sources`` is each symbol's file, ``extras`` hold ``writer``
        (str, ``""`` when unknown), ``trace_ids`` (str, comma-separated stroke ids) and
        ``recording`` (``InkSymbol.recording``, the digest of its pen points).

    Raises:
        DatasetError: no InkML file, or not one symbol with a Kaggle class.
    """
    path = Path(path).resolve()
    if path.is_file() and path.suffix.lower() == SUFFIX:
        names, key = [path.name], file_key("inkml", [path])
        prefix, path = str(path.parent) + os.sep, path.parent
    elif path.is_file():
        names, key = _zip_members(path), file_key("inkml-zip", [path])
        prefix = str(path) + os.sep
    else:
        files = sorted(str(p) for p in _inkml_files(path))
        prefix = str(path) + os.sep
        names = [f[len(prefix):] for f in files]
        stats = [os.stat(f) for f in files]
        key = content_key("inkml", names, [s.st_size for s in stats], [s.st_mtime_ns for s in stats])
    if not names:
        raise DatasetError(f"no {SUFFIX} files found in {path.name}")
    return fetch(cache, key, prefix, lambda: _decode(path, names, prefix, workers, progress))


def is_inkml_tree(path: Path) -> bool:
    """True when a folder holds ``.inkml`` files at any depth (callers test for class folders first)."""
    return next(_inkml_files(path), None) is not None


def _inkml_files(folder: Path):
    """Every InkML file under ``folder``, at any depth, the suffix in any case (``.INKML`` too)."""
    return (p for p in folder.rglob("*") if p.suffix.lower() == SUFFIX and p.is_file())


def is_inkml_zip(path: Path) -> bool:
    """True when a zip archive lists at least one ``.inkml`` entry."""
    try:
        return bool(_zip_members(path))
    except DatasetError:
        return False


def _decode(path: Path, names: list[str], prefix: str, workers, progress) -> Dataset:
    chunks = [names[i:i + _CHUNK] for i in range(0, len(names), _CHUNK)]
    workers = min(workers or default_workers(), len(chunks))
    results = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for done, result in enumerate(pool.map(_decode_chunk, [str(path)] * len(chunks), chunks)):
                results.append(result)
                _tell(progress, done, len(chunks), names)
    else:
        for done, chunk in enumerate(chunks):
            results.append(_decode_chunk(str(path), chunk))
            _tell(progress, done, len(chunks), names)
    return _assemble(results, path, prefix)


def _tell(progress: Progress | None, done: int, chunks: int, names: list[str]) -> None:
    if progress is not None:
        progress(min((done + 1) * _CHUNK, len(names)), len(names), "drawing InkML strokes")


def _decode_chunk(path: str, names: Sequence[str]) -> dict:
    """Parse and draw the files ``names`` (relative to the folder, or entries of the zip)."""
    images, classes, files, writers, traces, recordings = [], [], [], [], [], []
    skipped, unfiled = [], Counter()
    archive = zipfile.ZipFile(path) if os.path.isfile(path) else None
    try:
        for name in names:
            try:
                data = _read(archive, path, name)
                writer, symbols = parse_inkml(data, os.path.basename(name))
            except (OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as error:
                skipped.append((name, f"not a readable InkML file: {error}"))
                continue
            for symbol in symbols:
                class_name = kaggle_class(symbol.label)
                image = render_strokes(symbol.strokes) if class_name else None
                if image is None:
                    unfiled[symbol.label or "(empty label)"] += 1
                    continue
                images.append(image)
                classes.append(class_name)
                files.append(name)
                writers.append(writer)
                traces.append(",".join(symbol.trace_ids))
                recordings.append(symbol.recording)
    finally:
        if archive is not None:
            archive.close()
    return {"images": images, "classes": classes, "files": files, "writers": writers,
            "traces": traces, "recordings": recordings, "skipped": skipped, "unfiled": unfiled, "count": len(names)}


def _assemble(results: list[dict], path: Path, prefix: str) -> Dataset:
    report = LoadReport()
    unfiled: Counter = Counter()
    for result in results:
        for name, reason in result["skipped"]:
            report.skip(prefix + name, reason)
        unfiled.update(result["unfiled"])
    classes = [c for r in results for c in r["classes"]]
    if not classes:
        raise DatasetError(f"{path.name} holds no symbol with a Kaggle class "
                           f"({len(report.skipped)} unreadable files)")
    class_names = order_classes(classes)
    index = {name: i for i, name in enumerate(class_names)}
    writers = np.array([w for r in results for w in r["writers"]], dtype=str)
    files = sum(r["count"] for r in results) - len(report.skipped)
    report.notes.append(f"{len(classes):,} symbols drawn from {files:,} InkML files; "
                        f"{len(set(writers) - {''}):,} writers")
    if unfiled:
        listed = ", ".join(f"{label!r} x{count}" for label, count in unfiled.most_common(12))
        report.notes.append(f"{sum(unfiled.values()):,} symbols have no Kaggle class and were left "
                            f"out: {listed}")
    unknown = int((writers == "").sum())
    if unknown:
        report.notes.append(f"{unknown:,} symbols come from files that name no writer")
    return Dataset(
        images=np.stack([i for r in results for i in r["images"]]).astype(np.uint8),
        labels=np.array([index[c] for c in classes], dtype=np.int64),
        class_names=class_names,
        sources=[prefix + f for r in results for f in r["files"]],
        name=path.stem if path.is_file() else path.name,
        original_size=(IMAGE_SIZE, IMAGE_SIZE),
        extras={"writer": writers,
                "trace_ids": np.array([t for r in results for t in r["traces"]], dtype=str),
                "recording": np.array([t for r in results for t in r["recordings"]], dtype=str)},
        report=report,
    )


def _zip_members(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return sorted(info.filename for info in archive.infolist()
                          if info.filename.lower().endswith(SUFFIX) and not info.is_dir())
    except (zipfile.BadZipFile, OSError) as error:
        raise DatasetError(f"{path.name} is not a readable zip archive: {error}") from None


def _read(archive: zipfile.ZipFile | None, folder: str, name: str) -> bytes:
    if archive is None:
        full = os.path.join(folder, name)
        if os.path.getsize(full) > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES >> 20} MB")
        with open(full, "rb") as handle:
            return handle.read()
    if archive.getinfo(name).file_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES >> 20} MB")
    return archive.read(name)


def _points(text: str, ref: str) -> np.ndarray:
    """A trace's "x y[ t ...], x y, ..." text as float (K, 2); extra channels are dropped."""
    rows = [row.split() for row in text.strip().split(",") if row.strip()]
    try:
        return np.array([[float(row[0]), float(row[1])] for row in rows], dtype=np.float64).reshape(-1, 2)
    except (ValueError, IndexError):
        raise ValueError(f"trace {ref!r} is not a list of 'x y' points") from None


def _writer(root: ElementTree.Element, name: str) -> str:
    for annotation in root.findall("annotation"):
        if annotation.get("type") == "writer" and (annotation.text or "").strip():
            return annotation.text.strip()
    session = _SESSION.match(name)
    return session.group(1) if session else ""


def _id(element: ElementTree.Element) -> str:
    return element.get("id") or element.get("{http://www.w3.org/XML/1998/namespace}id") or ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
