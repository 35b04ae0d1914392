"""Streamlit views of the process-wide background job: live progress, curves, a stop button.

Every visitor reads the same ``mathdash.jobs.MANAGER``, so a reload or a second browser sees the
running job; the panel re-draws itself every second (``st.fragment``) while the job runs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mathdash.jobs import MANAGER, Job

REFRESH_S = 1.0
_STATE_ICONS = {"running": "⏳", "done": "✅", "failed": "❌", "stopped": "⏹️"}


def progress_fraction(progress: dict[str, Any]) -> float:
    """How far a job is, in [0, 1], from a training dict (epoch/batch) or a (done, total) dict."""
    if progress.get("epochs") and progress.get("batches"):
        done = (progress["epoch"] - 1) * progress["batches"] + progress.get("batch", 0)
        return min(1.0, done / (progress["epochs"] * progress["batches"]))
    if progress.get("total"):
        return min(1.0, progress.get("done", 0) / progress["total"])
    return 0.0


def progress_text(progress: dict[str, Any]) -> str:
    """One line: epoch and batch, running loss and accuracy, the ETA; or the job's message."""
    if "epoch" not in progress:
        return str(progress.get("message") or "starting…")
    parts = [f"epoch {progress['epoch']}/{progress['epochs']}"]
    if progress.get("phase") == "validate":
        parts.append(f"validating {progress.get('val_batch', 0)}/{progress.get('val_batches', '?')}")
    else:
        parts.append(f"batch {progress['batch']}/{progress['batches']}")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if progress.get(key) is not None:
            parts.append(f"{key} {progress[key]:.4f}")
    if progress.get("eta_s") is not None:
        parts.append(f"about {duration_text(progress['eta_s'])} left")
    return " · ".join(parts)


def epoch_table(events: list[dict[str, Any]]) -> pd.DataFrame:
    """The epoch-end events as a table: index epoch; loss, accuracy, val_loss, val_accuracy."""
    rows = [e for e in events if e.get("phase") == "epoch"]
    columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    table = pd.DataFrame([{k: e.get(k) for k in columns} for e in rows], columns=columns)
    return table.drop_duplicates("epoch", keep="last").set_index("epoch")


def curves_ui(history: pd.DataFrame, key: str) -> None:
    """Loss and accuracy per epoch, training and validation, side by side."""
    if history.empty:
        return
    cols = st.columns(2)
    for col, metric in zip(cols, ("loss", "accuracy")):
        figure = go.Figure()
        for name, label in ((metric, "train"), (f"val_{metric}", "validation")):
            if name in history:
                figure.add_scatter(x=list(history.index), y=history[name], mode="lines+markers", name=label)
        figure.update_layout(title=metric, height=280, margin=dict(t=40, b=10, l=10, r=10),
                             xaxis_title="epoch")
        col.plotly_chart(figure, key=f"{key}_{metric}")


def job_status_ui(job: Job, key: str) -> None:
    """State, progress bar, the latest numbers, a stop button while running, the error if failed."""
    progress, events = job.snapshot()
    icon = _STATE_ICONS.get(job.state, "")
    st.markdown(f"**{icon} {job.kind} job `{job.id}`: {job.state}** — {job.title} "
                f"(started {job.started:%H:%M:%S}, {duration_text(job.seconds())})")
    if job.running:
        st.progress(progress_fraction(progress), text=progress_text(progress))
        if job.stop_event.is_set():
            st.caption("Stop requested: the job ends after the current batch.")
        elif st.button("Stop", key=f"{key}_stop", type="secondary"):
            job.stop()
            st.toast("Stop requested")
    if job.state == "failed":
        st.error(job.error.splitlines()[0] if job.error else "the job failed")
        with st.expander("Traceback"):
            st.code(job.error)
    curves_ui(epoch_table(events), key=f"{key}_curves")


_JOB_PAGES = {"train": "Train", "tune": "Tune", "study": "Compare"}


def live_job_panel(key: str = "job", kinds: tuple[str, ...] | None = None) -> Job | None:
    """Draw the current job; while it runs, re-draw every second and re-run the page when it ends.

    Args:
        key: prefix of the widget keys.
        kinds: the job kinds this page shows in full (None: every kind). A job of another kind
            gets one line naming it and its page, never its curves.

    Returns:
        The current job (running or the latest finished one), or None.
    """
    job = MANAGER.current()
    interval = REFRESH_S if job is not None and job.running else None

    @st.fragment(run_every=interval)
    def panel() -> None:
        current = MANAGER.current()
        if current is None:
            st.caption("No job has run since the app started.")
            return
        if kinds is not None and current.kind not in kinds:
            page = _JOB_PAGES.get(current.kind)
            where = f"; its progress is on the {page} page" if page else ""
            st.caption(f"The latest job is a {current.kind} job ({current.title}, {current.state}){where}.")
        else:
            job_status_ui(current, key)
        seen_key = f"{key}_running_job"
        if current.running:
            st.session_state[seen_key] = current.id
        elif st.session_state.get(seen_key) == current.id:
            st.session_state[seen_key] = None
            st.rerun()  # the whole page, so it shows the finished result and stops polling

    panel()
    return job


def duration_text(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 20 min``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min {seconds:02d} s"
