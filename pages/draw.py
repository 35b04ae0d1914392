"""Draw page: sketch a symbol (or upload a picture of one) and see what a saved model reads.

A thin view over ``mathdash.predict``: the canvas gives RGBA pixels, ``inspect_drawing`` makes the
45x45 image the model receives (or says why there is none), a ``Predictor`` loaded in the background
from the moment the page opens ranks the classes, and ``UnsureRule`` says when the answer is a guess.
"Teach it" (``ui.teach``) saves drawings with their labels and fine-tunes a copy of the model.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from mathdash.confidence import DEFAULT_MAX_ENTROPY, DEFAULT_MAX_LINE, DEFAULT_MIN_MARGIN, Judgement, UnsureRule
from mathdash.errors import MathDashError
from mathdash.predict import BLANK_REASON, inspect_drawing, rank, read_image
from mathdash.runs import RunStore, RunSummary
from mathdash.symbols import symbol
from ui import predictors, teach
from ui.canvas_tools import hide_canvas_tools

CANVAS_SIZE = 280
PREVIEW_SIZE = 180
TOP_K = 5
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]


def run_choice_ui() -> str | None:
    """The run that predicts (the active one unless the visitor picks another); None if none."""
    store = RunStore()
    runs = [summary for summary in store.list_runs() if not summary.broken]
    if not runs:
        st.error("No saved model to predict with: train one on the Train page "
                 "(the shipped default run in artifacts/default_run/ is missing).")
        return None
    active = store.active_id()
    ids = [summary.id for summary in runs]
    by_id = {summary.id: summary for summary in runs}
    if st.session_state.get("draw_run") not in (None, *ids):
        del st.session_state["draw_run"]  # a deleted run: fall back to the active one
    return st.selectbox("Model", ids, index=ids.index(active) if active in ids else 0, key="draw_run",
                        format_func=lambda run_id: _run_title(by_id[run_id], run_id == active))


def _run_title(summary: RunSummary, active: bool) -> str:
    accuracy = f", test accuracy {summary.accuracy:.1%}" if summary.accuracy is not None else ""
    return f"{summary.id} ({summary.model or 'model'}{accuracy}){' · active' if active else ''}"


def unsure_rule_ui() -> UnsureRule:
    """The thresholds of "not sure / not a symbol?"; defaults from ``benchmarks/bench_unsure.py``."""
    with st.expander("When is it unsure?"):
        margin = st.slider("Smallest margin (top probability minus the second)", 0.0, 1.0,
                           DEFAULT_MIN_MARGIN, 0.05, key="draw_min_margin")
        entropy = st.slider("Largest entropy (0: one class … 1: all equal)", 0.0, 1.0,
                            DEFAULT_MAX_ENTROPY, 0.05, key="draw_max_entropy")
        line = st.slider("Longest centre line of a symbol (pixels of the 45×45 image)", 40, 400,
                         DEFAULT_MAX_LINE, 10, key="draw_max_line")
        st.caption("Set on scribbles and real handwriting by benchmarks/bench_unsure.py (see the README).")
    return UnsureRule(margin, entropy, line)


def input_ui() -> np.ndarray | None:
    """The canvas or an upload, whichever the visitor chose: pixels (H, W[, C]) uint8, or None."""
    source = st.radio("Input", ["Draw", "Upload a picture"], horizontal=True, key="draw_source")
    return canvas_ui() if source == "Draw" else upload_ui()


def canvas_ui() -> np.ndarray | None:
    """The drawing canvas; returns its RGBA pixels (280, 280, 4) uint8, None before first use."""
    stroke_width = st.slider("Stroke width", 3, 40, 18, key="draw_stroke_width")
    result = st_canvas(stroke_width=stroke_width, stroke_color="#000000", background_color="#FFFFFF",
                       height=CANVAS_SIZE, width=CANVAS_SIZE, drawing_mode="freedraw",
                       return_image_data=True, key=teach.canvas_key())
    hide_canvas_tools()
    st.caption("Undo, redo and clear are in the canvas toolbar (hover over the canvas).")
    return result.image_data


def upload_ui() -> np.ndarray | None:
    """An uploaded picture's pixels, or None (with a message when the file cannot be read)."""
    upload = st.file_uploader("A picture of one symbol", type=UPLOAD_TYPES, key="draw_upload")
    if upload is None:
        return None
    pixels, error = read_image(upload)
    if pixels is None:
        st.error(f"{upload.name} cannot be read: {error}.")
    return pixels


