"""How CROHME's writers spell each letter class: the share of capitals, for the generator's table.

Run: ``.venv/bin/python benchmarks/crohme_letter_case.py [--crohme ../shared/crohme/inkml]``.

The Kaggle letter folders merge both cases, CROHME's ``<annotation type="truth">`` labels keep
them. Every labelled symbol whose label is one letter is counted under its class (``x`` and ``X``
under ``X``); the last line prints ``CAPITAL_SHARE`` as ``mathdash/synth/cases.py`` holds it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mathdash.loaders.inkml import SUFFIX, parse_inkml  # noqa: E402
from mathdash.symbols import KAGGLE_CLASSES, LETTER_CLASSES  # noqa: E402

DEFAULT_CROHME = REPO.parent / "shared" / "crohme" / "inkml"


def count_cases(folder: Path) -> tuple[Counter, Counter]:
    """(capitals, small letters) per letter class over every InkML file under ``folder``."""
    capitals, smalls = Counter(), Counter()
    for path in sorted(folder.rglob(f"*{SUFFIX}")):
        _, symbols = parse_inkml(path.read_bytes(), path.name)
        for symbol in symbols:
            name = LETTER_CLASSES.get(symbol.label)
            if name is not None:
                (capitals if symbol.label.isupper() else smalls)[name] += 1
    return capitals, smalls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crohme", default=str(DEFAULT_CROHME), help="folder of CROHME .inkml files")
    args = parser.parse_args()
    folder = Path(args.crohme)
    if not folder.is_dir():
        print(f"no CROHME data at {folder}: nothing to measure (see ../shared/crohme/README.md)")
        return 0
    capitals, smalls = count_cases(folder)
    letters = [name for name in KAGGLE_CLASSES if name in LETTER_CLASSES.values()]
    print(f"{'class':>5} {'capital':>8} {'small':>7} {'share':>6}")
    shares = {}
    for name in letters:
        total = capitals[name] + smalls[name]
        shares[name] = round(capitals[name] / total, 3) if total else 0.0
        print(f"{name:>5} {capitals[name]:>8} {smalls[name]:>7} {shares[name]:>6.3f}")
    print("CAPITAL_SHARE = {" + ", ".join(f'"{n}": {s}' for n, s in shares.items()) + "}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
