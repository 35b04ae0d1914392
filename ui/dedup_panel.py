"""The Dataset page's duplicates section: unique counts, per-class bars, groups, conflicts, leakage.

Hashes are cached per dataset content and hash method, and reports per mode and threshold; all
computing is done by ``mathdash.dedup``.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mathdash import symbols
from mathdash.dataset import Dataset
from mathdash.dedup import (
    CANDIDATE_THRESHOLD,
    DEFAULT_METHOD,
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_THRESHOLD,
    HASH_METHODS,
    DuplicateReport,
    LeakageReport,
    exact_digests,
    find_duplicate_groups,
    group_leakage,
    hash_distinct_images,
    leakage_from_hashes,
    random_split,
    split_leakage,
    verified_leakage,
)
from mathdash.dedup.exact import count_pixel_copies
from mathdash.errors import MathDashError

MAX_THRESHOLD = 12  # the quality benchmark's range; beyond it everything chains together
GALLERY_GROUPS = 8  # duplicate groups shown per gallery page
GALLERY_MEMBERS = 16  # images shown per group
SHOWN_CONFLICTS = 6
SHOWN_LEAKS = 12
TEST_FRACTION = 0.2
_METHOD_HELP = {
    "phash": "DCT of a 32x32 shrink (imagehash.phash): robust to contrast and re-encoding",
    "dhash": "brightness steps between neighbours (imagehash.dhash)",
    "ahash": "above/below the mean of an 8x8 shrink (imagehash.average_hash)",
    "whash": "Haar wavelets (imagehash.whash)",
}
MODE_LABELS = {"verified": "verified by pixels", "hash": "hash only"}
VERIFIED_CAPTION = (
    f"Hashes within {CANDIDATE_THRESHOLD} bits (of the images and of their ink-centred versions) only "
    f"propose pairs; a pair counts when its pixels correlate at least {DEFAULT_MIN_SIMILARITY} after the "
    "best shift of up to 2 pixels (contrast normalised). Every member of a group was checked against "
    "the group's anchor itself, so groups do not chain. Each image shows its measured similarity."
)
CHAIN_CAPTION = (
    "Groups are transitive: if A≈B and B≈C (each pair within the threshold), then A, B and C form "
    "one group even when A and C are further apart, so a long chain can join images that hardly "
    "look alike. Each image's distance is to its group's kept image. Pixel-identical copies are "
    "always grouped."
)


def dedup_panel(dataset: Dataset) -> None:
    """Draw the duplicates section for a loaded dataset (called by the Dataset page)."""
    st.header("Duplicates")
    if len(dataset) == 0:
        st.info("No images, so no duplicates to look for.")
        return
    mode, method, threshold = controls_ui()
    if mode == "verified":
        recordings_note_ui(dataset)
    try:
        fingerprint, digests = content_key(dataset)
        report = _cached_report(fingerprint, mode, method, threshold, dataset, digests)
    except MathDashError as error:
        st.error(f"The duplicate search failed: {error}")
        return
    counts_ui(report, digests)
    class_bars_ui(report)
    gallery_ui(dataset, report)
    conflicts_ui(dataset, report)
    leakage_ui(dataset, report)
    download_ui(report)


def controls_ui() -> tuple[str, str, int]:
    """Mode (verified or hash only), hash method and Hamming threshold, as plain values."""
    mode = st.radio("Duplicate pairs", list(MODE_LABELS), format_func=MODE_LABELS.get, horizontal=True,
                    key="dedup_mode", help="verified: hash matches are checked pixel by pixel (default); "
                                           "hash only: a hash match within the threshold is a duplicate")
    cols = st.columns([1, 2])
    method = cols[0].selectbox("Hash", HASH_METHODS, index=HASH_METHODS.index(DEFAULT_METHOD),
                               key="dedup_method",
                               help="; ".join(f"{m}: {text}" for m, text in _METHOD_HELP.items()))
    if mode == "verified":
        st.caption(VERIFIED_CAPTION)
        return mode, method, CANDIDATE_THRESHOLD
    threshold = cols[1].slider("Threshold (Hamming distance, bits)", 0, MAX_THRESHOLD, DEFAULT_THRESHOLD,
                               key="dedup_threshold",
                               help=f"Images whose 64-bit hashes differ in at most this many bits are "
                                    f"duplicates. Default {DEFAULT_THRESHOLD}, chosen from the quality "
                                    "benchmark (see the README).")
    st.caption(CHAIN_CAPTION)
    return mode, method, int(threshold)


def recordings_note_ui(dataset: Dataset) -> None:
    """Say so when images carry the recording of their pen strokes (InkML), which verified mode keeps apart."""
    recordings = dataset.extras.get("recording")
    recorded = 0 if recordings is None else int((np.asarray(recordings).astype(str) != "").sum())
    if recorded:
        st.caption(f"{recorded:,} images are InkML symbols that carry the recording of their pen strokes: "
                   "two different recordings are never grouped, however alike their pixels (two writers' "
                   "straight bars often draw identically). Images without one can join either.")


def counts_ui(report: DuplicateReport, digests: np.ndarray) -> None:
    """Total against unique, and how the removed images split (copies counted from the digests)."""
    summary = report.summary()
    cols = st.columns(5)
    cols[0].metric("Total images", f"{summary['images']:,}")
    share = summary["removed"] / summary["images"] if summary["images"] else 0.0
    cols[1].metric("Unique (kept)", f"{summary['unique']:,}", f"-{share:.1%} removed", delta_color="off")
    cols[2].metric("Pixel-identical copies", f"{count_pixel_copies(digests):,}",
                   help="Images with the very same pixels as another; the same at every threshold.")
    cols[3].metric("Duplicate groups", f"{summary['groups']:,}", f"largest {summary['largest_group']:,}",
                   delta_color="off")
    cols[4].metric("Label conflicts", f"{summary['label_conflicts']:,}")


def class_bars_ui(report: DuplicateReport) -> None:
    """Per-class counts before and after removing duplicates, largest class first."""
    table = pd.DataFrame(report.class_table()).sort_values("before", ascending=False)
    table = table[table["before"] > 0]
    names = [symbols.label(name) for name in table["class"]]
    figure = go.Figure([go.Bar(name="before", x=names, y=table["before"]),
                        go.Bar(name="after (unique)", x=names, y=table["after"])])
    figure.update_layout(barmode="group", height=360, xaxis_tickangle=-60, xaxis_type="category",
                         margin=dict(t=10, b=10),
                         legend=dict(orientation="h"))
    st.plotly_chart(figure, width="stretch", key="dedup_class_bars")


def gallery_ui(dataset: Dataset, report: DuplicateReport) -> None:
    """The duplicate groups, largest first, each image with its class and distance."""
    st.subheader("Duplicate groups, largest first")
    if not report.groups:
        st.write("No duplicates with these settings.")
        return
    pages = -(-len(report.groups) // GALLERY_GROUPS)
    page = st.number_input(f"Page (of {pages})", 1, pages, 1, key="dedup_gallery_page") if pages > 1 else 1
    first = (int(page) - 1) * GALLERY_GROUPS
    for members in report.groups[first:first + GALLERY_GROUPS]:
        classes = ", ".join(f"{symbols.label(name)} ×{n}" for name, n in _class_counts(report, members))
        lowest = (f", lowest similarity to the anchor {report.similarity[members].min():.3f}"
                  if report.similarity is not None else "")
        st.markdown(f"**Group {report.group[members[0]]}**: {len(members)} images ({classes}){lowest}")
        _member_strip(dataset, report, members)


def conflicts_ui(dataset: Dataset, report: DuplicateReport) -> None:
    """Groups spanning several classes, with their images; nothing is relabelled."""
    st.subheader("Label conflicts")
    if not report.conflicts:
        st.write("No group mixes classes with these settings.")
        return
    st.caption("These groups hold images filed under different classes. Cleaning keeps one image of "
               "the group's majority class and changes no label; check them by hand.")
    rows = [{"group": int(report.group[members[0]]), "images": len(members),
             "classes": ", ".join(f"{symbols.label(n)} ×{c}" for n, c in _class_counts(report, members)),
             "kept as": symbols.label(report.class_names[report.labels[report.representative[members[0]]]])}
            for members in report.conflicts]
    st.dataframe(pd.DataFrame(rows), key="dedup_conflict_table", width="stretch", hide_index=True)
    for members in report.conflicts[:SHOWN_CONFLICTS]:
        st.markdown(f"**Group {report.group[members[0]]}**")
        odd_first = sorted(members, key=lambda i: report.labels[i] == report.labels[report.representative[i]])
        _member_strip(dataset, report, np.array(odd_first))


def leakage_ui(dataset: Dataset, report: DuplicateReport) -> None:
    """Test images with a duplicate in training: a naive random split, and a second source."""
    st.subheader("Leakage")
    train, test = random_split(len(dataset), TEST_FRACTION, seed=0)
    if report.mode == "verified":
        leak = group_leakage(report.group, train, test, report.threshold, report.method)
    else:
        leak = split_leakage(report.hashes, train, test, report.threshold, report.method)
    st.metric(f"Naive random {1 - TEST_FRACTION:.0%}/{TEST_FRACTION:.0%} split: test images with a "
              "duplicate in train", f"{leak.count:,} of {leak.n_test:,}", f"{leak.fraction:.1%}",
              delta_color="off")
    st.caption("A split that ignores duplicates scores the model on images it trained on. Splitting by "
               "duplicate group (as training does) keeps every group on one side.")
    _leak_examples(dataset.images, dataset.images, leak, dataset.class_names, dataset.labels, dataset.labels)
    path = st.text_input("Or check a separate test source against this dataset (a folder or file)",
                         key="dedup_leak_path", placeholder="/data/test_images").strip()
    if path:
        _second_source_ui(dataset, report, path)


def download_ui(report: DuplicateReport) -> None:
    """The full report as JSON, generated when the button is pressed."""
    st.download_button("Download the duplicate report (JSON)",
                       data=lambda: json.dumps(report.to_dict(), ensure_ascii=False),
                       file_name=f"duplicates_{report.mode}_{report.method}_t{report.threshold}.json",
                       mime="application/json", key="dedup_download", on_click="ignore")
    st.caption("The command line does the same and writes the cleaned set: "
               f"`python -m mathdash dedup SOURCE --mode {report.mode} --hash {report.method} "
               f"--threshold {report.threshold} --out report.json --export clean/`")


def content_key(dataset: Dataset) -> tuple[str, np.ndarray]:
    """(fingerprint, exact digests) of a dataset, computed once per loaded Dataset object.

    The fingerprint covers every pixel (through the digests), the labels, the class names and the
    recordings, so cached hashes and reports are never reused for a dataset that differs anywhere.
    """
    known = _CONTENT_KEYS.get(id(dataset))
    if known is not None and known[0]() is dataset:
        return known[1], known[2]
    with st.spinner("Computing pixel digests…"):
        digests = exact_digests(dataset.images)
    digest = hashlib.blake2b(digests.tobytes(), digest_size=16)
    digest.update(np.ascontiguousarray(dataset.labels).tobytes())
    digest.update(repr(dataset.class_names).encode())
    if "recording" in dataset.extras:
        digest.update("\0".join(np.asarray(dataset.extras["recording"]).astype(str)).encode())
    key = id(dataset)
    _CONTENT_KEYS[key] = (weakref.ref(dataset, lambda _: _CONTENT_KEYS.pop(key, None)),
                          digest.hexdigest(), digests)
    return digest.hexdigest(), digests


# id(dataset) -> (weak reference, fingerprint, digests); an entry leaves with its dataset.
_CONTENT_KEYS: dict[int, tuple[weakref.ref, str, np.ndarray]] = {}


@st.cache_data(max_entries=8, show_spinner="Hashing images…")
def _cached_hashes(fingerprint: str, method: str, _images: np.ndarray,
                   _digests: np.ndarray) -> np.ndarray:
    return hash_distinct_images(_images, method, _digests)


@st.cache_resource(max_entries=16, show_spinner="Grouping duplicates…")
def _cached_report(fingerprint: str, mode: str, method: str, threshold: int, _dataset: Dataset,
                   _digests: np.ndarray) -> DuplicateReport:
    hashes = _cached_hashes(fingerprint, method, _dataset.images, _digests)
    return find_duplicate_groups(_dataset, method=method, threshold=threshold, hashes=hashes,
                                 digests=_digests, mode=mode)


def chosen_report(dataset: Dataset) -> tuple[DuplicateReport, str]:
    """The report at the mode, hash and threshold chosen in the controls above (cached), and a
    few words saying how it was made (for the Dataset page's cleaned-set download)."""
    mode = st.session_state.get("dedup_mode", "verified")
    method = st.session_state.get("dedup_method", DEFAULT_METHOD)
    if mode == "verified":
        threshold, how = CANDIDATE_THRESHOLD, "verified by pixels"
    else:
        threshold = int(st.session_state.get("dedup_threshold", DEFAULT_THRESHOLD))
        how = f"{method} at {threshold} bits"
    fingerprint, digests = content_key(dataset)
    return _cached_report(fingerprint, mode, method, threshold, dataset, digests), how


def _second_source_ui(dataset: Dataset, report: DuplicateReport, path: str) -> None:
    if not Path(path).expanduser().exists():
        st.error(f"No such file or folder: {path}")
        return
    from ui.data import DataSource, load_cached

    try:
        test_set = load_cached(DataSource("auto", path))
        fingerprint, digests = content_key(test_set)
        test_hashes = _cached_hashes(fingerprint, report.method, test_set.images, digests)
    except MathDashError as error:
        st.error(f"Could not load {path}: {error}")
        return
    if test_set.report.skipped:
        st.warning(f"Skipped unreadable files in {path}: {len(test_set.report.skipped):,} "
                   "(the others were checked).")
    if report.mode == "verified":
        leak = verified_leakage(dataset.images, test_set.images, report.hashes, test_hashes,
                                report.threshold, report.min_similarity, report.method)
    else:
        leak = leakage_from_hashes(report.hashes, test_hashes, report.threshold, report.method)
    st.metric(f"Images in {path} with a duplicate in this dataset", f"{leak.count:,} of {leak.n_test:,}",
              f"{leak.fraction:.1%}", delta_color="off")
    _leak_examples(test_set.images, dataset.images, leak, test_set.class_names, test_set.labels,
                   dataset.labels, train_names=dataset.class_names)


def _leak_examples(test_images: np.ndarray, train_images: np.ndarray, leak: LeakageReport,
                   test_names: list[str], test_labels: np.ndarray, train_labels: np.ndarray,
                   train_names: list[str] | None = None) -> None:
    """Pairs of a leaking test image and its closest training image."""
    if not leak.count:
        return
    train_names = train_names or test_names
    shown = slice(0, SHOWN_LEAKS)
    images, captions = [], []
    for k, (t, r) in enumerate(zip(leak.test_indices[shown], leak.train_indices[shown])):
        measured = (f"sim {leak.similarities[k]:.3f}" if leak.similarities is not None
                    else f"d={leak.distances[k]}" if leak.distances[k] else "same group")
        images += [test_images[t], train_images[r]]
        captions += [f"test · {symbols.label(test_names[test_labels[t]])}",
                     f"train · {symbols.label(train_names[train_labels[r]])} · {measured}"]
    st.image(images, caption=captions, width=64)


def _member_strip(dataset: Dataset, report: DuplicateReport, members: np.ndarray) -> None:
    shown = members[:GALLERY_MEMBERS]
    captions = [f"{symbols.label(report.class_names[report.labels[i]])} · {_measured(report, i)}"
                + (" · kept" if report.keep[i] else "") for i in shown]
    st.image([dataset.images[i] for i in shown], caption=captions, width=64)
    if len(members) > len(shown):
        st.caption(f"… and {len(members) - len(shown):,} more")


def _measured(report: DuplicateReport, index: int) -> str:
    """The similarity to the group's anchor (verified) or the hash distance to the kept image."""
    if report.similarity is not None:
        return f"sim {report.similarity[index]:.3f}"
    return f"d={report.distance_to_representative[index]}"


def _class_counts(report: DuplicateReport, members: np.ndarray) -> list[tuple[str, int]]:
    counts = np.bincount(report.labels[members], minlength=len(report.class_names))
    order = np.argsort(-counts, kind="stable")
    return [(report.class_names[c], int(counts[c])) for c in order if counts[c]]
