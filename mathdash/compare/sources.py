"""Runs scored on other sources (real handwriting): the tables and bars of the Compare page.

Read from each run's stored evaluations (``mathdash.source_eval``), so nothing loads a model.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from mathdash.runs import Run
from mathdash.source_eval import list_evaluations
from mathdash.symbols import label as class_label

EVALUATION_COLUMNS = ["run", "source", "top-1", "top-5", "macro F1", "images", "writers", "worst class",
                      "scope", "evaluated"]


def evaluation_table(runs: list[Run]) -> pd.DataFrame:
    """One row per stored evaluation of each run: top-1, top-5, macro F1, size, what was scored."""
    rows = []
    for run in runs:
        for result in list_evaluations(run):
            rows.append({
                "run": run.id, "source": result.get("source", ""), "top-1": result["accuracy"],
                "top-5": result.get("top5_accuracy"), "macro F1": result.get("macro_f1"),
                "images": result.get("test_size"), "writers": result.get("writers"),
                "worst class": class_label(result["worst_class"]) if result.get("worst_class") else "",
                "scope": result.get("scope", ""), "evaluated": result.get("evaluated", ""),
            })
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


def evaluation_f1(run: Run, source: str) -> pd.DataFrame:
    """Per-class scores of one stored evaluation, worst F1 first (classes with images only)."""
    for result in list_evaluations(run):
        if result.get("source") == source:
            rows = [{"class": class_label(name), "f1": row["f1"], "recall": row["recall"],
                     "precision": row["precision"], "images": row["support"]}
                    for name, row in result["per_class"].items() if row["support"]]
            return pd.DataFrame(rows).sort_values("f1", kind="stable").reset_index(drop=True)
    return pd.DataFrame(columns=["class", "f1", "recall", "precision", "images"])


def evaluation_bars(table: pd.DataFrame) -> go.Figure:
    """Top-1 and top-5 bars per run and source, values printed on the bars."""
    long = table.melt(id_vars=["run", "source"], value_vars=["top-1", "top-5"], var_name="measure",
                      value_name="accuracy")
    figure = px.bar(long, x="run", y="accuracy", color="measure", facet_col="source", barmode="group",
                    text_auto=".3f", labels={"run": ""})
    figure.update_xaxes(type="category")
    low = float(long["accuracy"].min()) if len(long) else 0.0
    figure.update_yaxes(range=[max(0.0, low - 0.1), 1.0])
    return figure.update_layout(legend_title_text="", margin=dict(t=40, b=10))
