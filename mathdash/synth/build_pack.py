"""``python -m mathdash.synth.build_pack``: rebuild the shipped pack, or write a generated set to disk.

The pack under ``artifacts/builtin/`` is what the Dataset page loads on first launch.
"""

from __future__ import annotations

import argparse
import time

from mathdash.builtin import DEFAULT_SEED, PACK_PATH
from mathdash.synth.generate import generate_dataset
from mathdash.synth.layout import write_kaggle_layout
from mathdash.synth.pack import build_pack


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and build the pack (default) or a Kaggle-layout folder (``--kaggle-dir``)."""
    parser = argparse.ArgumentParser(prog="python -m mathdash.synth.build_pack", description=__doc__)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", default="default", help="'default', 'kaggle' or a file count")
    parser.add_argument("--out", default=str(PACK_PATH), help="pack path (.npz)")
    parser.add_argument("--workers", type=int, default=None, help="rendering processes")
    parser.add_argument("--kaggle-dir", default=None,
                        help="instead of a pack, write the set as <dir>/extracted_images/<class>/*.jpg")
    args = parser.parse_args(argv)
    scale = int(args.scale) if args.scale.isdigit() else args.scale
    started = time.perf_counter()
    if args.kaggle_dir:
        dataset = generate_dataset(seed=args.seed, scale=scale, workers=args.workers)
        written = write_kaggle_layout(dataset, args.kaggle_dir)
        print(f"wrote {sum(written.values())} JPEG files under {args.kaggle_dir} "
              f"in {time.perf_counter() - started:.1f} s")
    else:
        path = build_pack(args.out, seed=args.seed, scale=scale, workers=args.workers)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
