"""Tune page: start a keras-tuner search over the CNN, watch its trials live, read the best hyperparameters.

The search runs in the process-wide job ``MANAGER``; the trial table is read from the search
directory, so it needs no TensorFlow and survives a restart. TensorFlow loads only when a search starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from mathdash import estimate, tuning
from mathdash.compare.figures import trial_scores
from mathdash.errors import MathDashError
from mathdash.jobs import MANAGER, JobBusy
from mathdash.tuning.tuner import total_trials
from ui.data import current_dataset, current_source
from ui.estimates import DEDUP_NOTE, distinct_counts, throughputs
from ui.jobs import duration_text, live_job_panel

LIVE_REFRESH_S = 2.0
FILTER_CHOICES = (8, 16, 32, 64, 128)
KERNEL_CHOICES = (3, 5, 7)
DENSE_CHOICES = (32, 64, 128, 256, 512)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
MAX_BLOCKS = 5  # 45 px halves to 1 px after five poolings
_ALGORITHM_NAMES = {"random": "Random search", "hyperband": "Hyperband", "bayesian": "Bayesian optimisation"}


def settings_ui() -> tuning.TuneConfig | None:
    """The search controls; returns the config they describe (None, with the reason, when invalid)."""
    cols = st.columns(4)
    algorithm = cols[0].selectbox("Algorithm", list(_ALGORITHM_NAMES), format_func=_ALGORITHM_NAMES.get,
                                  key="tune_algorithm")
    max_trials = cols[1].number_input("Max trials", 1, 500, 10, key="tune_max_trials",
                                      help="Hyperband also stops when its brackets are done.")
    epochs = cols[2].number_input("Epochs per trial", 1, 100, 5, key="tune_epochs")
    name = cols[3].text_input("Search name", "cnn-search", key="tune_name",
                              help="Its directory under artifacts/searches; the same name resumes it.")
    with st.expander("More settings"):
        more = st.columns(4)
        executions = more[0].number_input("Executions per trial", 1, 5, 1, key="tune_executions")
        batch_size = more[1].select_slider("Batch size", [32, 64, 128, 256], 64, key="tune_batch")
        seed = more[2].number_input("Seed", 0, 10_000, 0, key="tune_seed")
        save_best = more[3].checkbox("Save the best trial as a run", True, key="tune_save_best")
    try:
        return tuning.TuneConfig(
            algorithm=algorithm, max_trials=int(max_trials), epochs=int(epochs), executions=int(executions),
            seed=int(seed), name=name.strip(), batch_size=int(batch_size), save_best=save_best,
            space=space_ui(),
        )
    except MathDashError as error:
        st.error(str(error))
        return None


def space_ui() -> tuning.SearchSpace:
    """The values searched for each CNN hyperparameter; an empty choice raises ConfigError."""
    default = tuning.SearchSpace()
    with st.expander("Search space"):
        left, right = st.columns(2)
        blocks = left.slider("Conv blocks", 1, MAX_BLOCKS, default.blocks, key="tune_space_blocks")
        filters = left.multiselect("Filters of the first block (doubled in each later block)", FILTER_CHOICES,
                                   list(default.filters), key="tune_space_filters")
        kernels = left.multiselect("Kernel size", KERNEL_CHOICES, list(default.kernel_size),
                                   key="tune_space_kernel")
        dropout = right.slider("Dropout", 0.0, 0.8, default.dropout, step=0.05, key="tune_space_dropout")
        dense = right.multiselect("Dense units", DENSE_CHOICES, list(default.dense_units),
                                  key="tune_space_dense")
        batch_norm = right.multiselect("Batch norm", [False, True], list(default.batch_norm),
                                       format_func=lambda on: "on" if on else "off", key="tune_space_bn")
        rates = st.select_slider("Learning rate (sampled on a log scale)", LEARNING_RATES,
                                 default.learning_rate, format_func=lambda rate: f"{rate:g}",
                                 key="tune_space_lr")
        st.caption("A range with equal ends, or a single choice, fixes that hyperparameter.")
    return tuning.SearchSpace(
        blocks=tuple(blocks), filters=tuple(sorted(filters)), kernel_size=tuple(sorted(kernels)),
        batch_norm=tuple(sorted(batch_norm)), dropout=(round(dropout[0], 2), round(dropout[1], 2)),
        dense_units=tuple(sorted(dense)), learning_rate=tuple(rates),
    )


def start_ui(config: tuning.TuneConfig | None, search_root: Path, searches: list[dict]) -> None:
    """The start button (resumes a search of that name); disabled while any job runs."""
    existing = {entry["name"]: entry for entry in searches}
    conflict = None
    if config is not None and config.name in existing:
        entry = existing[config.name]
        conflict = tuning.resume_conflict(entry["path"], config)
        if conflict:
            st.warning(conflict.capitalize() + ".")
        else:
            st.caption(f"A search named `{config.name}` exists ({entry['completed']} of {entry['trials']} "
                       "trials done): starting resumes it.")
    running = MANAGER.running()
    if running is not None:
        st.info(f"A {running.kind} job is running ({running.title}); one job runs at a time.")
    blocked = config is None or conflict is not None or running is not None
    if config is not None:
        estimate_ui(config)
    if st.button("Start search", key="tune_start", type="primary", disabled=blocked):
        _start(config, search_root)


def estimate_ui(config: tuning.TuneConfig) -> None:
    """How long the search would take at most on the current dataset, and how that was estimated."""
    dataset = current_dataset()
    if dataset is None or len(dataset) == 0:
        return
    guess = estimate.estimate_search(int(distinct_counts(dataset).sum()), total_trials(config),
                                     config.epochs, config.executions, throughputs(["cnn"])["cnn"],
                                     retrain=config.save_best)
    st.caption(f"At most about {duration_text(guess.seconds)}: {guess.basis}. {DEDUP_NOTE}")


def _start(config: tuning.TuneConfig, search_root: Path) -> None:
    dataset = current_dataset()
    if dataset is None:
        return
    title = f"{_ALGORITHM_NAMES[config.algorithm]} `{config.name}` on {current_source().title}"
    try:
        MANAGER.submit("tune", tuning.run_search, title=title, dataset=dataset, config=config,
                       search_root=search_root)
    except JobBusy as error:
        st.warning(str(error))
        return
    st.session_state["tune_started"] = config.name  # shown once the job has written its directory
    st.rerun()


def searches_table_ui(search_root: Path, live: bool) -> None:
    """The searches with their trial counts and best scores, re-read while a search runs."""

    @st.fragment(run_every=LIVE_REFRESH_S if live else None)
    def table() -> None:
        searches = tuning.list_searches(search_root)
        if searches:
            st.dataframe(pd.DataFrame(searches).drop(columns=["path", "changed"]), key="tune_searches",
                         hide_index=True)

    table()


def searches_ui(searches: list[dict], search_root: Path, live: bool) -> str | None:
    """The existing searches (``list_searches``) and the one to show (the started one, else the newest)."""
    if not searches:
        st.info("No search yet: start one above.")
        return None
    searches_table_ui(search_root, live)
    names = [entry["name"] for entry in searches]
    if st.session_state.get("tune_started") in names:
        st.session_state["tune_show"] = st.session_state.pop("tune_started")
    if st.session_state.get("tune_show") not in names:
        st.session_state["tune_show"] = names[0]
    return st.selectbox("Show search", names, key="tune_show")


def trials_ui(search_dir: Path, live: bool) -> None:
    """The trial table, the score-by-trial plot and the best hyperparameters; re-read while live."""

    @st.fragment(run_every=LIVE_REFRESH_S if live else None)
    def panel() -> None:
        trials = tuning.trial_table(search_dir)
        if trials.empty:
            st.caption("No trial has started yet.")
            return
        left, right = st.columns([3, 2])
        left.dataframe(trials, key="tune_trials", hide_index=True)
        right.plotly_chart(trial_scores(trials), key="tune_scores")
        best_ui(search_dir, trials)

    panel()


def best_ui(search_dir: Path, trials: pd.DataFrame) -> None:
    """The best completed trial: its score, its full CNN arguments, the run it was saved as."""
    best = tuning.best_trial(trials)
    if best is None:
        st.caption("No trial has completed yet.")
        return
    params = tuning.best_search_params(search_dir)
    st.markdown(f"**Best trial {best['trial']}**: validation accuracy {best['score']:.3f}, "
                f"{int(best['params']) if pd.notna(best['params']) else '?'} parameters")
    st.code(json.dumps(params, indent=2), language="json")
    run_id = tuning.read_meta(search_dir).get("run_id")
    if run_id:
        st.caption(f"Saved as run `{run_id}` (compare it on the Compare page).")


st.title("Tune")
st.caption("keras-tuner searches the CNN's conv blocks, filters, kernel size, batch norm, dropout, dense "
           "units and learning rate; the best trial is retrained and saved as a run.")
search_root = tuning.SEARCH_ROOT
searches = tuning.list_searches(search_root)  # starting a search re-runs the page, which lists it
start_ui(settings_ui(), search_root, searches)
job = live_job_panel(key="tune_job", kinds=("tune",))
searching = job is not None and job.running and job.kind == "tune"
shown = searches_ui(searches, search_root, live=searching)
if shown is not None:
    trials_ui(search_root / shown, live=searching)
