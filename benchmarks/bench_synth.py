"""Generation throughput of the synthetic set and the time of the first-launch load.

Run: ``.venv/bin/python benchmarks/bench_synth.py [--small] [--workers N]``. ``--small`` draws a
tenth of each scale's unique images (the rate is what matters) and skips writing to disk.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mathdash.builtin import load_builtin  # noqa: E402
from mathdash.synth.generate import generate_dataset, generate_uniques  # noqa: E402
from mathdash.synth.layout import write_kaggle_layout  # noqa: E402
from mathdash.synth.plan import class_plan  # noqa: E402
from mathdash.synth.strokes import all_prototypes  # noqa: E402


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a tenth of each scale")
    parser.add_argument("--workers", type=int, default=None, help="rendering processes")
    args = parser.parse_args()

    dataset, seconds = _timed(load_builtin)
    print(f"load_builtin('symbols'): {len(dataset)} images in {seconds:.2f} s "
          f"({dataset.report.notes[-1]})")
    _, seconds = _timed(load_builtin, "digits")
    print(f"load_builtin('digits'): 1797 images in {seconds:.2f} s")

    _, seconds = _timed(all_prototypes)
    print(f"typesetting and thinning all prototypes: {seconds:.1f} s (once per process)")

    fraction = 0.1 if args.small else 1.0
    for scale in ("default", "kaggle"):
        plan = class_plan(scale)
        uniques = np.maximum(1, np.round(plan.uniques * fraction)).astype(np.int64)
        (images, _), seconds = _timed(generate_uniques, uniques, 0, args.workers)
        rate = len(images) / seconds
        full = plan.uniques.sum() / rate
        print(f"{scale}: {len(images)} unique images in {seconds:.1f} s = {rate:.0f} images/s; "
              f"the full {plan.uniques.sum()} uniques ({plan.files.sum()} files) take ~{full:.0f} s")

    if not args.small:
        dataset, seconds = _timed(generate_dataset, seed=0, scale="default", workers=args.workers)
        print(f"generate_dataset(scale='default'): {len(dataset)} files in {seconds:.1f} s")
        with tempfile.TemporaryDirectory() as root:
            written, seconds = _timed(write_kaggle_layout, dataset, root)
            print(f"write_kaggle_layout: {sum(written.values())} JPEG files in {seconds:.1f} s "
                  f"= {sum(written.values()) / seconds:.0f} files/s")


if __name__ == "__main__":
    main()
