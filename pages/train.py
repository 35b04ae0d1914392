"""Train page: pick data, model, epochs and augmentation; watch the job live; keep the best run.

The job runs under the process-wide ``MANAGER`` (in a process of its own), so a reload or a second
visitor sees the same job, and only one trains at a time. Metrics come from ``metrics.json``:
showing them needs no TF.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import streamlit as st

from mathdash import estimate, symbols
from mathdash.dataset import Dataset
from mathdash.errors import MathDashError
from mathdash.jobs import MANAGER, JobBusy
from mathdash.models import BUILDERS
from mathdash.runs import DEFAULT_ID, Run, RunStore
from mathdash.train import RunResult, TrainConfig, train_model
from mathdash.train.config import MAX_NAME_LENGTH
from ui.data import current_dataset, current_source
from ui.estimates import DEDUP_NOTE, distinct_counts, throughputs
from ui.jobs import curves_ui, duration_text, live_job_panel

DATA_CHOICES = {
    "raw": "Raw (as loaded)",
    "dedup": "Deduplicated",
    "balanced": "Deduplicated + balanced (rare classes grown to the median)",
}
# What each data choice needs: module and the names it must offer.
_NEEDS = {
    "dedup": [("mathdash.dedup", ("find_duplicate_groups", "remove_duplicates"))],
    "balanced": [("mathdash.dedup", ("find_duplicate_groups", "remove_duplicates")),
                 ("mathdash.augment", ("balance_classes", "resolve_config"))],
}
SHOWN_CLASSES = 10


def missing_module(choice: str) -> str:
    """Why a data choice cannot run yet ('' when its modules are there)."""
    for module_name, names in _NEEDS.get(choice, []):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return f"{module_name} is not available yet"
        absent = [name for name in names if not hasattr(module, name)]
        if absent:
            return f"{module_name} does not offer {', '.join(absent)} yet"
    return ""


def augment_choices() -> list[str]:
    """'none', the presets, then the saved augmentation configs."""
    try:
        from mathdash.augment import PRESETS, list_configs
    except ImportError:
        return ["none"]
    return ["none", *dict.fromkeys([*PRESETS, *list_configs()])]


def settings_ui(data_name: str) -> tuple[str, TrainConfig]:
    """The training controls; returns the data choice (a ``DATA_CHOICES`` key) and the config."""
    cols = st.columns(4)
    choice = cols[0].radio("Data", list(DATA_CHOICES), format_func=DATA_CHOICES.get, key="train_data",
                           index=2)
    model = cols[1].selectbox("Model", list(BUILDERS), key="train_model")
    epochs = cols[2].slider("Epochs (most)", 1, 50, 12, key="train_epochs")
    augment = cols[3].selectbox("Augmentation (on the fly)", augment_choices(), key="train_augment")
    name = st.text_input("Run name (optional)", key="train_name", max_chars=MAX_NAME_LENGTH,
                         placeholder="e.g. cnn with rotation", help="Shown with the run and used in its id.")
    with st.expander("More settings"):
        more = st.columns(5)
        batch_size = more[0].select_slider("Batch size", [32, 64, 128, 256], 128, key="train_batch")
        patience = more[1].number_input("Patience (epochs)", 0, 20, 3, key="train_patience")
        rate = more[2].select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3], 1e-3, key="train_lr")
        seed = more[3].number_input("Seed", 0, 10_000, 0, key="train_seed")
        naive = more[4].checkbox("Naive random split", key="train_naive",
                                 help="Split image by image: near-duplicates leak into the test set.")
    config = TrainConfig(
        data=data_name, model=model, epochs=int(epochs), batch_size=int(batch_size),
        learning_rate=float(rate), patience=int(patience), augment=None if augment == "none" else augment,
        seed=int(seed), split_by_group=not naive, dedup=choice != "raw",
        balance="median" if choice == "balanced" else None, name=name.strip(),
    )
    return choice, config


def start_ui(dataset: Dataset, choice: str, config: TrainConfig) -> None:
    """The start button: disabled while any job runs or a needed module is missing."""
    reason = missing_module(choice)
    if reason:
        st.warning(f"{DATA_CHOICES[choice]} needs a module that is still being written: {reason}.")
    running = MANAGER.running()
    if running is not None:
        st.info(f"A {running.kind} job is running ({running.title}); one job runs at a time.")
    estimate_ui(dataset, config)
    if st.button("Start training", key="train_start", type="primary", disabled=bool(reason or running)):
        data = DATA_CHOICES[choice].split(" (")[0].lower()
        title = f"{config.model} on {config.data}, {data}, {config.epochs} epochs"
        title = f"{config.name}: {title}" if config.name else title
        try:
            MANAGER.submit("train", train_model, title=title, dataset=dataset, config=config)
        except JobBusy as error:
            st.warning(str(error))
            return
        st.rerun()


def estimate_ui(dataset: Dataset, config: TrainConfig) -> None:
    """How long this training would take at most, and how that was estimated."""
    if len(dataset) == 0:
        return
    counts = distinct_counts(dataset) if config.dedup else np.array(list(dataset.class_counts().values()))
    images = estimate.balanced_size(counts) if config.balance else int(counts.sum())
    guess = estimate.estimate_training(images, config.epochs, throughputs([config.model])[config.model],
                                       on_the_fly=config.augment is not None)
    st.caption(f"At most about {duration_text(guess.seconds)}: {guess.basis}. {DEDUP_NOTE}")


def download_ui(run: Run) -> None:
    """The run's trained model as a ``.keras`` file (read from disk when the button is pressed)."""
    path = run.path / "model.keras"
    if not path.is_file():
        return
    st.download_button(f"Download the model ({path.stat().st_size / 2**20:.1f} MB, .keras)",
                       data=path.read_bytes, file_name=f"{run.id}.keras", mime="application/octet-stream",
                       key=f"train_download_{run.id}", on_click="ignore", icon=":material/download:",
                       help="Load it with keras.saving.load_model; the run's labels.json holds the "
                            "class order.")


