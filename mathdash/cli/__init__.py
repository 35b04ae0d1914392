"""``python -m mathdash COMMAND ...``: one subcommand per job of the package.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``func``; heavy imports (tensorflow) happen inside ``func``, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mathdash.errors import MathDashError

# Subcommand modules, in the order the help lists them.
COMMAND_MODULES = [
    "data", "dedup", "augment", "train", "evaluate", "tune", "study", "runs", "predict", "examples", "finetune",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="python -m mathdash",
        description="Handwritten math symbols: data, duplicates, augmentation, training, prediction.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"mathdash.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"mathdash.cli.{name}":
                raise
            continue  # a command still being written is simply absent from the help
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MathDashError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
