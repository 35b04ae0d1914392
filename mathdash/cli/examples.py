"""``python -m mathdash examples add|list|export|clear``: the user's labelled drawings.

They live in the Kaggle layout under ``artifacts/examples/<class>/`` (``--dir`` or
``$MATHDASH_EXAMPLES_DIR`` elsewhere), the same store the Draw page's "Save as example" writes to.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``examples`` subcommand."""
    parser = subparsers.add_parser("examples", help="save, list or export your labelled drawings",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["add", "list", "export", "clear"])
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="add: image files of one symbol each; export: the .zip to write")
    parser.add_argument("--label", default=None, help="add: the class of the drawings (e.g. 7, alpha, ascii_124)")
    parser.add_argument("--dir", default=None,
                        help="the examples folder (default $MATHDASH_EXAMPLES_DIR or artifacts/examples)")
    parser.add_argument("--json", action="store_true", help="list as JSON")
    parser.add_argument("--yes", action="store_true", help="clear: really delete every saved drawing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out one action; exit status 0 on success, 1 when nothing could be added, 2 for bad usage."""
    from mathdash.examples import ExampleStore

    store = ExampleStore(args.dir)
    if args.action == "add":
        return _add(store, args.paths, args.label)
    if args.action == "list":
        counts = store.counts()
        if args.json:
            print(json.dumps({"dir": str(store.root), "total": sum(counts.values()), "counts": counts}, indent=2))
        else:
            print(f"{sum(counts.values())} drawings in {store.root}")
            for name, count in counts.items():
                print(f"  {name}: {count}")
        return 0
    if args.action == "export":
        if len(args.paths) != 1:
            print("error: 'examples export' needs one target, e.g. my_drawings.zip")
            return 2
        target = store.export_zip(args.paths[0])
        print(f"wrote {len(store)} drawings to {target}")
        return 0
    if not args.yes:
        print(f"error: 'examples clear' deletes all {len(store)} drawings in {store.root}; add --yes")
        return 2
    print(f"deleted {store.clear()} drawings")
    return 0


def _add(store, paths: list[str], label: str | None) -> int:
    from mathdash.predict import inspect_drawing, read_image

    if not label or not paths:
        print("error: 'examples add' needs image files and --label CLASS")
        return 2
    added = 0
    for path in paths:
        pixels, error = read_image(path)
        image, why = inspect_drawing(pixels) if pixels is not None else (None, error)
        if image is None:
            print(f"{path}: skipped: {why}")
            continue
        saved = store.add(image, label)
        added += 1
        print(f"{path}: saved as {saved.parent.name}/{saved.name}")
    print(f"{added} of {len(paths)} added; {len(store)} drawings in {store.root}")
    return 0 if added else 1
