"""Compare page: saved runs side by side: accuracy with/without augmentation, per-class F1, confusions.

Everything is read from the runs' saved files (no model is loaded), so the page is instant after a
restart. The three studies start here too, as jobs in the process-wide ``MANAGER``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import streamlit as st

from mathdash import compare, estimate, studies, tuning
from mathdash.compare import png as compare_png
from mathdash.errors import MathDashError
from mathdash.evaluate import LEAKAGE_MARGIN
from mathdash.jobs import MANAGER, JobBusy
from mathdash.runs import Run, RunStore
from mathdash.train.config import TrainConfig
from ui.data import current_dataset, current_source
from ui.estimates import DEDUP_NOTE, distinct_counts, throughputs
from ui.jobs import duration_text, live_job_panel

DEFAULT_SHOWN = 8
WORST_SHOWN = 20
CONFUSION_SCALES = {"log": "log scale", "mistakes": "mistakes only", "counts": "counts"}
LEAKAGE_NOTE = (
    "The flag compares each run's best validation accuracy with its clean training accuracy: the final "
    "model scored on up to 2,000 of its training images as they are. The learning curves below show the "
    "accuracy keras logs while training, with dropout and on-the-fly augmentation on, which often sits "
    "below validation accuracy without any leak."
)
_STUDY_TITLES = {
    "duplicates": "Duplicates: naive split vs deduplicated vs deduplicated + balanced",
    "data_size": "Data size: 25%, 50%, 100%, with and without augmentation",
    "architectures": "Architectures: tuned CNN vs MobileNetV2 vs ResNet50V2, with and without augmentation",
}


def pick_runs_ui(store: RunStore) -> list[Run]:
    """The run picker (newest first; a study filter preselects its runs); returns the loaded runs."""
    table = store.table()
    sound = table[table["broken"] == ""]
    if sound.empty:
        st.info("No saved run yet: train one on the Train page or start a study below.")
        return []
    loaded = {run_id: _load(store, run_id) for run_id in sound["id"]}
    loaded = {run_id: run for run_id, run in loaded.items() if run is not None}
    study_of = {run_id: compare.run_tags(run.config).get("study", "") for run_id, run in loaded.items()}
    choices = ["newest runs", *sorted({s for s in study_of.values() if s})]
    focus = st.radio("Start from", choices, horizontal=True, key="compare_focus")
    if focus == "newest runs":
        default = list(loaded)[:DEFAULT_SHOWN]
    else:
        default = [run_id for run_id in loaded if study_of[run_id] == focus]
    chosen = st.multiselect("Runs", list(loaded), default=default, key=f"compare_runs_{focus}",
                            format_func=lambda run_id: f"{run_id} · {_label(loaded[run_id])}")
    return [loaded[run_id] for run_id in chosen]


def _label(run: Run) -> str:
    return compare.run_labels([run])[0]


def _load(store: RunStore, run_id: str) -> Run | None:
    try:
        return store.load(run_id)
    except MathDashError as error:
        st.warning(f"Run {run_id} cannot be read: {error}")
        return None


def summary_ui(summary: pd.DataFrame) -> None:
    """One row per run: accuracies, F1 scores, worst class, parameters, the leakage flag; CSV download."""
    shown = summary.drop(columns=["search", "created"]).round(4)
    st.dataframe(shown, key="compare_summary")
    downloads_ui("compare_summary", shown.reset_index(), "runs_summary")


def leakage_ui(summary: pd.DataFrame) -> None:
    """Which runs score validation clearly above clean training accuracy (what the flag compares)."""
    flagged = summary.index[summary["leakage_flag"]].tolist()
    if flagged:
        names = ", ".join(f"**{name}**" for name in flagged)
        st.warning("Validation accuracy sits clearly above clean training accuracy (a sign of leakage, e.g. "
                   f"near-duplicates across the split) in: {names}")
    else:
        st.success("No run's validation accuracy is above its clean training accuracy by more than "
                   f"{LEAKAGE_MARGIN:.0%}.")
    st.caption(LEAKAGE_NOTE)


def accuracy_ui(summary: pd.DataFrame) -> None:
    """Accuracy bars grouped with/without on-the-fly augmentation, on the test set and its augmented copy."""
    groups = compare.accuracy_groups(summary)
    st.plotly_chart(compare.accuracy_bars(groups), key="compare_accuracy")
    st.caption("Bars are paired by on-the-fly augmentation (training batches augmented as they are drawn). "
               "Class balancing, augmented copies of rare classes added to the training data once, is "
               "named in the run's group (\"+ balanced\"), never counted as on-the-fly augmentation.")
    downloads_ui("compare_accuracy", groups, "accuracy", lambda: compare_png.accuracy_png(groups))


def f1_ui(runs: list[Run]) -> pd.DataFrame:
    """The runs x classes F1 heatmap: every class, or the worst N; returns the matrix shown."""
    cols = st.columns([2, 3])
    view = cols[0].radio("Classes", ["every class", "the worst"], horizontal=True, key="compare_f1_view")
    matrix = compare.f1_matrix(runs, sort_by_worst=st.toggle("Sort classes by the worst F1",
                                                              key="compare_sort_worst"))
    if view == "the worst" and len(matrix.columns) > 1:
        classes = len(matrix.columns)
        count = cols[1].slider("How many classes", 1, classes, min(WORST_SHOWN, classes), key="compare_f1_worst")
        matrix = compare.worst_classes(matrix, int(count))
    st.plotly_chart(compare.f1_heatmap(matrix), key="compare_f1")
    with st.expander("F1 table"):
        st.dataframe(matrix.round(3), key="compare_f1_table")
    downloads_ui("compare_f1", matrix.round(4).reset_index(), "f1_per_class",
                 lambda: compare_png.f1_png(matrix))
    return matrix


def confusion_ui(runs: list[Run], labels: list[str]) -> None:
    """The confusion matrix (log or mistakes-only colour) and most confused pairs of one chosen run."""
    cols = st.columns(2)
    index = cols[0].selectbox("Run", range(len(runs)), format_func=labels.__getitem__,
                              key="compare_confusion_run")
    scale = cols[1].radio("Colour", list(CONFUSION_SCALES), format_func=CONFUSION_SCALES.get, horizontal=True,
                          key="compare_confusion_scale")
    run = runs[index]
    table = compare.confusion_table(run)
    if table.empty:
        st.caption("This run saved no confusion matrix.")
        return
    left, right = st.columns([3, 1])
    left.plotly_chart(compare.confusion_heatmap(table, scale), key="compare_confusion")
    right.markdown("**Most confused (true → predicted)**")
    right.dataframe(compare.confused_pairs_table(run), key="compare_pairs", hide_index=True)
    downloads_ui("compare_confusion", table.reset_index(), f"confusion_{run.id}",
                 lambda: compare_png.confusion_png(table, scale))


def downloads_ui(key: str, table: pd.DataFrame, stem: str, png: Callable[[], bytes] | None = None) -> None:
    """CSV of ``table`` and, when given, a PNG of the chart (drawn only when the button is pressed)."""
    cols = st.columns([1, 1, 4])
    cols[0].download_button("CSV", data=table.to_csv(index=False).encode(), file_name=f"{stem}.csv",
                            mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")
    if png is not None:
        cols[1].download_button("PNG", data=png, file_name=f"{stem}.png", mime="image/png", key=f"{key}_png",
                                on_click="ignore", icon=":material/image:")


def curves_ui(runs: list[Run]) -> None:
    """Training and validation curves of every chosen run."""
    metric = st.radio("Curve", ["accuracy", "loss"], horizontal=True, key="compare_curve_metric")
    curves = compare.learning_curves(runs)
    if curves.empty:
        st.caption("These runs saved no history.")
        return
    st.plotly_chart(compare.curves_figure(curves, metric), key="compare_curves")


def real_handwriting_ui(runs: list[Run]) -> None:
    """Each run's stored scores on other sources (real handwriting), and scoring one more."""
    from mathdash.compare import sources

    table = sources.evaluation_table(runs)
    if table.empty:
        st.caption("None of these runs has been scored on another source yet.")
    else:
        st.plotly_chart(sources.evaluation_bars(table), key="compare_real_bars")
        st.dataframe(table.round(4), key="compare_real_table", hide_index=True)
        pick = st.selectbox("Per-class F1 of", range(len(table)), key="compare_real_pick",
                            format_func=lambda i: f"{table['run'][i]} on {table['source'][i]}")
        chosen = next(run for run in runs if run.id == table["run"][pick])
        st.dataframe(sources.evaluation_f1(chosen, table["source"][pick]).round(3),
                     key="compare_real_f1", hide_index=True)
    with st.form("compare_real_form"):
        run_id = st.selectbox("Run", [run.id for run in runs], key="compare_real_run")
        source = st.text_input("Source (a CROHME InkML folder or zip, class folders, ...)",
                               key="compare_real_source", placeholder="../shared/crohme/inkml")
        if st.form_submit_button("Score it", disabled=MANAGER.running() is not None) and source.strip():
            _start_scoring(next(run for run in runs if run.id == run_id), source.strip())


