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


def _class_zip(path: Path) -> bytes:
    """A zip of two class folders, one noisy (incompressible) PNG each; returns its bytes."""
    import zipfile

    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("alpha", "beta"):
            image = Image.fromarray(rng.integers(0, 256, (45, 45), dtype=np.uint8))
            file = path.parent / f"{name}.png"
            image.save(file)
            archive.write(file, f"{name}/{name}_0.png")
    return path.read_bytes()


def test_an_upload_over_the_size_limit_is_refused_and_one_under_it_becomes_the_source(tmp_path, monkeypatch):
    import ui.data

    data = _class_zip(tmp_path / "classes.zip")
    at = AppTest.from_function(_sidebar_app, default_timeout=30).run()
    at.radio(key="data_choice").set_value("upload").run()
    monkeypatch.setattr(ui.data, "MAX_UPLOAD_MB", (len(data) - 1) / 2**20)  # one byte too many
    at.file_uploader(key="data_upload").set_value(("classes.zip", data, "application/zip")).run()
    assert not at.exception
    assert any(e.value.startswith("classes.zip is 0 MB; the limit is 0.0043") for e in at.error)
    assert "data_source" not in at.session_state or at.session_state["data_source"].kind != "zip"
    monkeypatch.setattr(ui.data, "MAX_UPLOAD_MB", len(data) / 2**20)  # exactly at the limit: fine
    at.run()
    assert not at.error
    source = at.session_state["data_source"]
    assert source.kind == "zip" and Path(source.path).read_bytes() == data


def test_a_pickled_dataset_is_converted_to_npz_on_the_page(app, tmp_path):
    from mathdash.loaders import load_npz, load_source
    from test_loaders_pickle import binary_rows, write_pickle
    from ui.data import DataSource

    path = tmp_path / "train.pkl"
    labels = np.array([0, 1, 1, 10])
    write_pickle(path, (binary_rows(4), labels))
    app.session_state["data_choice"] = "path"
    app.session_state["data_source"] = DataSource("pickle", str(path))
    at = app.run()
    assert not at.exception
    assert any("came from a pickle" in w.value for w in at.warning)
    at.button(key="ds_convert_npz").click().run()
    assert not at.exception
    target = tmp_path / "train.npz"
    assert any(f"Saved {target}" in s.value for s in at.success)
    converted = load_npz(target)
    assert converted.label_names() == ["0", "1", "1", "A"] and converted.images.shape == (4, 45, 45)
    assert np.array_equal(converted.images, load_source(path, kind="pickle").images)  # the same images
