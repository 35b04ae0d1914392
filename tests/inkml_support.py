"""Write small CROHME-style InkML files for tests, in the exact layout of the CROHME 2013 files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

_HEADER = """<ink xmlns="http://www.w3.org/2003/InkML">
<traceFormat>
<channel name="X" type="decimal"/>
<channel name="Y" type="decimal"/>
</traceFormat>
<annotation type="truth">$formula$</annotation>
"""


def circle(cx: float, cy: float, r: float, n: int = 24) -> np.ndarray:
    """A closed round stroke: float (n + 1, 2)."""
    t = np.linspace(0, 2 * np.pi, n + 1)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def line(x0: float, y0: float, x1: float, y1: float, n: int = 12) -> np.ndarray:
    """A straight stroke from (x0, y0) to (x1, y1): float (n, 2)."""
    t = np.linspace(0, 1, n)[:, None]
    return np.array([x0, y0]) * (1 - t) + np.array([x1, y1]) * t


def write_inkml(path: Path, symbols: list[tuple[str, list[np.ndarray]]], writer: str | None = "w1",
                time_channel: bool = False) -> Path:
    """One formula file: each (label, strokes) becomes a traceGroup naming its own traces.

    Args:
        path: the ``.inkml`` file to write (parents created).
        symbols: labels as CROHME writes them (``\\\\alpha``, ``x``, ``.``) with their strokes.
        writer: the writer annotation, or None to leave it out (as MathBrush files do).
        time_channel: write "x y t" points, as some CROHME parts do.
    """
    lines = [_HEADER]
    if writer is not None:
        lines.append(f'<annotation type="writer">{writer}</annotation>\n')
    trace_id = 0
    groups = []
    for number, (label, strokes) in enumerate(symbols):
        refs = []
        for stroke in strokes:
            points = ", ".join(f"{x:.4f} {y:.4f}" + (f" {k}" if time_channel else "")
                               for k, (x, y) in enumerate(stroke))
            lines.append(f'<trace id="{trace_id}">\n{points}\n</trace>\n')
            refs.append(trace_id)
            trace_id += 1
        views = "".join(f'\t\t<traceView traceDataRef="{ref}"/>\n' for ref in refs)
        escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        groups.append(f'\t<traceGroup xml:id="{100 + number}">\n'
                      f'\t\t<annotation type="truth">{escaped}</annotation>\n{views}\t</traceGroup>\n')
    lines.append('<traceGroup xml:id="99">\n\t<annotation type="truth">Segmentation</annotation>\n')
    lines.extend(groups)
    lines.append("</traceGroup>\n</ink>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path
