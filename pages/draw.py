"""Draw page: sketch a symbol (or upload a picture of one) and see what a saved model reads.

A thin view over ``mathdash.predict``: the canvas gives RGBA pixels, ``prepare_drawing`` makes the
45x45 image the model receives, and a cached ``Predictor`` ranks the classes after every stroke.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from mathdash.errors import MathDashError
from mathdash.predict import Predictor, prepare_drawing, read_image
from mathdash.runs import RunStore, RunSummary
from mathdash.symbols import symbol

CANVAS_SIZE = 280
PREVIEW_SIZE = 180
TOP_K = 5
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]


@st.cache_resource(max_entries=3, show_spinner="Loading the model…")
def cached_predictor(run_id: str) -> Predictor:
    """One loaded model per run id, shared by every visitor (tensorflow is imported here first)."""
    from mathdash.predict import load_predictor

    return load_predictor(run_id)


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
    return st.selectbox("Model", ids, index=ids.index(active) if active in ids else 0, key="draw_run",
                        format_func=lambda run_id: _run_title(by_id[run_id], run_id == active))


def _run_title(summary: RunSummary, active: bool) -> str:
    accuracy = f", test accuracy {summary.accuracy:.1%}" if summary.accuracy is not None else ""
    return f"{summary.id} ({summary.model or 'model'}{accuracy}){' · active' if active else ''}"


def input_ui() -> np.ndarray | None:
    """The canvas or an upload, whichever the visitor chose: pixels (H, W[, C]) uint8, or None."""
    source = st.radio("Input", ["Draw", "Upload a picture"], horizontal=True, key="draw_source")
    return canvas_ui() if source == "Draw" else upload_ui()


def canvas_ui() -> np.ndarray | None:
    """The drawing canvas; returns its RGBA pixels (280, 280, 4) uint8, None before first use."""
    stroke_width = st.slider("Stroke width", 3, 40, 18, key="draw_stroke_width")
    result = st_canvas(stroke_width=stroke_width, stroke_color="#000000", background_color="#FFFFFF",
                       height=CANVAS_SIZE, width=CANVAS_SIZE, drawing_mode="freedraw",
                       return_image_data=True, key="draw_canvas")
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


def predict_ui(pixels: np.ndarray | None, run_id: str | None) -> list[tuple[str, float]] | None:
    """Prepare the pixels, show the model input and rank the classes; None when nothing to rank."""
    image = prepare_drawing(pixels) if pixels is not None else None
    if image is None:
        st.info("Nothing to read yet: draw a symbol (or upload a picture of one).")
        return None
    model_input_ui(image)
    if run_id is None:
        return None
    try:
        predictor = cached_predictor(run_id)
    except MathDashError as error:
        st.error(f"Run {run_id!r} cannot be loaded: {error}")
        return None
    return predictor.topk(image, TOP_K)


def top_guess_ui(top: list[tuple[str, float]]) -> None:
    """The best class in large type, and the top five as a bar chart."""
    name, probability = top[0]
    with st.container(key="top_guess"):
        st.markdown(f"### Top guess: `{name}`")
        st.caption(f"{symbol(name).label}, {probability:.1%}")
    labels = [symbol(n).label for n, _ in top][::-1]
    chart = go.Figure(go.Bar(x=[p for _, p in top][::-1], y=labels, orientation="h",
                             text=[f"{p:.1%}" for _, p in top][::-1], textposition="auto"))
    chart.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10),
                        xaxis=dict(range=[0, 1], tickformat=".0%", title="probability"))
    st.plotly_chart(chart, key="draw_top_chart")


def candidates_ui(top: list[tuple[str, float]]) -> None:
    """Each candidate typeset, with its LaTeX command ready to copy."""
    st.subheader("Candidates")
    for rank, (name, probability) in enumerate(top, start=1):
        entry = symbol(name)
        label_col, glyph_col, code_col = st.columns([2, 1, 3], vertical_alignment="center")
        label_col.markdown(f"**{rank}.** {entry.label} · {probability:.1%}")
        with glyph_col:
            st.latex(entry.latex)
        with code_col:
            st.code(entry.latex, language="latex")


st.title("Draw")
st.caption("Draw one math symbol; the model re-reads it after every stroke.")
run_id = run_choice_ui()
canvas_col, input_col, result_col = st.columns([3, 2, 4])
with canvas_col:
    pixels = input_ui()
with input_col:
    ranking = predict_ui(pixels, run_id)
if ranking:
    with result_col:
        top_guess_ui(ranking)
    candidates_ui(ranking)
