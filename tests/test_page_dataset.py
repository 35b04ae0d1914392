"""The Dataset page through the whole app: built-in set by default, a user folder with bad files."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _metrics(at):
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "cache"))
    return AppTest.from_file(APP, default_timeout=120)


def test_opens_on_the_builtin_set_with_every_class(app):
    from mathdash.builtin import load_builtin

    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Dataset"
    metrics = _metrics(at)
    assert metrics["Classes"] == "82"
    assert metrics["Images"] == f"{len(load_builtin()):,}"
    assert metrics["Skipped files"] == "0"
    at.toggle(key="ds_log_scale").set_value(True).run()
    assert not at.exception


def test_a_folder_with_bad_files_loads_the_good_ones_and_reports_the_rest(app, tmp_path):
    from ui.data import DataSource

    root = tmp_path / "extracted_images"
    for name, value in [("alpha", 0), ("beta", 60)]:
        (root / name).mkdir(parents=True)
        for i in range(3):
            image = np.full((45, 45), 255, np.uint8)
            image[10:30, 10 + i:14 + i] = value
            Image.fromarray(image).save(root / name / f"{name}_{i}.jpg")
    (root / "alpha" / "empty.jpg").write_bytes(b"")
    (root / "beta" / "notes.png").write_text("not an image")

    app.session_state["data_choice"] = "path"
    app.session_state["data_source"] = DataSource("folder", str(root))
    at = app.run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Images"] == "6"
    assert metrics["Classes"] == "2"
    assert metrics["Skipped files"] == "2"
    skipped = at.dataframe[0].value
    assert sorted(Path(p).name for p in skipped["file"]) == ["empty.jpg", "notes.png"]


def _sidebar_app():
    import streamlit as st

    from ui.data import dataset_sidebar

    st.write(f"source={dataset_sidebar()}")


def test_sidebar_loads_an_existing_path_and_refuses_a_missing_one(tmp_path):
    (tmp_path / "data").mkdir()
    at = AppTest.from_function(_sidebar_app, default_timeout=30).run()
    assert "builtin:symbols" in at.markdown[0].value
    at.radio(key="data_choice").set_value("path").run()
    at.text_input(key="data_path").input(str(tmp_path / "nowhere")).run()
    at.button(key="data_load").click().run()
    assert any("No such file or folder" in e.value for e in at.error)
    at.text_input(key="data_path").input(str(tmp_path / "data")).run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.session_state["data_source"].path == str(tmp_path / "data")


def test_sidebar_asks_for_trust_before_unpickling(tmp_path):
    at = AppTest.from_function(_sidebar_app, default_timeout=30).run()
    at.radio(key="data_choice").set_value("path").run()
    at.text_input(key="data_path").input(str(tmp_path / "train.pkl")).run()
    assert any("can run code" in w.value for w in at.warning)
    assert len(at.button) == 0  # no Load button until the user says they trust the file
    at.checkbox(key="data_trust_pickle").check().run()
    assert at.button(key="data_load").value is False
