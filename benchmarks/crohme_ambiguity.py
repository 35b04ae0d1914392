"""How much of real handwriting no classifier of 45x45 pictures can get right: identical pictures, different labels.

Run: ``.venv/bin/python benchmarks/crohme_ambiguity.py [--crohme ../shared/crohme/inkml] [--run default]``.

Framing a symbol to fill 45x45 with its aspect kept drops its size and its place on the line, so a
written ``1``, ``|`` and ``,`` can become the same picture. A model sees only the picture: among
pictures that are identical, at most those with the group's most common label can be right. The
ceiling printed is that share of the shipped run's held-out CROHME writers (``held_out_images``),
counting pictures identical byte for byte, and, as a looser bound, identical once binarised at
half ink (``INK_LEVEL``). It is an upper bound from identity alone; near-identical pictures of
different classes (a ``\\times`` written like an ``x``) cost more, and this does not count them.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup_sets import DEFAULT_CROHME  # noqa: E402
from mathdash.dedup import exact_digests  # noqa: E402
from mathdash.dedup.verified import INK_LEVEL  # noqa: E402
from mathdash.runs import RunStore  # noqa: E402
from mathdash.source_eval import held_out_images  # noqa: E402
from mathdash.symbols import label  # noqa: E402


def ceiling(keys: list[bytes], labels: np.ndarray) -> tuple[float, Counter]:
    """The best share any function of the key can label right, and the label pairs that collide.

    Returns:
        (ceiling, collisions): collisions counts, per (majority label, other label), the pictures
        of the other label that the majority takes.
    """
    groups: dict[bytes, list[int]] = defaultdict(list)
    for key, value in zip(keys, labels.tolist()):
        groups[key].append(value)
    right, collisions = 0, Counter()
    for members in groups.values():
        counts = Counter(members).most_common()
        right += counts[0][1]
        for other, count in counts[1:]:
            collisions[(counts[0][0], other)] += count
    return right / max(len(labels), 1), collisions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crohme", default=str(DEFAULT_CROHME), help="folder or zip of CROHME .inkml files")
    parser.add_argument("--run", default="default", help="the run whose held-out writers are measured")
    args = parser.parse_args()
    if not Path(args.crohme).exists():
        print(f"no CROHME data at {args.crohme}: nothing to measure (see ../shared/crohme/README.md)")
        return 0
    images, scope = held_out_images(RunStore().load(args.run), args.crohme)
    pixels = np.asarray(images.images)
    print(f"{len(images):,} symbols, {scope}")
    views = {"identical bytes": exact_digests(pixels).tolist(),
             f"identical once binarised at {INK_LEVEL}":
                 [np.packbits(p < INK_LEVEL).tobytes() for p in pixels]}
    for name, keys in views.items():
        share, collisions = ceiling(keys, images.labels)
        lost = sum(collisions.values())
        top = ", ".join(f"{label(images.class_names[b])} as {label(images.class_names[a])} {n}"
                        for (a, b), n in collisions.most_common(8))
        print(f"{name:>32}: top-1 ceiling {share:.4f} ({lost} pictures share a picture with a commoner "
              f"label){': ' + top if top else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
