"""Accuracy on real handwriting from writers the model never saw: the shipped model and a synthetic-only one.

Run: ``.venv/bin/python benchmarks/bench_real.py [--crohme ../shared/crohme/inkml] [--per-class]``.

The CROHME formulas (``../shared/crohme/inkml``, not part of the repository) are drawn to 45x45 by
the InkML loader. The held-out writers are the shipped run's own test part of that source
(``mathdash.source_eval.held_out_images``: no writer on both sides of the split); both models are
scored on exactly those images. The synthetic-only model (``artifacts/synthetic_run``) was trained
on the built-in set alone: the retrain a Streamlit Cloud user can do without any download.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mathdash.evaluate import align_classes, evaluate_predictions, predict_proba  # noqa: E402
from mathdash.runs import RunStore  # noqa: E402
from mathdash.source_eval import held_out_images  # noqa: E402
from mathdash.symbols import label  # noqa: E402

DEFAULT_CROHME = REPO.parent / "shared" / "crohme" / "inkml"
SYNTHETIC_RUN = REPO / "artifacts" / "synthetic_run"
GOALS = {"shipped": (0.95, 0.99), "synthetic-only": (0.85, None)}


def score(run, images) -> dict:
    aligned, _ = align_classes(images, run.labels)
    return evaluate_predictions(aligned.labels, predict_proba(run.load_model(), aligned.images),
                                aligned.class_names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crohme", default=str(DEFAULT_CROHME), help="folder or zip of CROHME .inkml files")
    parser.add_argument("--run", default="default", help="the model trained with CROHME (default: shipped)")
    parser.add_argument("--synthetic-run", default=str(SYNTHETIC_RUN), help="a run dir trained on builtin only")
    parser.add_argument("--per-class", action="store_true", help="print every class, not the 15 worst")
    args = parser.parse_args()
    crohme = Path(args.crohme)
    if not crohme.exists():
        print(f"no CROHME data at {crohme}: nothing to measure (see ../shared/crohme/README.md)")
        return 0
    shipped = RunStore().load(args.run)
    synthetic = RunStore(default_dir=args.synthetic_run).load("default")
    started = time.perf_counter()
    images, scope = held_out_images(shipped, str(crohme))
    print(f"real handwriting: {len(images):,} symbols, {scope} ({time.perf_counter() - started:.0f} s to load)")
    results = {"shipped": score(shipped, images), "synthetic-only": score(synthetic, images)}
    for name, metrics in results.items():
        top1_goal, top5_goal = GOALS[name]
        goals = f"goal top-1 >= {top1_goal}" + (f", top-5 >= {top5_goal}" if top5_goal else "")
        print(f"{name:>15}: top-1 {metrics['accuracy']:.4f}  top-5 {metrics['top5_accuracy']:.4f}  "
              f"macro F1 {metrics['macro_f1']:.4f}  ({goals})")
    print_per_class(results, every=args.per_class)
    for name, metrics in results.items():
        pairs = ", ".join(f"{label(p['true'])}->{label(p['predicted'])} {p['count']}"
                          for p in metrics["confused_pairs"][:8])
        print(f"most confused, {name}: {pairs}")
    return 0


def print_per_class(results: dict, every: bool) -> None:
    shipped = results["shipped"]["per_class"]
    synthetic = results["synthetic-only"]["per_class"]
    rows = sorted((row["f1"], name) for name, row in shipped.items() if row["support"])
    if not every:
        rows = rows[:15]
    print(f"\n{'class':<16} {'images':>6} {'shipped F1':>10} {'recall':>7} {'synthetic F1':>12} {'recall':>7}")
    for _, name in rows:
        a, b = shipped[name], synthetic.get(name, {"f1": np.nan, "recall": np.nan})
        print(f"{label(name):<16} {a['support']:>6} {a['f1']:>10.3f} {a['recall']:>7.3f} "
              f"{b['f1']:>12.3f} {b['recall']:>7.3f}")
    print()


if __name__ == "__main__":
    sys.exit(main())
