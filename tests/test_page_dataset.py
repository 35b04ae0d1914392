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


def _stored_upload(tmp_path, payload: bytes):
    """An upload as the sidebar stores it: under a content hash, with the user's name beside it."""
    from ui.data import DataSource

    stored = tmp_path / "uploads" / "3fa2b1c4d5e6f708.zip"
    stored.parent.mkdir()
    stored.write_bytes(payload)
    return DataSource("zip", str(stored), name="my symbols.zip")


def test_a_failed_upload_names_the_users_file_and_the_sidebar_does_not_say_loaded(app, tmp_path):
    app.session_state["data_choice"] = "upload"
    app.session_state["data_source"] = _stored_upload(tmp_path, b"this is no zip")
    at = app.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "my symbols.zip" in errors[0]
    assert "3fa2b1c4d5e6f708" not in errors[0] and "uploads" not in errors[0]
    captions = [c.value for c in at.sidebar.caption]
    assert not any(c.startswith("Loaded:") for c in captions)
    assert any(c.startswith("Not loaded: my symbols.zip") for c in captions)


def test_an_uploaded_zips_skipped_files_are_named_inside_the_users_zip(app, tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(3):
            png = io.BytesIO()
            Image.fromarray(np.full((45, 45), 40 * i, np.uint8)).save(png, format="PNG")
            archive.writestr(f"alpha/{i}.png", png.getvalue())
        archive.writestr("alpha/broken.jpg", b"")
    app.session_state["data_choice"] = "upload"
    app.session_state["data_source"] = _stored_upload(tmp_path, buffer.getvalue())
    at = app.run()
    assert not at.exception
    assert _metrics(at)["Images"] == "3"
    assert list(at.dataframe[0].value["file"]) == ["my symbols.zip/alpha/broken.jpg"]
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "cache/zips" not in shown and "3fa2b1c4d5e6f708" not in shown
    assert any(c.value == "Loaded: my symbols.zip (zip)" for c in at.sidebar.caption)
    largest = next(c.value for c in at.caption if c.value.startswith("Largest class"))
    assert largest.startswith("Largest class: `α (alpha)` (3 images); smallest non-empty class: 3 images")


def test_class_axes_are_categorical_and_the_cleaned_set_downloads(app, tmp_path):
    """Digit class names must not become a numeric axis; the cleaned .npz holds the kept images."""
    import json

    from mathdash.loaders import load_npz, save_npz
    from tests.apps.dedup_app import tiny_dataset as dedup_tiny
    from ui.data import DataSource

    path = save_npz(dedup_tiny(), tmp_path / "tiny.npz")
    app.session_state["data_choice"] = "path"
    app.session_state["data_source"] = DataSource("npz", str(path))
    at = app.run()
    assert not at.exception
    class_charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(("ds_class_chart", "dedup_class_bars"))]
    assert len(class_charts) == 2
    assert all(json.loads(c.proto.spec)["layout"]["xaxis"]["type"] == "category" for c in class_charts)
    button = next(b for b in at.get("download_button") if b.proto.label.startswith("Download the cleaned set"))
    assert "(24 images, verified by pixels, .npz)" in button.proto.label  # the dimmer copy joins too
    from mathdash.exports import cleaned_dataset, npz_bytes
    from mathdash.dedup import find_duplicate_groups

    dataset = load_npz(path)
    clean = cleaned_dataset(dataset, find_duplicate_groups(dataset))
    saved = tmp_path / "clean.npz"
    saved.write_bytes(npz_bytes(clean))
    again = load_npz(saved)
    assert len(again) == 24 and again.name == f"{dataset.name}-clean"
    assert (again.images == clean.images).all()


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
