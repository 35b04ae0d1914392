"""HASYv2: ``hasy-data-labels.csv`` (path, symbol_id, latex, user_id) beside its 32x32 PNGs.

LaTeX labels become catalogue class names (``\\alpha`` -> ``alpha``); the images are scaled whole
to 45x45 like any other file.
"""

from __future__ import annotations

import csv
import os
from functools import partial
from pathlib import Path

from mathdash.dataset import Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.assemble import dataset_from_files
from mathdash.loaders.cache import DatasetCache, content_key, fetch
from mathdash.loaders.parallel import Progress
from mathdash.symbols import name_from_latex

LABELS_CSV = "hasy-data-labels.csv"
REQUIRED_COLUMNS = ("path", "latex")


def find_hasy_csv(path: str | Path) -> Path:
    """The labels csv: ``path`` itself or ``hasy-data-labels.csv`` inside the folder ``path``.

    Raises:
        DatasetError: no such csv.
    """
    path = Path(path)
    found = path / LABELS_CSV if path.is_dir() else path
    if not found.is_file():
        raise DatasetError(f"no {LABELS_CSV} found at {path}")
    return found


def is_hasy_csv(path: Path) -> bool:
    """True when a csv's header names the HASYv2 columns."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            header = next(csv.reader(handle), [])
    except OSError:
        return False
    return all(column in header for column in REQUIRED_COLUMNS)


def load_hasy(
    path: str | Path,
    cache: DatasetCache | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Load HASYv2 from its labels csv (or the folder holding it).

    Raises:
        DatasetError: no csv, missing columns, or not one readable image.
    """
    csv_path = find_hasy_csv(path).resolve()
    report = LoadReport()
    paths, classes = _read_rows(csv_path, report)
    paths, classes, sizes, mtimes = _stat_files(paths, classes, report)
    prefix = str(csv_path.parent) + os.sep
    names = [csv_path.name] + [p[len(prefix):] if p.startswith(prefix) else p for p in paths]
    stat = csv_path.stat()
    key = content_key("hasy", names, [stat.st_size, *sizes], [stat.st_mtime_ns, *mtimes])
    report.notes.append("LaTeX labels mapped to catalogue class names")
    name = csv_path.parent.name or "hasy"
    build = partial(dataset_from_files, paths, classes, name, report, workers, progress)
    return fetch(cache, key, prefix, build)


def _read_rows(csv_path: Path, report: LoadReport) -> tuple[list[str], list[str]]:
    """(image paths, class names) of every usable row; malformed rows are skipped."""
    folder = str(csv_path.parent)
    paths, classes = [], []
    with open(csv_path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{csv_path.name} lacks the column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            relative, latex = (row.get("path") or "").strip(), (row.get("latex") or "").strip()
            if not relative or not latex:
                report.skip(f"{csv_path}:{line}", "row without a path or a latex label")
                continue
            paths.append(os.path.normpath(os.path.join(folder, relative)))
            classes.append(name_from_latex(latex))
    return paths, classes


def _stat_files(paths: list[str], classes: list[str], report: LoadReport):
    """Keep the rows whose file exists: (paths, classes, sizes, mtimes)."""
    kept_paths, kept_classes, sizes, mtimes = [], [], [], []
    for path, class_name in zip(paths, classes):
        try:
            stat = os.stat(path)
        except OSError:
            report.skip(path, "listed in the csv but not found")
            continue
        kept_paths.append(path)
        kept_classes.append(class_name)
        sizes.append(stat.st_size)
        mtimes.append(stat.st_mtime_ns)
    return kept_paths, kept_classes, sizes, mtimes