def model_input_ui(image: np.ndarray) -> None:
    """The 45x45 image the model receives, enlarged without smoothing."""
    preview = Image.fromarray(image).resize((PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.NEAREST)
    st.image(preview, caption="What the model sees (45×45)")


def predict_ui(pixels: np.ndarray | None, run_id: str | None) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """Prepare the pixels, show the model input and score every class.

    Returns:
        (the 45x45 image, probabilities float (C,), the model's class names), or None when there
        is nothing to read or no model.
    """
    image, why = inspect_drawing(pixels) if pixels is not None else (None, BLANK_REASON)
    if image is None:
        st.info("Nothing to read yet: draw a symbol (or upload a picture of one)." if why == BLANK_REASON
                else f"Nothing to read: {why}.")
        return None
    model_input_ui(image)
    if run_id is None:
        return None
    try:
        if predictors.is_ready(run_id):
            predictor = predictors.get_predictor(run_id)
        else:
            with st.spinner("Loading the model…"):
                predictor = predictors.get_predictor(run_id)
    except MathDashError as error:
        st.error(f"Run {run_id!r} cannot be loaded: {error}")
        return None
    return image, predictor.probabilities(image)[0], predictor.class_names


def top_guess_ui(top: list[tuple[str, float]], judgement: Judgement) -> None:
    """The best class as its glyph in large type (or "not sure"), and the top five as a bar chart."""
    name, probability = top[0]
    entry = symbol(name)
    with st.container(key="top_guess"):
        if judgement.sure:
            st.markdown(f"### Top guess: {entry.glyph}")
            st.caption(f"{entry.label}, {probability:.1%} · LaTeX `{entry.latex}`")
        else:
            st.markdown("### Not sure: not a symbol?")
            st.caption(f"Best guess {entry.label} at {probability:.1%}, but {judgement.reason}.")
    st.plotly_chart(top_chart(top), key="draw_top_chart")


def top_chart(top: list[tuple[str, float]]) -> go.Figure:
    """Horizontal bars of the top classes, best on top; the class axis is categorical ("7" is a name)."""
    labels = [symbol(name).label for name, _ in top][::-1]
    chart = go.Figure(go.Bar(x=[p for _, p in top][::-1], y=labels, orientation="h",
                             text=[f"{p:.1%}" for _, p in top][::-1], textposition="auto"))
    chart.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10),
                        xaxis=dict(range=[0, 1], tickformat=".0%", title="probability"),
                        yaxis=dict(type="category", categoryorder="array", categoryarray=labels))
    return chart


def candidates_ui(top: list[tuple[str, float]]) -> None:
    """Each candidate typeset, with its LaTeX command ready to copy."""
    st.subheader("Candidates")
    for rank_, (name, probability) in enumerate(top, start=1):
        entry = symbol(name)
        label_col, glyph_col, code_col = st.columns([2, 1, 3], vertical_alignment="center")
        label_col.markdown(f"**{rank_}.** {entry.label} · {probability:.1%}")
        with glyph_col:
            st.latex(entry.latex)
        with code_col:
            st.code(entry.latex, language="latex")


def teach_ui(image: np.ndarray | None, guess: str | None, class_names: list[str], run_id: str | None) -> None:
    """Save drawings with their right label; fine-tune a copy of the model on them."""
    st.subheader("Teach it")
    if image is not None and guess is not None:
        teach.save_example_ui(image, guess, class_names)
    saved = teach.examples_ui()
    teach.finetune_ui(run_id, saved)


st.title("Draw")
st.caption("Draw one math symbol; the model re-reads it after every stroke.")
run_id = run_choice_ui()
if run_id is not None:
    predictors.start_loading(run_id)  # in the background: ready by the time the first stroke ends
rule = unsure_rule_ui()
canvas_col, input_col, result_col = st.columns([3, 2, 4])
with canvas_col:
    pixels = input_ui()
with input_col:
    scored = predict_ui(pixels, run_id)
image, ranking, names = None, None, []
if scored is not None:
    image, probabilities, names = scored
    ranking = rank(probabilities, names, TOP_K)
    with result_col:
        top_guess_ui(ranking, rule.judge(probabilities, image))
    candidates_ui(ranking)
teach_ui(image, ranking[0][0] if ranking else None, names, run_id)
