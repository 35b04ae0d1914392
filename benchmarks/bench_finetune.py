"""Fine-tune the shipped run on ten drawings of a new shape and print accuracy before and after.

Run: ``.venv/bin/python benchmarks/bench_finetune.py [--run default] [--drawings 10] [--epochs 4]``.
The drawings are jittered mouse-like spirals (``tests/browser_support.SPIRAL``) labelled ``lambda``,
saved to a temporary ``ExampleStore``; the fine-tuned run goes to a temporary run store, so nothing
under artifacts/ changes. Also prints how five unseen spirals read before and after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser_support import SPIRAL, jitter, render_strokes  # noqa: E402
from mathdash.examples import ExampleStore  # noqa: E402
from mathdash.finetune import FinetuneConfig, finetune_saved_run  # noqa: E402
from mathdash.predict import load_predictor, prepare_drawing  # noqa: E402
from mathdash.runs import RunStore  # noqa: E402


def spirals(count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [prepare_drawing(render_strokes(jitter(SPIRAL, rng, amount=0.6), width=float(rng.uniform(6, 22))))
            for _ in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="default")
    parser.add_argument("--drawings", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=FinetuneConfig().epochs)
    parser.add_argument("--label", default="lambda")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store, examples = RunStore(Path(folder) / "runs"), ExampleStore(Path(folder) / "examples")
        for image in spirals(args.drawings, seed=0):
            examples.add(image, args.label)
        unseen = spirals(5, seed=99)
        before = load_predictor(args.run, store)
        print("unseen spirals before:", [before.topk(image, 1)[0] for image in unseen])
        started = time.perf_counter()
        result = finetune_saved_run(args.run, examples, FinetuneConfig(epochs=args.epochs), store)
        total = time.perf_counter() - started
        print(f"{result.drawings} drawings; your drawings {result.before['drawings']:.1%} -> "
              f"{result.after['drawings']:.1%}; base test set {result.before['test']:.2%} -> "
              f"{result.after['test']:.2%}; {total:.0f} s in all, {result.seconds:.0f} s fitting")
        after = load_predictor(result.run_id, store)
        print("unseen spirals after:", [after.topk(image, 1)[0] for image in unseen])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
