"""Error rates of the "not sure / not a symbol?" rule on scribbles and on real handwriting.

Run: ``.venv/bin/python benchmarks/bench_unsure.py [--run default] [--real ../shared/crohme/inkml]``.

Scribbles: random pen strokes (1-3 strokes through 4-12 random points, pen 4-25 px) drawn on a
280x280 canvas like the Draw page's and prepared by ``inspect_drawing``; the rule errs when it gives
one a confident answer (a scribble rejected as blank or a dot counts as caught). Real handwriting:
CROHME symbols from ``--real`` (only the run's held-out writers when it trained on them, see
``mathdash.source_eval.held_out_images``), or the run's built-in test set when that folder is absent,
each passed through ``prepare_drawing`` as a canvas drawing is; the rule errs when it calls a
symbol it reads right "unsure" (calling a wrong answer unsure is what the rule is for). The tables
sweep the three thresholds (margin, entropy, centre-line length); the pick is the rule that lets the
fewest scribbles through while withholding at most ``--max-withheld`` of the right answers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the canvas renderer the tests use

from browser_support import render_strokes  # noqa: E402
from mathdash.confidence import (  # noqa: E402
    DEFAULT_MAX_ENTROPY,
    DEFAULT_MAX_LINE,
    DEFAULT_MIN_MARGIN,
    centre_line_lengths,
    margins,
    normalised_entropy,
)
from mathdash.predict import inspect_drawing, prepare_drawing  # noqa: E402

DEFAULT_REAL = REPO.parent / "shared" / "crohme" / "inkml"
MARGINS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ENTROPIES = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 1.0)
LINES = (None, 90, 100, 110, 120, 130, 150, 200)


class Scored:
    """Per-image margin, entropy, centre-line length and correctness of one set of images."""

    def __init__(self, probabilities: np.ndarray, images: np.ndarray, labels: np.ndarray | None = None,
                 rejected: int = 0) -> None:
        self.margin = margins(probabilities)
        self.entropy = normalised_entropy(probabilities)
        self.line = centre_line_lengths(images)
        self.right = None if labels is None else probabilities.argmax(axis=1) == labels
        self.rejected = rejected

    def unsure(self, min_margin: float, max_entropy: float, max_line: int | None) -> np.ndarray:
        flags = (self.margin < min_margin) | (self.entropy > max_entropy)
        return flags if max_line is None else flags | (self.line > max_line)


def scribble(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """1-3 random strokes, each a smooth path through 4-12 random points of the canvas."""
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        points = rng.uniform(0.1, 0.9, (int(rng.integers(4, 13)), 2))
        steps = np.linspace(0, 1, len(points))
        fine = np.linspace(0, 1, len(points) * 8)
        strokes.append(list(zip(np.interp(fine, steps, points[:, 0]), np.interp(fine, steps, points[:, 1]))))
    return strokes


def scribble_images(count: int, seed: int) -> tuple[np.ndarray, int]:
    """(prepared 45x45 images of the scribbles that pass ``inspect_drawing``, how many it rejected)."""
    rng = np.random.default_rng(seed)
    images, rejected = [], 0
    for _ in range(count):
        image, _ = inspect_drawing(render_strokes(scribble(rng), width=float(rng.uniform(4, 25))))
        if image is None:
            rejected += 1
        else:
            images.append(image)
    return np.stack(images), rejected


def real_images(run, source: Path, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(images as the Draw page would prepare them, labels in the run's classes, what they are)."""
    if source.exists():
        from mathdash.source_eval import held_out_images

        dataset, scope = held_out_images(run, str(source))
    else:
        from mathdash.builtin import load_builtin
        from mathdash.train import TrainConfig, rebuild_test_set

        dataset = rebuild_test_set(load_builtin(), TrainConfig.from_dict(run.config))
        scope = f"{source} is absent: the run's built-in test set (synthetic, not real handwriting)"
    if len(dataset) > limit:
        dataset = dataset.subset(np.sort(np.random.default_rng(seed).choice(len(dataset), limit, replace=False)))
        scope += f", a random {limit}"
    prepared = [prepare_drawing(image) for image in dataset.images]
    kept = [i for i, image in enumerate(prepared) if image is not None]
    return np.stack([prepared[i] for i in kept]), dataset.labels[kept], scope


