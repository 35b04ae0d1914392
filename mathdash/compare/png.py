"""PNG pictures of the Compare page's charts, drawn with matplotlib (no browser, works offline).

Plotly writes PNGs only through kaleido, which drives a Chrome it downloads or finds; matplotlib
is installed already and needs neither. Each function returns the PNG file's bytes.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from mathdash.compare.tables import WITH_AUGMENTATION, WITHOUT_AUGMENTATION, confusion_view, zoomed_range

_COLOURS = {WITHOUT_AUGMENTATION: "#9aa5b1", WITH_AUGMENTATION: "#2f6fde"}


def accuracy_png(groups: pd.DataFrame) -> bytes:
    """Accuracy bars (``accuracy_groups``) on the test set, values on the bars, zoomed y axis."""
    test = groups[groups["test_set"] == "test"]
    names = list(dict.fromkeys(test["group"]))
    kinds = [kind for kind in (WITHOUT_AUGMENTATION, WITH_AUGMENTATION) if kind in set(test["augmentation"])]
    width = 0.8 / max(len(kinds), 1)
    figure, axes = _figure((max(6.0, 1.2 * len(names) + 2), 4.2))
    for k, kind in enumerate(kinds):
        part = test[test["augmentation"] == kind].groupby("group")["accuracy"].max()
        x = [i + (k - (len(kinds) - 1) / 2) * width for i, name in enumerate(names) if name in part]
        values = [part[name] for name in names if name in part]
        bars = axes.bar(x, values, width, label=kind, color=_COLOURS[kind])
        axes.bar_label(bars, labels=[f"{v:.1%}" for v in values], fontsize=8)
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right")
    axes.set_ylim(*zoomed_range(test["accuracy"]))
    axes.set_ylabel("test accuracy")
    axes.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return _png(figure)


def f1_png(matrix: pd.DataFrame) -> bytes:
    """The runs x classes F1 heatmap (``f1_matrix``), every class labelled."""
    return _heatmap(matrix.to_numpy(dtype=float), list(matrix.index), list(matrix.columns), "F1",
                    "RdYlGn", 0.0, 1.0)


def confusion_png(table: pd.DataFrame, scale: str = "log") -> bytes:
    """One run's confusion matrix (``confusion_table``), coloured as ``confusion_view(table, scale)``."""
    shown = confusion_view(table, scale).to_numpy(dtype=float)
    title = {"log": "log10(1 + count)", "mistakes": "mistakes", "counts": "count"}[scale]
    return _heatmap(shown, list(table.index), list(table.columns), title, "Blues", None, None,
                    xlabel="predicted", ylabel="true")


def _heatmap(values: np.ndarray, rows: list[str], columns: list[str], title: str, cmap: str,
             vmin: float | None, vmax: float | None, xlabel: str = "", ylabel: str = "") -> bytes:
    cell = 0.16 if len(columns) > 40 else 0.3
    size = (max(6.0, cell * len(columns) + 2.5), max(3.0, max(cell, 0.3) * len(rows) + 2.0))
    figure, axes = _figure(size)
    image = axes.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                        interpolation="nearest")
    font = 6 if len(columns) > 40 else 9
    axes.set_xticks(range(len(columns)), columns, rotation=90, fontsize=font)
    axes.set_yticks(range(len(rows)), rows, fontsize=font if len(rows) > 40 else 9)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_facecolor("#dddddd")
    figure.colorbar(image, ax=axes, label=title, fraction=0.03)
    return _png(figure)


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    """A matplotlib Figure and its axes, made without pyplot (no global state, safe off the main thread)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=120)
    return figure, figure.subplots()


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
