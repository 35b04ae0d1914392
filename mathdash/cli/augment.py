"""``python -m mathdash augment``: balance a dataset's classes with augmented copies, or preview.

Examples: ``python -m mathdash augment builtin:symbols --preset grow-rare --target median --out
balanced.npz`` and ``python -m mathdash augment preview builtin:symbols --preset default --out grid.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mathdash.errors import ConfigError

USAGE = "python -m mathdash augment [preview] SOURCE [options]"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``augment`` subcommand."""
    parser = subparsers.add_parser("augment", usage=USAGE, description=__doc__.splitlines()[0],
                                   help="balance classes with augmented copies; preview")
    parser.add_argument("words", nargs="+", metavar="[preview] SOURCE",
                        help="a data source (builtin:symbols, a folder, a .npz ...); "
                             "'preview SOURCE' draws a grid")
    parser.add_argument("--config", default=None, metavar="NAME_OR_JSON",
                        help="a saved config name, a JSON file or inline JSON (wins over --preset)")
    parser.add_argument("--preset", default="default",
                        help="none, default, grow-rare, train-time or seven-transforms (default default)")
    parser.add_argument("--target", default="median",
                        help="grow classes to median, max or a count (default median)")
    parser.add_argument("--out", default=None,
                        help="balanced set as OUT.npz or a class-folder DIR; the preview PNG; "
                             "without it balancing prints the plan only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="augmentation threads (default 2)")
    parser.add_argument("--rows", type=int, default=8,
                        help="preview: classes shown, rarest first (default 8)")
    parser.add_argument("--variants", type=int, default=8, help="preview: variants per original (default 8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Balance or preview, as the positional words say; exit status 0 on success."""
    from mathdash.augment import resolve_config
    from mathdash.loaders import load_source

    preview = args.words[0] == "preview" and len(args.words) == 2
    if len(args.words) != 1 and not preview:
        raise ConfigError(f"expected SOURCE or 'preview SOURCE', got {' '.join(args.words)}")
    config = resolve_config(args.config if args.config is not None else args.preset)
    dataset = load_source(args.words[-1])
    print(f"data: {args.words[-1]}: {len(dataset)} images, {dataset.num_classes} classes")
    if preview:
        return _preview(dataset, config, args)
    return _balance(dataset, config, args)


def _balance(dataset, config, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from mathdash.augment import balance_classes, materialise, plan_balance

    if args.out is None:
        report = plan_balance(dataset, _target(args.target))
        print(format_report(report))
        print("plan only: pass --out OUT.npz or --out DIR to write the balanced set")
        return 0
    with tqdm(total=0, unit="img", desc="augmenting") as bar:
        def progress(done: int, total: int, message: str = "") -> None:
            bar.total = total
            bar.update(done - bar.n)

        balanced, report = balance_classes(dataset, config, _target(args.target), seed=args.seed,
                                           progress=progress, workers=args.workers)
    print(format_report(report))
    print(f"wrote {len(balanced)} images to {materialise(balanced, args.out)}")
    return 0


def _preview(dataset, config, args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from mathdash.augment import preview_grid

    if args.out is None:
        raise ConfigError("preview needs --out GRID.png")
    counts = np.bincount(dataset.labels, minlength=dataset.num_classes)
    classes = [c for c in np.argsort(counts, kind="stable") if counts[c] > 0][:args.rows]
    first = np.array([np.flatnonzero(dataset.labels == c)[0] for c in classes], dtype=np.int64)
    grid = preview_grid(dataset.images[first], config, variants=args.variants, seed=args.seed,
                        labels=dataset.labels[first], class_names=dataset.class_names, zoom=2)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(args.out)
    names = ", ".join(dataset.class_names[c] for c in classes)
    print(f"wrote {args.out}: {len(classes)} originals ({names}) x {args.variants} variants")
    return 0


def _target(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def format_report(report) -> str:
    """The per-class before/after table, then the totals."""
    from mathdash.symbols import label

    rows = report.rows()
    width = max([len(label(r["class"])) for r in rows] + [5])
    lines = [f"{'class':<{width}}  {'before':>7}  {'after':>7}  {'added':>7}"]
    lines += [f"{label(r['class']):<{width}}  {r['before']:>7}  {r['after']:>7}  {r['added']:>7}"
              for r in rows]
    total_before = sum(r["before"] for r in rows)
    lines.append(f"{'total':<{width}}  {total_before:>7}  {total_before + report.generated:>7}  "
                 f"{report.generated:>7}")
    lines.append(f"target {report.target} ({report.rule}); {report.generated} new images"
                 + (f" in {report.seconds:.1f} s" if report.seconds else ""))
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)