def _start_scoring(run: Run, source: str) -> None:
    from mathdash.source_eval import evaluate_and_save

    try:
        MANAGER.submit("evaluate", evaluate_and_save, title=f"scoring {run.id} on {source}", run=run,
                       source=source)
    except JobBusy as error:
        st.warning(str(error))
        return
    st.rerun()


def studies_ui() -> None:
    """Buttons that start each study as a background job on the current dataset."""
    cols = st.columns(2)
    epochs = cols[0].number_input("Epochs per run", 1, 100, 10, key="compare_study_epochs")
    fraction = cols[1].slider("Share of each class used", 0.05, 1.0, 1.0, 0.05, key="compare_study_fraction")
    running = MANAGER.running()
    for name, title in _STUDY_TITLES.items():
        if st.button(title, key=f"compare_study_{name}", disabled=running is not None):
            _start_study(name, int(epochs), float(fraction))
        study_estimate_ui(name, int(epochs), float(fraction))
    if running is not None:
        st.caption(f"A {running.kind} job is running; one job runs at a time.")


def _start_study(name: str, epochs: int, fraction: float) -> None:
    dataset = current_dataset()
    if dataset is None:
        return
    try:
        MANAGER.submit("study", studies.run_study, title=f"{name} study on {current_source().title}",
                       name=name, dataset=dataset, epochs=epochs, fraction=fraction, cnn_params=_tuned_cnn())
    except JobBusy as error:
        st.warning(str(error))
        return
    st.rerun()


