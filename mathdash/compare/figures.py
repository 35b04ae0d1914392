"""Plotly figures over the comparison tables (and a search's trial table): plain figure builders.

Each takes a table from ``mathdash.compare.tables`` (or ``mathdash.tuning.trial_table``) and
returns a ``plotly.graph_objects.Figure``; pages only place them.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from mathdash.compare.tables import WITH_AUGMENTATION, WITHOUT_AUGMENTATION, confusion_view, zoomed_range

_AUGMENTATION_COLOURS = {WITHOUT_AUGMENTATION: "#9aa5b1", WITH_AUGMENTATION: "#2f6fde"}
_HEATMAP_ROW_PX, _HEATMAP_MIN_PX = 28, 260


def accuracy_bars(groups: pd.DataFrame) -> go.Figure:
    """Accuracy bars, grouped with/without on-the-fly augmentation, one panel per test set.

    Each bar carries its value; the y axis starts just below the lowest bar (``zoomed_range``).

    Args:
        groups: ``accuracy_groups(summary)`` (group, augmentation, test_set, accuracy, run).
    """
    figure = px.bar(
        groups, x="group", y="accuracy", color="augmentation", facet_col="test_set", barmode="group",
        hover_data=["run"], color_discrete_map=_AUGMENTATION_COLOURS, text="accuracy",
        category_orders={"augmentation": [WITHOUT_AUGMENTATION, WITH_AUGMENTATION],
                         "test_set": ["test", "augmented test"]},
        labels={"group": "", "accuracy": "accuracy", "test_set": "test set"},
    )
    figure.update_traces(texttemplate="%{y:.1%}", textposition="outside", cliponaxis=False)
    figure.update_xaxes(type="category")
    figure.update_yaxes(range=list(zoomed_range(groups["accuracy"])), tickformat=".0%")
    return figure.update_layout(legend_title_text="", margin=dict(t=40, b=10))


def f1_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Runs x classes heatmap of F1 (``f1_matrix``); grey where a run has no score for a class.

    Every class gets its own tick label (plotly would skip some at 82 classes).
    """
    classes = list(matrix.columns)
    figure = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(), x=classes, y=list(matrix.index), zmin=0, zmax=1,
            colorscale="RdYlGn", colorbar=dict(title="F1"),
            hovertemplate="%{y}<br>%{x}: F1 %{z:.2f}<extra></extra>",
        )
    )
    height = max(_HEATMAP_MIN_PX, _HEATMAP_ROW_PX * len(matrix) + 160)
    figure.update_xaxes(type="category", tickangle=-60, tickmode="array", tickvals=classes, ticktext=classes,
                        tickfont=dict(size=10 if len(classes) > 40 else 12))
    figure.update_yaxes(type="category", autorange="reversed")
    return figure.update_layout(height=height, plot_bgcolor="#dddddd", margin=dict(t=20, b=10))


def confusion_heatmap(table: pd.DataFrame, scale: str = "log") -> go.Figure:
    """One run's confusion matrix (``confusion_table``); colour by ``confusion_view(table, scale)``.

    ``log`` and ``mistakes`` keep single mistakes visible beside a diagonal of hundreds; the hover
    always shows the true count. Every class is labelled on both axes.
    """
    shown = confusion_view(table, scale)
    names = list(table.columns)
    colour = {"log": "log10(1 + count)", "mistakes": "mistakes", "counts": "count"}[scale]
    figure = go.Figure(
        go.Heatmap(
            z=shown.to_numpy(), x=names, y=list(table.index), colorscale="Blues", customdata=table.to_numpy(),
            colorbar=dict(title=colour),
            hovertemplate="true %{y}<br>predicted %{x}: %{customdata}<extra></extra>",
        )
    )
    ticks = dict(type="category", tickmode="array", tickvals=names, ticktext=names,
                 tickfont=dict(size=9 if len(names) > 40 else 12))
    figure.update_xaxes(title="predicted", tickangle=-60, **ticks)
    figure.update_yaxes(title="true", autorange="reversed", **ticks)
    side = max(360, 14 * len(table) + 160)
    return figure.update_layout(height=side, plot_bgcolor="#ffffff", margin=dict(t=20, b=10))


def curves_figure(curves: pd.DataFrame, metric: str = "accuracy") -> go.Figure:
    """Training (solid) and validation (dotted) curves of one metric for every run.

    Args:
        curves: ``learning_curves(runs)`` (run, epoch, metric, value).
        metric: ``accuracy`` or ``loss``; its ``val_`` twin is drawn too.
    """
    shown = curves[curves["metric"].isin([metric, f"val_{metric}"])].copy()
    shown["part"] = shown["metric"].map(lambda m: "validation" if m.startswith("val_") else "training")
    figure = px.line(
        shown, x="epoch", y="value", color="run", line_dash="part", markers=True,
        labels={"value": metric, "part": ""},
        line_dash_map={"training": "solid", "validation": "dot"},
    )
    return figure.update_layout(margin=dict(t=20, b=10))


def params_scatter(summary: pd.DataFrame) -> go.Figure:
    """Parameters (log scale) against accuracy; filled markers the test set, open the augmented one.

    Args:
        summary: ``summary_table(runs)``.
    """
    figure = go.Figure()
    table = summary.reset_index().dropna(subset=["params"])
    for augmented, name in ((False, WITHOUT_AUGMENTATION), (True, WITH_AUGMENTATION)):
        part = table[table["augmented"] == augmented]
        colour = _AUGMENTATION_COLOURS[name]
        for column, symbol, suffix in (("accuracy", "circle", "test"),
                                       ("augmented_accuracy", "circle-open", "augmented test")):
            figure.add_scatter(
                x=part["params"].astype(float), y=part[column], mode="markers", text=part["run"],
                name=f"{name}, {suffix}", marker=dict(color=colour, symbol=symbol, size=11),
                hovertemplate="%{text}<br>%{x:,.0f} parameters<br>accuracy %{y:.3f}<extra></extra>",
            )
    figure.update_xaxes(type="log", title="parameters")
    figure.update_yaxes(title="accuracy", range=[0, 1])
    return figure.update_layout(margin=dict(t=20, b=10))


def trial_scores(trials: pd.DataFrame) -> go.Figure:
    """Score by trial of a search, with the best score so far as a step line.

    Args:
        trials: ``mathdash.tuning.trial_table(search_dir)``.
    """
    done = trials[trials["score"].notna()]
    figure = go.Figure()
    figure.add_scatter(
        x=done["trial"], y=done["score"], mode="markers", name="trial", marker=dict(size=10),
        customdata=done["params"].astype(float),
        hovertemplate="trial %{x}<br>val accuracy %{y:.3f}<br>%{customdata:,.0f} parameters<extra></extra>",
    )
    figure.add_scatter(x=done["trial"], y=done["score"].cummax(), mode="lines", name="best so far",
                       line=dict(shape="hv"))
    figure.update_xaxes(title="trial", type="category")
    figure.update_yaxes(title="validation accuracy", range=[0, 1])
    return figure.update_layout(margin=dict(t=20, b=10))
