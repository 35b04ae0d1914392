"""Comparing saved runs: the tables and plotly figures the Compare page shows, read from run files.

``tables`` turns runs into DataFrames (summary, per-class F1, confusions, curves); ``figures``
draws them. Neither loads a model, so the page is instant after a restart.
"""

from mathdash.compare.figures import (
    accuracy_bars,
    confusion_heatmap,
    curves_figure,
    f1_heatmap,
    params_scatter,
    trial_scores,
)
from mathdash.compare.tables import (
    WITH_AUGMENTATION,
    WITHOUT_AUGMENTATION,
    accuracy_groups,
    confused_pairs_table,
    confusion_table,
    confusion_view,
    f1_matrix,
    is_augmented,
    is_balanced,
    learning_curves,
    run_labels,
    on_the_fly_augmentation,
    run_tags,
    summary_table,
    worst_classes,
    zoomed_range,
)

__all__ = [
    "WITHOUT_AUGMENTATION",
    "WITH_AUGMENTATION",
    "accuracy_bars",
    "accuracy_groups",
    "confused_pairs_table",
    "confusion_heatmap",
    "confusion_table",
    "confusion_view",
    "curves_figure",
    "f1_heatmap",
    "f1_matrix",
    "is_augmented",
    "is_balanced",
    "learning_curves",
    "params_scatter",
    "run_labels",
    "on_the_fly_augmentation",
    "run_tags",
    "summary_table",
    "trial_scores",
    "worst_classes",
    "zoomed_range",
]