def study_estimate_ui(name: str, epochs: int, fraction: float) -> None:
    """How long the study would take on the current dataset, and how that was estimated."""
    dataset = current_dataset()
    if dataset is None or len(dataset) == 0:
        return
    counts = np.ceil(distinct_counts(dataset) * fraction)
    variants = studies.study_variants(name, TrainConfig(model="cnn"))
    guess = estimate.estimate_study(
        variants, images=int(counts.sum()), raw_images=int(np.ceil(len(dataset) * fraction)),
        class_counts=counts, epochs=epochs,
        throughputs=throughputs({planned.changes.get("model", "cnn") for planned in variants}))
    st.caption(f"{len(variants)} runs, at most about {duration_text(guess.seconds)}: {guess.basis}. "
               f"{DEDUP_NOTE}")


def _tuned_cnn() -> dict | None:
    """The best CNN of the newest search with a completed trial (the architectures study's CNN)."""
    for entry in tuning.list_searches(tuning.SEARCH_ROOT):
        if entry["completed"]:
            return tuning.best_search_params(entry["path"])
    return None


st.title("Compare")
runs = pick_runs_ui(RunStore())
if runs:
    summary = compare.summary_table(runs)
    leakage_ui(summary)
    summary_ui(summary)
    st.subheader("Accuracy with and without augmentation")
    accuracy_ui(summary)
    st.subheader("F1 per class")
    f1_ui(runs)
    left, right = st.columns(2)
    with left:
        st.subheader("Parameters against accuracy")
        st.plotly_chart(compare.params_scatter(summary), key="compare_params")
    with right:
        st.subheader("Learning curves")
        curves_ui(runs)
    st.subheader("Confusion matrix")
    confusion_ui(runs, summary.index.tolist())
    st.subheader("On real handwriting")
    st.caption("Scores on another source, e.g. CROHME writers: when a run trained on that source, only "
               "its test part is scored, where no training writer appears "
               "(`python -m mathdash evaluate RUN --data SOURCE`).")
    real_handwriting_ui(runs)
st.subheader("Studies")
st.caption("Each study trains several runs on the current dataset and saves them tagged with the study.")
studies_ui()
live_job_panel(key="compare_job", kinds=("study",))
