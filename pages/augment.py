"""Augment page: tune every operation against a live preview, plan and run class balancing, and
save the config the Train page uses.

Widgets only: every image, count and file comes from ``mathdash.augment``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from mathdash import symbols
from mathdash.augment import (
    OP_SPECS,
    OPERATIONS,
    PRESETS,
    AugmentConfig,
    OpSetting,
    balance_classes,
    config_path,
    list_configs,
    load_config,
    plan_balance,
    preview_grid,
    save_config,
)
from mathdash.augment.config import ELASTIC_SIGMA_RANGE
from mathdash.dataset import Dataset
from mathdash.errors import MathDashError
from ui.data import current_dataset

# Operations grouped as the page lays them out, one tab each.
GROUPS = {
    "Pen and geometry": ["stroke", "rotation", "shear", "scale", "translate_x", "translate_y"],
    "Crop, distortion, mirror": ["crop_pad", "elastic", "flip"],
    "Paper and scan": ["blur", "sharpen", "contrast", "brightness", "noise"],
}
PREVIEW_CLASSES = 6
MAX_PREVIEW_CLASSES = 10
SAVED_PREFIX = "saved:"
_TARGET_TEXT = {"median": "the median class", "max": "the largest class"}


# ---- state: widget keys aug_<op>_on / _intensity / _p, and a copy that survives page changes ----

def _load_into_widgets(config: AugmentConfig) -> None:
    for name in OPERATIONS:
        setting = config.op(name)
        st.session_state[f"aug_{name}_on"] = setting.enabled
        st.session_state[f"aug_{name}_intensity"] = float(setting.intensity)
        st.session_state[f"aug_{name}_p"] = float(setting.probability)
    st.session_state["aug_elastic_sigma"] = float(config.elastic_sigma)


def _init_state() -> None:
    """Widgets forget their values when another page is shown; restore them from the kept copy."""
    if "aug_rotation_on" not in st.session_state:
        _load_into_widgets(st.session_state.get("aug_config", PRESETS["default"]))
    if "aug_preset" not in st.session_state:
        st.session_state["aug_preset"] = st.session_state.get("aug_preset_kept", "default")


def _apply_choice() -> None:
    choice = st.session_state["aug_preset"]
    st.session_state["aug_preset_kept"] = choice
    try:
        config = (load_config(config_path(choice.removeprefix(SAVED_PREFIX)))
                  if choice.startswith(SAVED_PREFIX) else PRESETS[choice])
    except MathDashError as error:
        st.session_state["aug_choice_error"] = str(error)
        return
    st.session_state.pop("aug_choice_error", None)
    _load_into_widgets(config)


# ---- regions of the page ----

def preset_ui() -> None:
    """Preset or saved config: choosing one sets every slider below."""
    options = list(PRESETS) + [SAVED_PREFIX + name for name in list_configs()]
    if st.session_state["aug_preset"] not in options:
        st.session_state["aug_preset"] = "default"
    st.selectbox(
        "Start from", options, key="aug_preset", on_change=_apply_choice,
        format_func=lambda o: f"saved: {o.removeprefix(SAVED_PREFIX)}" if o.startswith(SAVED_PREFIX)
        else f"preset: {o}",
        help="grow-rare: rotation, elastic, contrast (growing rare classes); train-time: crop, "
             "scale, rotation; seven-transforms: rotation, flip, shifts, sharpen, contrast, brightness.",
    )
    if "aug_choice_error" in st.session_state:
        st.error(st.session_state["aug_choice_error"])


def operation_ui(name: str) -> OpSetting:
    """One operation: an on/off toggle, its intensity and its probability."""
    spec = OP_SPECS[name]
    with st.container(border=True):
        on = st.toggle(spec.title, key=f"aug_{name}_on")
        if spec.max_intensity > 0:
            st.slider(spec.unit, 0.0, float(spec.max_intensity), step=float(spec.step),
                      key=f"aug_{name}_intensity", disabled=not on)
        if name == "elastic":
            st.slider("sigma: smoothness in pixels", *ELASTIC_SIGMA_RANGE, step=0.5,
                      key="aug_elastic_sigma", disabled=not on)
        st.slider("probability per image", 0.0, 1.0, step=0.05, key=f"aug_{name}_p", disabled=not on)
    return OpSetting(bool(on), float(st.session_state.get(f"aug_{name}_intensity", 0.0)),
                     float(st.session_state[f"aug_{name}_p"]))


def operations_ui() -> AugmentConfig:
    """Every operation, one tab per group, two columns each; returns the config they describe."""
    settings = {}
    for tab, names in zip(st.tabs(list(GROUPS)), GROUPS.values()):
        columns = tab.columns(2)
        for i, name in enumerate(names):
            with columns[i % 2]:
                settings[name] = operation_ui(name)
    config = AugmentConfig(**settings, elastic_sigma=float(st.session_state["aug_elastic_sigma"]))
    st.session_state["aug_config"] = config
    if config.flip.active:
        st.caption("Flip mirrors only symbols whose mirror is a symbol: ( ↔ ), [ ↔ ], { ↔ }, < ↔ >, "
                   "≤ ↔ ≥, and symmetric ones like + or ×; digits and most letters never flip.")
    return config


def class_picker_ui(dataset: Dataset) -> list[int]:
    """The classes shown in the preview; the rarest ones first by default."""
    counts = np.bincount(dataset.labels, minlength=dataset.num_classes)
    present = [int(c) for c in np.argsort(counts, kind="stable") if counts[c] > 0]
    if "aug_classes" not in st.session_state or not set(st.session_state["aug_classes"]) <= set(present):
        st.session_state["aug_classes"] = present[:PREVIEW_CLASSES]
    return st.multiselect(
        "Classes to preview", present, key="aug_classes", max_selections=MAX_PREVIEW_CLASSES,
        format_func=lambda c: f"{symbols.label(dataset.class_names[c])} ({counts[c]})",
    )


def preview_ui(dataset: Dataset, config: AugmentConfig, classes: list[int]) -> None:
    """Originals in the first column, augmented variants beside them, as one image."""
    cols = st.columns(2)
    variants = cols[0].slider("Variants per original", 3, 12, 7, key="aug_variants")
    seed = int(cols[1].number_input("Seed", 0, 1_000_000, 0, key="aug_seed"))
    if not classes:
        st.info("Pick classes to preview.")
        return
    rng = np.random.default_rng(seed)
    picked = np.array([rng.choice(np.flatnonzero(dataset.labels == c)) for c in classes])
    grid = preview_grid(dataset.images[picked], config, variants=variants, seed=seed,
                        labels=dataset.labels[picked], class_names=dataset.class_names, zoom=2)
    names = ", ".join(symbols.label(dataset.class_names[c]) for c in classes)
    st.image(grid, caption=f"Originals (left) and {variants} variants each: {names}", output_format="PNG")


def target_ui() -> str | int:
    """The balancing target: the median class, the largest class, or a fixed count."""
    cols = st.columns([2, 1])
    rule = cols[0].radio("Grow every class to", ["median", "max", "fixed count"], horizontal=True,
                         key="aug_target", format_func=lambda o: _TARGET_TEXT.get(o, o))
    if rule != "fixed count":
        return rule
    return int(cols[1].number_input("Count", 1, 100_000, 500, step=50, key="aug_target_count"))


def plan_chart(report) -> go.Figure:
    """Per-class bars: images before, and the augmented images added on top."""
    rows = sorted(report.rows(), key=lambda r: -r["before"])
    labels = [symbols.label(r["class"]) for r in rows]
    figure = go.Figure([
        go.Bar(name="before", x=labels, y=[r["before"] for r in rows]),
        go.Bar(name="added", x=labels, y=[r["added"] for r in rows]),
    ])
    figure.add_hline(y=report.target, line_dash="dot", annotation_text=f"target {report.target}")
    figure.update_layout(barmode="stack", height=380, margin=dict(t=10, b=10), xaxis_tickangle=-60,
                         xaxis_type="category", legend=dict(orientation="h", y=1.05))
    return figure


def balance_ui(dataset: Dataset, config: AugmentConfig) -> None:
    """Plan chart for the chosen target, a button that runs it, and the .npz to download."""
    target = target_ui()
    report = plan_balance(dataset, target)
    cols = st.columns(3)
    cols[0].metric("Target per class", f"{report.target:,}")
    cols[1].metric("New images", f"{report.generated:,}")
    cols[2].metric("Images after", f"{len(dataset) + report.generated:,}")
    st.plotly_chart(plan_chart(report), key="aug_plan_chart")
    for note in report.notes:
        st.caption(note)
    if st.button("Balance now", key="aug_run", disabled=report.generated == 0):
        st.session_state["aug_result"] = _run_balance(dataset, config, target)
    result = st.session_state.get("aug_result")
    if result is not None:
        st.success(result["message"])
        st.download_button("Download balanced .npz", result["data"], file_name=result["file_name"],
                           mime="application/octet-stream", key="aug_download")


def _run_balance(dataset: Dataset, config: AugmentConfig, target: str | int) -> dict:
    from mathdash.loaders import save_npz

    bar = st.progress(0.0, text="Augmenting…")
    balanced, report = balance_classes(
        dataset, config, target, seed=int(st.session_state.get("aug_seed", 0)), workers=2,
        progress=lambda done, total, message="": bar.progress(done / max(total, 1), text=message),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "balanced.npz"
        save_npz(balanced, path)
        data = path.read_bytes()
    bar.empty()
    return {
        "data": data,
        "file_name": f"{dataset.name.replace(' ', '_')}-balanced.npz",
        "message": f"{report.generated:,} new images in {report.seconds:.1f} s: {len(balanced):,} images, "
                   f"every class at least {report.target:,} (target: {report.rule}).",
    }


def save_ui(config: AugmentConfig) -> None:
    """Save the current settings under a name; the Train page lists saved configs."""
    cols = st.columns([2, 1])
    name = cols[0].text_input("Config name", key="aug_name", placeholder="my-augmentation")
    cols[1].write("")
    if cols[1].button("Save config", key="aug_save", disabled=not name):
        try:
            path = save_config(config, config_path(name))
        except MathDashError as error:
            st.error(str(error))
        else:
            # Rerun so the "Start from" list above already offers the new config.
            message = f"Saved {path.name}; the Train page offers it as '{name}'."
            st.session_state["aug_saved_message"] = message
            st.rerun()
    if "aug_saved_message" in st.session_state:
        st.success(st.session_state.pop("aug_saved_message"))
    saved = list_configs()
    st.caption(f"Saved configs: {', '.join(saved)}" if saved else "No saved configs yet.")
    with st.expander("Config as JSON"):
        st.code(config.to_json(), language="json")


def main() -> None:
    st.title("Augment")
    dataset = current_dataset()
    if dataset is None:
        return
    if len(dataset) == 0:
        st.warning("The current dataset has no images to augment.")
        return
    _init_state()
    controls, preview = st.columns([3, 2], gap="large")
    with controls:
        preset_ui()
        config = operations_ui()
    with preview:
        st.subheader("Preview")
        preview_ui(dataset, config, class_picker_ui(dataset))
    st.subheader("Balance classes")
    balance_ui(dataset, config)
    st.subheader("Save")
    save_ui(config)


main()
