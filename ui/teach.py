"""The Draw page's "Teach it" panel: save a drawing with its right label, fine-tune on the saved ones.

Drawings go to ``mathdash.examples.ExampleStore`` (Kaggle layout under artifacts/examples); the
fine-tune runs as a background job (``mathdash.jobs``) and saves a new run, made active on request.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mathdash.errors import MathDashError
from mathdash.examples import ExampleStore
from mathdash.finetune import FinetuneConfig, FinetuneResult, finetune_saved_run
from mathdash.jobs import MANAGER, JobBusy
from mathdash.symbols import symbol
from ui.jobs import live_job_panel

JOB_KIND = "finetune"
CANVAS_ROUND = "draw_canvas_round"  # bumped after a save, so the canvas comes back empty


def canvas_key() -> str:
    """The canvas widget's key: a new one after every saved drawing clears the canvas."""
    round_ = st.session_state.get(CANVAS_ROUND, 0)
    return "draw_canvas" if round_ == 0 else f"draw_canvas_{round_}"


def save_example_ui(image: np.ndarray, guess: str, class_names: list[str]) -> None:
    """'That's wrong, it is ___' (the guess preselected) and 'Save as example'."""
    if st.session_state.get("teach_guess") != guess:  # a new guess: offer it as the label again
        st.session_state["teach_guess"] = guess
        st.session_state["teach_label"] = guess
    label_col, button_col = st.columns([3, 2], vertical_alignment="bottom")
    label = label_col.selectbox("That's wrong, it is… (or keep the guess)", class_names, key="teach_label",
                                format_func=lambda name: symbol(name).label)
    if button_col.button("Save as example", key="teach_save", type="primary"):
        try:
            saved = ExampleStore().add(image, label)
        except MathDashError as error:
            st.error(f"The drawing was not saved: {error}")
            return
        st.session_state[CANVAS_ROUND] = st.session_state.get(CANVAS_ROUND, 0) + 1
        st.session_state["teach_saved"] = f"Saved as {symbol(label).label} ({saved.parent.name}/{saved.name})."
        st.rerun()


def examples_ui() -> int:
    """How many drawings are saved, per class, and the zip download; returns the count."""
    saved = st.session_state.pop("teach_saved", None)
    if saved:
        st.success(saved)
    store = ExampleStore()
    counts = store.counts()
    total = sum(counts.values())
    if not total:
        st.caption("No drawing saved yet: draw, pick the right class and press \"Save as example\".")
        return 0
    listed = ", ".join(f"{symbol(name).glyph} {count}" for name, count in counts.items())
    st.markdown(f"**{total} saved drawing{'s' if total != 1 else ''}**: {listed}")
    st.download_button("Download my drawings (.zip)", store.zip_bytes(), file_name="my_drawings.zip",
                       mime="application/zip", key="teach_download")
    return total


def finetune_ui(run_id: str | None, saved: int) -> None:
    """Start a fine-tune of the chosen run; its live progress; the before/after scores."""
    epochs = st.slider("Fine-tune epochs", 1, 10, FinetuneConfig().epochs, key="teach_epochs")
    if st.button("Fine-tune on my drawings", key="teach_finetune", disabled=not saved or run_id is None):
        config = FinetuneConfig(epochs=epochs)
        try:
            MANAGER.submit(JOB_KIND, finetune_saved_run, title=f"fine-tune {run_id} on {saved} drawings",
                           run_id=run_id, config=config)
        except JobBusy as error:
            st.warning(str(error))
    job = MANAGER.current()
    if job is None or job.kind != JOB_KIND:
        return
    live_job_panel("teach_job")
    if job.state == "done" and isinstance(job.result, FinetuneResult):
        result_ui(job.result)


def result_ui(result: FinetuneResult) -> None:
    """Accuracy before and after, and 'make it active'."""
    if result.run_id is None:
        st.info("The fine-tune was stopped: nothing was saved, the model in use is unchanged.")
        return
    table = pd.DataFrame({"before": result.before, "after": result.after}).rename(
        index={"drawings": "your drawings", "test": "test set (the base run's held-out images)"})
    with st.container(key="teach_scores"):
        st.table(table.map(lambda value: f"{value:.1%}"))
    note = f" ({result.dropped} of classes the model lacks left out)" if result.dropped else ""
    st.caption(f"Fine-tuned run `{result.run_id}` from `{result.base_run}` on {result.drawings} drawings{note}; "
               "\"your drawings\" are the ones it was tuned on.")
    if result.note:
        st.warning(result.note)
    from mathdash.runs import RunStore

    store = RunStore()
    if store.active_id() == result.run_id:
        st.success(f"`{result.run_id}` is the active model.")
        return
    st.button("Make the fine-tuned model active", key="teach_activate", on_click=_activate,
              args=(result.run_id,))
    st.caption("Or pick it under Model above to try it first.")


def _activate(run_id: str) -> None:
    from mathdash.runs import RunStore

    try:
        RunStore().set_active(run_id)
    except MathDashError as error:
        st.error(f"Run {run_id!r} cannot be made active: {error}")
        return
    st.session_state["draw_run"] = run_id  # the Model choice follows (callbacks run before the page)
