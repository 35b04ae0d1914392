"""``python -m mathdash predict IMAGE [IMAGE ...]``: the top classes of image files.

Each file is prepared like a canvas drawing (``prepare_drawing``) and ranked by a saved run; a file
that cannot be read or holds no ink is reported on its own line and the others still run.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mathdash.confidence import DEFAULT_MAX_ENTROPY, DEFAULT_MAX_LINE, DEFAULT_MIN_MARGIN, Judgement, UnsureRule
from mathdash.symbols import symbol

OK, BLANK, UNREADABLE = "ok", "blank", "unreadable"


@dataclass
class FileResult:
    """What became of one file: its status, why (for blank or unreadable files) and its top classes."""

    path: str
    status: str
    error: str = ""
    top: list[tuple[str, float]] = field(default_factory=list)
    judgement: Judgement | None = None

    def to_dict(self) -> dict[str, Any]:
        judged = self.judgement
        return {
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "sure": None if judged is None else judged.sure,
            "unsure_reason": "" if judged is None else judged.reason,
            "top": [{"class": name, "label": symbol(name).label, "latex": symbol(name).latex,
                     "probability": round(p, 6)} for name, p in self.top],
        }


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser("predict", help="classify image files with a saved run",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    parser.add_argument("--run", default=None, help="run id (default: the active run)")
    parser.add_argument("--top", type=_positive_int, default=5, help="how many classes to list (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--min-margin", type=float, default=DEFAULT_MIN_MARGIN,
                        help=f"unsure below this top-1 minus top-2 gap (default {DEFAULT_MIN_MARGIN})")
    parser.add_argument("--max-entropy", type=float, default=DEFAULT_MAX_ENTROPY,
                        help=f"unsure above this normalised entropy (default {DEFAULT_MAX_ENTROPY})")
    parser.add_argument("--max-line", type=int, default=DEFAULT_MAX_LINE,
                        help=f"not a symbol above this many centre-line pixels of the 45x45 image "
                             f"(default {DEFAULT_MAX_LINE}; 0: no limit)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Classify every readable file; exit status 1 only when no file could be read."""
    rule = UnsureRule(args.min_margin, args.max_entropy, args.max_line or None)
    results, prepared = _read_all(args.images)
    run_id = _rank(results, prepared, args.run, args.top, rule) if prepared else args.run
    _print(results, run_id, args.json)
    return 0 if any(r.status != UNREADABLE for r in results) else 1


def _read_all(paths: list[str]) -> tuple[list[FileResult], dict[int, np.ndarray]]:
    """One result per path, and the prepared 45x45 image of each readable, non-blank one by index."""
    from mathdash.predict import inspect_drawing, read_image

    results, prepared = [], {}
    for path in paths:
        pixels, error = read_image(path)
        image, why = inspect_drawing(pixels) if pixels is not None else (None, "")
        if pixels is None:
            results.append(FileResult(path, UNREADABLE, error))
        elif image is None:
            results.append(FileResult(path, BLANK, why))
        else:
            prepared[len(results)] = image
            results.append(FileResult(path, OK))
    return results, prepared


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rank(results: list[FileResult], prepared: dict[int, np.ndarray], run_id: str | None, k: int,
          rule: UnsureRule) -> str:
    """Fill in the top classes and the judgement of the prepared images; returns the run id used."""
    from mathdash.predict import load_predictor, rank, resolve_run_id

    run_id = resolve_run_id(run_id)
    predictor = load_predictor(run_id)
    probabilities = predictor.probabilities(np.stack(list(prepared.values())))
    for (index, image), row in zip(prepared.items(), probabilities):
        results[index].top = rank(row, predictor.class_names, k)
        results[index].judgement = rule.judge(row, image)
    return run_id


def _print(results: list[FileResult], run_id: str | None, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"run": run_id, "results": [r.to_dict() for r in results]}, indent=2))
        return
    for result in results:
        if result.status != OK:
            print(f"{result.path}: {result.status}: {result.error}")
            continue
        ranked = ", ".join(f"{symbol(name).label} {p:.1%}" for name, p in result.top)
        unsure = result.judgement is not None and not result.judgement.sure
        print(f"{result.path}: {'not sure / not a symbol? ' if unsure else ''}{ranked}")
