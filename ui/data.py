"""The shared dataset sidebar and the cached loaders every page reads the current dataset through.

The choice lives in ``st.session_state["data_source"]`` as a plain ``DataSource``; loading goes
through ``st.cache_resource`` (a dataset is large and read-only, so pages share one copy).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from mathdash.dataset import Dataset
from mathdash.errors import MathDashError
from mathdash.messages import user_message

MAX_UPLOAD_MB = 200
_BUILTIN_LABELS = {
    "builtin:symbols": "Built-in symbols (82 classes, synthetic handwriting)",
    "builtin:digits": "Built-in digits (scikit-learn, real handwriting)",
}
_FOLDER_KINDS = {
    "auto": "Detect",
    "folder": "Class folders (Kaggle layout)",
    "emnist": "EMNIST idx files",
    "hasy": "HASYv2 (hasy-data-labels.csv)",
    "inkml": "CROHME InkML strokes (.inkml folder or zip)",
    "npz": "MathDash .npz",
    "pickle": "Pickled (train_x, train_y)",
}


@dataclass(frozen=True)
class DataSource:
    """What to load: a loader kind, a path (empty for built-in sets), and the user's name for it.

    ``name`` is the uploaded file's own name; an upload is stored under a content hash, which
    is never shown.
    """

    kind: str = "builtin:symbols"
    path: str = ""
    name: str = ""

    @property
    def title(self) -> str:
        return _BUILTIN_LABELS.get(self.kind) or f"{self.display_name} ({self.kind})"

    @property
    def display_name(self) -> str:
        """What the user calls this source: the uploaded file's name, else the path they gave."""
        return self.name or self.path or self.kind

    def readable(self, text: str) -> str:
        """``text`` (an error, a note, a skipped path) with this source's internal paths replaced."""
        return user_message(text, self.display_name, [self.path] if self.name else [])


def current_source() -> DataSource:
    """The source chosen in the sidebar (the built-in set until the user picks another)."""
    return st.session_state.get("data_source", DataSource())


@st.cache_resource(max_entries=3, show_spinner="Loading dataset…")
def load_cached(source: DataSource) -> Dataset:
    """Load a source once per process; every visitor and page shares the result."""
    from mathdash.loaders import load_source

    return load_source(source.path or source.kind, kind=source.kind)


def current_dataset() -> Dataset | None:
    """The loaded current dataset, or None (with an error shown) when it cannot be read."""
    source = current_source()
    dataset, error = try_load(source)
    if error:
        st.error(f"Could not load {source.display_name}: {error}")
    return dataset


def try_load(source: DataSource) -> tuple[Dataset | None, str]:
    """(dataset, '') or (None, a message naming the user's file, never an internal path)."""
    try:
        return load_cached(source), ""
    except MathDashError as error:
        return None, source.readable(str(error))


def dataset_sidebar() -> DataSource:
    """Draw the dataset chooser in the sidebar; stores and returns the chosen source."""
    with st.sidebar:
        st.header("Dataset")
        choice = st.radio(
            "Source",
            ["builtin:symbols", "builtin:digits", "path", "upload"],
            format_func=lambda k: {"path": "A folder or file on this machine",
                                   "upload": "Upload a .zip (class folders or InkML)"}.get(k, _BUILTIN_LABELS.get(k, k)),
            key="data_choice",
        )
        if choice.startswith("builtin:"):
            _set_source(DataSource(choice))
        elif choice == "path":
            _path_ui()
        else:
            _upload_ui()
        source = current_source()
        dataset, error = try_load(source)
        if dataset is None:
            st.caption(f"Not loaded: {source.display_name} could not be read (the page says why).")
        else:
            st.caption(f"Loaded: {source.title}")
    return source


def _set_source(source: DataSource) -> None:
    st.session_state["data_source"] = source


def _path_ui() -> None:
    path = st.text_input("Path", key="data_path", placeholder="/data/extracted_images")
    kind = st.selectbox("Layout", list(_FOLDER_KINDS), format_func=_FOLDER_KINDS.get, key="data_kind")
    if kind == "pickle" or path.endswith((".pkl", ".pickle")):
        st.warning("A pickle can run code when it is opened. Load only a file you made or trust.")
        if not st.checkbox("I trust this file", key="data_trust_pickle"):
            return
        kind = "pickle"  # the user vouched for it: the loader may unpickle
    if st.button("Load", key="data_load", disabled=not path):
        if not Path(path).exists():
            st.error(f"No such file or folder: {path}")
            return
        _set_source(DataSource(kind, path))


def _upload_ui() -> None:
    upload = st.file_uploader("Zip of class folders or of CROHME .inkml files", type=["zip"],
                              key="data_upload")
    if upload is None:
        return
    if upload.size > MAX_UPLOAD_MB * 2**20:
        st.error(f"{upload.name} is {upload.size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_MB} MB.")
        return
    data = upload.getvalue()
    target = Path(tempfile.gettempdir()) / "mathdash-uploads" / hashlib.sha1(data).hexdigest()[:16]
    zip_path = target.with_suffix(".zip")
    if not zip_path.exists():
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        zip_path.write_bytes(data)
    _set_source(DataSource("zip", str(zip_path), name=upload.name))