def rates(rule: tuple[float, float, int | None], scribbles: Scored, real: Scored) -> dict[str, float]:
    """The error rates of one (min_margin, max_entropy, max_line): scribbles answered, right answers
    withheld, and how the rest of the real symbols fare."""
    passed = ~scribbles.unsure(*rule)
    unsure, right = real.unsure(*rule), real.right
    return {
        "min_margin": rule[0], "max_entropy": rule[1], "max_line": rule[2],
        "scribbles_answered": float(passed.sum() / (len(passed) + scribbles.rejected)),
        "real_unsure": float(unsure.mean()),
        "real_right_withheld": float(unsure[right].mean()),
        "real_wrong_and_sure": float((~unsure & ~right).mean()),
        "real_accuracy_when_sure": float(right[~unsure].mean()) if (~unsure).any() else float("nan"),
        "real_wrong_caught": float(unsure[~right].mean()) if (~right).any() else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="default", help="run id (default: the shipped run)")
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL, help="a CROHME InkML folder")
    parser.add_argument("--scribbles", type=int, default=2000, help="how many scribbles (default 2000)")
    parser.add_argument("--max-real", type=int, default=20000, help="real symbols scored at most")
    parser.add_argument("--max-withheld", type=float, default=0.05,
                        help="largest share of right answers on real symbols the pick may call unsure (default 0.05)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write every row here")
    args = parser.parse_args()

    from mathdash.predict import load_predictor
    from mathdash.runs import RunStore

    started = time.perf_counter()
    run = RunStore().load(args.run)
    predictor = load_predictor(args.run)
    shapes, rejected = scribble_images(args.scribbles, args.seed)
    images, labels, scope = real_images(run, args.real, args.max_real, args.seed)
    scribble_p, real_p = predictor.probabilities(shapes), predictor.probabilities(images)
    scribbles, real = Scored(scribble_p, shapes, rejected=rejected), Scored(real_p, images, labels)
    print(f"run {args.run}; {args.scribbles} scribbles ({rejected} rejected before the model as blank or a dot); "
          f"real: {len(images)} symbols, {scope}")
    print(f"real top-1 accuracy {real.right.mean():.2%}; medians, scribbles vs real: margin "
          f"{np.median(scribbles.margin):.2f} vs {np.median(real.margin):.2f}, entropy "
          f"{np.median(scribbles.entropy):.3f} vs {np.median(real.entropy):.3f}, centre line "
          f"{np.median(scribbles.line):.0f} vs {np.median(real.line):.0f} px (real 95th percentile "
          f"{np.quantile(real.line, 0.95):.0f})")
    rows = [rates((m, e, line), scribbles, real) for line in LINES for m in MARGINS for e in ENTROPIES]
    allowed = [r for r in rows if r["real_right_withheld"] <= args.max_withheld]
    pick = min(allowed, key=lambda r: (r["scribbles_answered"], r["real_right_withheld"])) if allowed else None
    softmax_only = [r for r in allowed if r["max_line"] is None]
    pick_softmax = min(softmax_only, key=lambda r: (r["scribbles_answered"], r["real_right_withheld"]))
    print("\nmargin and entropy alone (no centre-line limit):")
    _print_table([r for r in rows if r["max_line"] is None])
    if pick is not None:
        print(f"\nwith the picked margin {pick['min_margin']} and entropy {pick['max_entropy']}, by centre-line limit:")
        _print_table([r for r in rows if (r["min_margin"], r["max_entropy"]) == (pick["min_margin"], pick["max_entropy"])])
    default = rates((DEFAULT_MIN_MARGIN, DEFAULT_MAX_ENTROPY, DEFAULT_MAX_LINE), scribbles, real)
    print()
    for title, row in (("current defaults", default),
                       (f"pick, margin and entropy only (right answers withheld <= {args.max_withheld:.0%})", pick_softmax),
                       (f"pick (right answers withheld <= {args.max_withheld:.0%})", pick)):
        if row is not None:
            print(f"{title}: margin < {row['min_margin']} or entropy > {row['max_entropy']} or centre line > "
                  f"{row['max_line']}: scribbles answered {row['scribbles_answered']:.1%}; real: right answers "
                  f"withheld {row['real_right_withheld']:.1%}, all called unsure {row['real_unsure']:.1%}, wrong "
                  f"and sure {row['real_wrong_and_sure']:.1%}, wrong ones caught {row['real_wrong_caught']:.1%}")
    print(f"{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"scope": scope, "rows": rows, "pick": pick, "default": default},
                                        indent=1))
    return 0


def _print_table(rows: list[dict]) -> None:
    print(f"{'margin':>7}{'entropy':>8}{'line':>6}{'scribbles answered':>20}{'right withheld':>16}"
          f"{'real unsure':>13}{'wrong & sure':>14}{'acc. when sure':>16}")
    for r in rows:
        line = "-" if r["max_line"] is None else str(r["max_line"])
        print(f"{r['min_margin']:7.2f}{r['max_entropy']:8.2f}{line:>6}{r['scribbles_answered']:20.1%}"
              f"{r['real_right_withheld']:16.1%}{r['real_unsure']:13.1%}{r['real_wrong_and_sure']:14.1%}"
              f"{r['real_accuracy_when_sure']:16.1%}")


if __name__ == "__main__":
    raise SystemExit(main())