def run_metrics_ui(run: Run) -> None:
    """Headline test metrics, warnings, the worst classes, the commonest confusions, the curves."""
    metrics = run.metrics
    cols = st.columns(5)
    cols[0].metric("Test accuracy", _pct(metrics.get("accuracy")))
    cols[1].metric("Macro F1", _num(metrics.get("macro_f1")))
    worst_class = metrics.get("worst_class")
    cols[2].metric("Worst class F1", _num(metrics.get("worst_f1")),
                   symbols.label(worst_class) if worst_class else None, delta_color="off", delta_arrow="off")
    cols[3].metric("Augmented test accuracy", _pct(metrics.get("augmented_accuracy")))
    cols[4].metric("Parameters", f"{metrics.get('params', 0):,}")
    st.caption(f"{metrics.get('test_size', 0):,} held-out test images · "
               f"state {metrics.get('state', 'done')} · "
               f"{metrics.get('epochs_run', '?')} epochs (best {metrics.get('best_epoch', '?')}) · "
               f"{metrics.get('train_seconds', 0):.0f} s")
    if metrics.get("leakage_flag"):
        st.warning("Validation accuracy sits above training accuracy: a sign that near-duplicates leak "
                   "across the split.")
    left, right = st.columns(2)
    per_class = pd.DataFrame.from_dict(metrics.get("per_class", {}), orient="index")
    if not per_class.empty:
        worst = per_class[per_class["support"] > 0].sort_values("f1").head(SHOWN_CLASSES)
        worst.index = [symbols.label(name) for name in worst.index]
        left.markdown("**Worst classes**")
        left.dataframe(worst, key=f"train_worst_{run.id}")
    pairs = pd.DataFrame(metrics.get("confused_pairs", [])[:SHOWN_CLASSES])
    if not pairs.empty:
        right.markdown("**Most confused (true → predicted)**")
        right.dataframe(pairs, key=f"train_pairs_{run.id}", hide_index=True)
    curves_ui(run.history, key=f"train_history_{run.id}")


def runs_ui(store: RunStore, latest: str | None) -> None:
    """The saved runs, one to inspect (the latest finished by default), and the make-active button."""
    table = store.table()
    st.dataframe(table, key="train_runs", hide_index=True)
    delete_ui(store, [row.id for row in table.itertuples() if row.id != DEFAULT_ID])
    sound = [row.id for row in table.itertuples() if not row.broken]
    if not sound:
        st.info("No saved run yet.")
        return
    if latest in sound and st.session_state.get("train_latest_shown") != latest:
        st.session_state["train_latest_shown"] = latest
        st.session_state["train_run_pick"] = latest  # show a new run once; then the choice is free
    if st.session_state.get("train_run_pick") not in sound:
        st.session_state.pop("train_run_pick", None)
    run_id = st.selectbox("Run", sound, key="train_run_pick")
    try:
        run = store.load(run_id)
    except MathDashError as error:
        st.error(f"Run {run_id} cannot be read: {error}")
        return
    active = store.active_id()
    if run_id == active:
        st.success(f"{run_id} is the active model (the Draw page predicts with it).")
    elif st.button("Make active", key="train_activate"):
        _activate(store, run_id)
    download_ui(run)
    run_metrics_ui(run)


def delete_ui(store: RunStore, deletable: list[str]) -> None:
    """Delete a saved run (broken ones too) after a confirmation; the shipped run is never offered."""
    if not deletable:
        return
    with st.expander("Delete a run"):
        run_id = st.selectbox("Run to delete", deletable, key="train_delete_pick")
        active = run_id == store.active_id()
        sure = st.checkbox(f"Yes, delete {run_id} and its model file"
                           + (" (it is active: the shipped model takes over)" if active else ""),
                           key="train_delete_sure")
        if st.button("Delete", key="train_delete", disabled=not sure):
            try:
                store.delete(run_id)
            except (MathDashError, OSError) as error:
                st.error(f"Cannot delete {run_id}: {error}")
                return
            st.session_state.pop("train_delete_sure", None)
            st.toast(f"Deleted {run_id}")
            st.rerun()


def _activate(store: RunStore, run_id: str) -> None:
    with st.spinner("Checking that the model loads…"):
        try:
            store.set_active(run_id)
        except MathDashError as error:
            st.error(f"Cannot make {run_id} active: {error}")
            return
    st.rerun()


def _latest_run_id() -> str | None:
    job = MANAGER.current()
    if job is not None and job.kind == "train" and isinstance(job.result, RunResult):
        return job.result.run_id
    return None


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


st.title("Train")
source = current_source()
dataset = current_dataset()
if dataset is not None:
    st.caption(f"{source.title}: {len(dataset):,} images, {dataset.num_classes} classes.")
    start_ui(dataset, *settings_ui(source.path or source.kind))
st.subheader("Job")
live_job_panel("train", kinds=("train",))
st.subheader("Runs")
runs_ui(RunStore(), _latest_run_id())
