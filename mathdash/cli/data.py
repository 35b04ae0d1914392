"""``python -m mathdash data info|convert|export|builtin``: inspect, convert and write datasets.

Every action loads through ``mathdash.loaders.load_source`` (cached, with a progress bar on
stderr), so it reads exactly what the dashboard would.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from mathdash.cli.progress import progress_bar
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError, DatasetError
from mathdash.symbols import label

SHOWN_SKIPS = 20  # 'info' lists this many skipped files (all with --json)
KIND_CHOICES = ["auto", "folder", "zip", "emnist", "hasy", "inkml", "pickle", "npz"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` subcommand and its actions."""
    parser = subparsers.add_parser("data", help="inspect, convert and export datasets",
                                   description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="summary, per-class counts and the load report")
    _source_arguments(info)
    info.add_argument("--json", action="store_true", help="print everything as JSON")
    info.set_defaults(func=run_info)
    convert = actions.add_parser("convert", help="save a source as a MathDash .npz (e.g. a pickle)")
    _source_arguments(convert)
    convert.add_argument("--out", required=True, help="the .npz file to write")
    convert.set_defaults(func=run_convert)
    export = actions.add_parser("export", help="write a source as class folders of images")
    _source_arguments(export)
    export.add_argument("--out", required=True, help="folder to write <class>/<index>.<format> into")
    export.add_argument("--format", choices=["png", "jpg"], default="png")
    export.set_defaults(func=run_export)
    builtin = actions.add_parser("builtin", help="write the synthetic built-in set in the Kaggle layout")
    builtin.add_argument("--scale", default="default", help="default, kaggle (376,440 files) or a number")
    builtin.add_argument("--seed", type=int, default=0)
    builtin.add_argument("--out", required=True, help="folder to write <class>/<index>.<format> into")
    builtin.add_argument("--format", choices=["png", "jpg"], default="jpg")
    builtin.set_defaults(func=run_builtin)


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="a path, or builtin:symbols / builtin:digits")
    parser.add_argument("--kind", choices=KIND_CHOICES, default="auto")
    parser.add_argument("--trust", action="store_true", help="allow opening a pickle (it can run code)")
    parser.add_argument("--no-cache", action="store_true", help="decode afresh, store nothing")
    parser.add_argument("--workers", type=int, default=None, help="decoding processes (default: all cores)")


def run_info(args: argparse.Namespace) -> int:
    """Print a source's summary, class counts and load report."""
    dataset = _load(args)
    if args.json:
        print(json.dumps(info_dict(dataset), indent=2, ensure_ascii=False))
        return 0
    summary = dataset.summary()
    print(f"{summary['name']}: {summary['images']:,} images, {summary['classes']} classes, "
          f"original size {summary['original_size'][0]}x{summary['original_size'][1]}"
          + (f", {summary['writers']:,} writers" if summary["writers"] is not None else ""))
    for name, count in dataset.class_counts().items():
        print(f"  {label(name):<24} {count:>8,}")
    _print_report(dataset)
    return 0


def info_dict(dataset: Dataset) -> dict:
    """Everything ``data info`` shows, as plain JSON-ready values."""
    return {"summary": dataset.summary(), "class_counts": dataset.class_counts(),
            "report": dataset.report.to_dict()}


def run_convert(args: argparse.Namespace) -> int:
    """Load a source and save it as a MathDash .npz."""
    from mathdash.loaders import save_npz

    dataset = _load(args)
    path = save_npz(dataset, args.out)
    print(f"wrote {len(dataset):,} images in {dataset.num_classes} classes to {path}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Load a source and write it as class folders."""
    dataset = _load(args)
    _write(dataset, args.out, args.format)
    return 0


def run_builtin(args: argparse.Namespace) -> int:
    """Generate the built-in set at a scale and write it in the Kaggle layout."""
    try:
        from mathdash.synth import generate_dataset
    except ImportError as error:
        raise DatasetError(f"the synthetic generator is not available: {error}") from error
    with progress_bar("generating") as progress:
        dataset = generate_dataset(seed=args.seed, scale=parse_scale(args.scale), progress=progress)
    _write(dataset, args.out, args.format)
    return 0


def parse_scale(text: str) -> str | int:
    """``default``, ``kaggle`` or a positive number of files."""
    if text in ("default", "kaggle"):
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ConfigError(f"--scale must be default, kaggle or a positive number, got {text!r}")


def _load(args: argparse.Namespace) -> Dataset:
    from mathdash.loaders import load_source

    with progress_bar("loading") as progress:
        return load_source(args.source, kind=args.kind, workers=args.workers, progress=progress,
                           trust=args.trust, use_cache=not args.no_cache)


def _write(dataset: Dataset, out: str, fmt: str) -> None:
    from mathdash.loaders import write_folder

    with progress_bar("writing") as progress:
        written = write_folder(dataset, out, fmt=fmt, progress=progress)
    print(f"wrote {sum(written.values()):,} {fmt} images in {len(written)} class folders to {out}")


def _print_report(dataset: Dataset) -> None:
    report = dataset.report
    origin = "from the cache" if report.from_cache else "decoded"
    print(f"loaded {report.loaded:,} images in {report.seconds:.2f} s ({origin})")
    for note in report.notes:
        print(f"note: {note}")
    if not report.skipped:
        return
    reasons = Counter(skip.reason for skip in report.skipped)
    print(f"skipped {len(report.skipped):,} files:")
    for reason, count in reasons.most_common():
        print(f"  {count:>6,}  {reason}")
    for skip in report.skipped[:SHOWN_SKIPS]:
        print(f"  {skip.path}: {skip.reason}")
    if len(report.skipped) > SHOWN_SKIPS:
        print(f"  ... and {len(report.skipped) - SHOWN_SKIPS:,} more (all with --json)")
