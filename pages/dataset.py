"""Dataset page: what is loaded, how its classes are spread, what its images look like, what failed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from mathdash import symbols
from mathdash.dataset import Dataset
from mathdash.exports import cleaned_dataset, npz_bytes
from mathdash.gallery import class_grid
from mathdash.messages import is_extraction_note
from ui.data import current_dataset, current_source
from ui.dedup_panel import dedup_panel

MAX_GRID_CLASSES = 24


def overview_ui(dataset: Dataset) -> None:
    """Headline numbers: images, classes, original size, load time, skipped files."""
    summary = dataset.summary()
    report = dataset.report
    cols = st.columns(5)
    cols[0].metric("Images", f"{summary['images']:,}")
    cols[1].metric("Classes", summary["classes"])
    height, width = dataset.original_size
    cols[2].metric("Original size", f"{height}×{width}")
    cols[3].metric("Load time", f"{report.seconds:.2f} s", "cached" if report.from_cache else None,
                   delta_color="off")
    cols[4].metric("Skipped files", len(report.skipped))
    if summary["writers"] is not None:
        st.caption(f"{summary['writers']:,} writers named: the split keeps each writer's symbols on one side.")
    if summary["largest_count"]:
        st.caption(
            f"Largest class: `{symbols.label(summary['largest_class'])}` "
            f"({summary['largest_count']:,} images); "
            f"smallest non-empty class: {summary['smallest_count']:,} images; "
            f"{summary['classes_under_50']} {'class' if summary['classes_under_50'] == 1 else 'classes'} "
            "under 50 images."
        )


def class_chart_ui(dataset: Dataset) -> None:
    """Per-class counts, largest first, so the long tail shows; optional log scale."""
    counts = dataset.class_counts()
    table = pd.DataFrame({"class": [symbols.label(c) for c in counts], "images": list(counts.values())})
    table = table.sort_values("images", ascending=False)
    log_scale = st.toggle("Log scale", key="ds_log_scale", value=False)
    figure = px.bar(table, x="class", y="images", log_y=log_scale, height=380)
    figure.update_layout(xaxis_title=None, xaxis_tickangle=-60, xaxis_type="category",
                         margin=dict(t=10, b=10))
    st.plotly_chart(figure, width="stretch", key="ds_class_chart")


def samples_ui(dataset: Dataset) -> None:
    """A grid of sample images, one row per chosen class."""
    by_count = sorted(range(dataset.num_classes), key=lambda i: -int((dataset.labels == i).sum()))
    default = by_count[:6] + by_count[-6:] if dataset.num_classes > 12 else by_count
    chosen = st.multiselect(
        "Classes", list(range(dataset.num_classes)), default=sorted(set(default)),
        format_func=lambda i: symbols.label(dataset.class_names[i]), key="ds_sample_classes",
        max_selections=MAX_GRID_CLASSES,
    )
    cols = st.columns(2)
    per_class = cols[0].slider("Samples per class", 4, 24, 12, key="ds_samples_per_class")
    seed = cols[1].number_input("Shuffle seed", 0, 10_000, 0, key="ds_sample_seed")
    if not chosen:
        st.info("Pick classes to see their samples.")
        return
    for index in chosen:
        label_col, image_col = st.columns([1, 9], vertical_alignment="center")
        label_col.markdown(f"**{symbols.label(dataset.class_names[index])}**  \n"
                           f"{int((dataset.labels == index).sum()):,} images")
        image_col.image(class_grid(dataset, [index], per_class, seed=int(seed), scale=2), clamp=True)


def report_ui(dataset: Dataset) -> None:
    """The load report: notes and every skipped file with its reason."""
    report, source = dataset.report, current_source()
    notes = [source.readable(note) for note in report.notes if not is_extraction_note(note)]
    for note in notes:
        st.write(f"- {note}")
    if report.skipped:
        rows = [{"file": source.readable(s.path), "reason": source.readable(s.reason)}
                for s in report.skipped]
        st.dataframe(pd.DataFrame(rows), key="ds_skipped", width="stretch")
    elif not notes:
        st.write("Every file loaded.")


def pickle_conversion_ui(dataset: Dataset) -> None:
    """Pickles can run code: offer a .npz copy so later loads never unpickle again."""
    source = current_source()
    if source.kind != "pickle":
        return
    st.warning("This dataset came from a pickle, which can run code when opened. Convert it once to .npz.")
    if st.button("Convert to .npz", key="ds_convert_npz"):
        from mathdash.loaders import save_npz

        target = source.path.rsplit(".", 1)[0] + ".npz"
        save_npz(dataset, target)
        st.success(f"Saved {target}; load it with the layout 'MathDash .npz'.")


def clean_download_ui(dataset: Dataset) -> None:
    """The deduplicated set, at the hash and threshold chosen above, as a MathDash ``.npz`` download."""
    from ui.dedup_panel import chosen_report

    source = current_source()
    report, how = chosen_report(dataset)  # the panel's, cached
    stem = source.readable(dataset.name)
    st.download_button(
        f"Download the cleaned set ({report.n_kept:,} images, {how}, .npz)",
        data=lambda: npz_bytes(cleaned_dataset(dataset, report, rename=source.readable)),
        file_name=f"{Path(stem).stem}-clean.npz", mime="application/octet-stream",
        key="ds_clean_download", on_click="ignore", icon=":material/download:",
        help="Load it again with the layout 'MathDash .npz', or on the command line as an npz source.")


def main() -> None:
    st.title("Dataset")
    dataset = current_dataset()
    if dataset is None:
        return
    st.caption(f"{current_source().readable(dataset.name)} — {current_source().title}")
    overview_ui(dataset)
    if len(dataset) == 0:
        st.warning("No image could be loaded from this source; the load report says why.")
        report_ui(dataset)
        return
    st.subheader("Images per class")
    class_chart_ui(dataset)
    st.subheader("Samples")
    samples_ui(dataset)
    with st.expander(f"Load report ({len(dataset.report.skipped)} skipped)",
                     expanded=bool(dataset.report.skipped)):
        report_ui(dataset)
    pickle_conversion_ui(dataset)
    dedup_panel(dataset)
    clean_download_ui(dataset)


main()
