"""The Augment page under AppTest: presets drive the sliders, the preview follows them, balancing
and saving work, all on a tiny dataset made here."""

import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.data
from mathdash.augment import CONFIG_DIR_ENV, PRESETS, AugmentConfig, load_config
from mathdash.dataset import Dataset

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "augment.py")
TIMEOUT = 60
CLASSES = ["(", ")", "+", "3"]


def tiny_dataset() -> Dataset:
    images, labels = [], []
    for label, count in enumerate([9, 3, 5, 2]):
        for i in range(count):
            image = np.full((45, 45), 255, np.uint8)
            cv2.line(image, (12 + i, 10), (30, 16 + 6 * label), 0, 3, cv2.LINE_AA)
            images.append(image)
            labels.append(label)
    return Dataset(np.stack(images), np.array(labels), CLASSES, [f"s{i}" for i in range(len(images))],
                   name="tiny set")


@pytest.fixture
def page(monkeypatch, tmp_path):
    """The page over the tiny dataset, saving configs and .npz files under tmp_path."""
    monkeypatch.setattr(ui.data, "current_dataset", tiny_dataset)
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "configs"))
    written = []
    fake = types.ModuleType("mathdash.loaders")

    def save_npz(dataset, path):
        np.savez(path, images=dataset.images, labels=dataset.labels)
        written.append(dataset)

    fake.save_npz = save_npz
    monkeypatch.setitem(sys.modules, "mathdash.loaders", fake)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.written = written
    return at


def _image_url(at: AppTest) -> str:
    return at.image[0].proto.imgs[0].url


def test_page_shows_default_sliders_preview_and_plan(page):
    at = page
    assert not at.exception
    assert at.selectbox(key="aug_preset").value == "default"
    assert at.toggle(key="aug_rotation_on").value is True
    assert at.slider(key="aug_rotation_intensity").value == PRESETS["default"].rotation.intensity
    assert at.toggle(key="aug_flip_on").value is False
    assert at.multiselect(key="aug_classes").value == [3, 1, 2, 0]  # rarest first
    assert len(at.image) == 1 and _image_url(at).endswith(".png")
    metrics = {m.label: m.value for m in at.metric}
    # median of 9, 3, 5, 2 is 4: ")" gains 1, "3" gains 2
    assert metrics == {"Target per class": "4", "New images": "3", "Images after": "22"}


def test_choosing_a_preset_sets_every_slider(page):
    at = page
    at.selectbox(key="aug_preset").set_value("grow-rare").run()
    assert not at.exception
    on = {name for name in PRESETS["grow-rare"].to_dict() if name != "elastic_sigma"
          and at.toggle(key=f"aug_{name}_on").value}
    assert on == {"rotation", "elastic", "contrast"}
    assert at.slider(key="aug_elastic_intensity").value == PRESETS["grow-rare"].elastic.intensity
    assert at.session_state["aug_config"] == PRESETS["grow-rare"]


def test_moving_a_slider_redraws_the_preview(page):
    at = page
    before = _image_url(at)
    at.slider(key="aug_rotation_intensity").set_value(30.0).run()
    assert not at.exception
    assert at.session_state["aug_config"].rotation.intensity == 30.0
    assert _image_url(at) != before
    at.toggle(key="aug_flip_on").set_value(True).run()
    assert not at.exception and at.session_state["aug_config"].flip.active


def test_fixed_target_changes_the_plan(page):
    at = page
    at.radio(key="aug_target").set_value("fixed count").run()
    at.number_input(key="aug_target_count").set_value(10).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New images"] == str(1 + 7 + 5 + 8)


def test_balance_button_makes_a_download(page):
    at = page
    at.radio(key="aug_target").set_value("max").run()
    at.button(key="aug_run").click().run()
    assert not at.exception
    balanced = at.written[-1]
    assert balanced.class_counts() == {"(": 9, ")": 9, "+": 9, "3": 9}
    assert (balanced.extras["augmented_from"][19:] >= 0).all()
    assert at.download_button(key="aug_download") is not None
    assert "17 new images" in at.success[0].value


def test_save_config_writes_json_that_the_train_page_can_list(page, tmp_path):
    at = page
    at.slider(key="aug_shear_intensity").set_value(12.0).run()
    at.text_input(key="aug_name").input("mine").run()
    at.button(key="aug_save").click().run()
    assert not at.exception
    saved = load_config(tmp_path / "configs" / "mine.json")
    assert isinstance(saved, AugmentConfig) and saved.shear.intensity == 12.0
    assert "saved: mine" in at.selectbox(key="aug_preset").options
    assert "Saved mine.json" in at.success[0].value
    at.selectbox(key="aug_preset").set_value("none").run()
    at.selectbox(key="aug_preset").set_value("saved:mine").run()
    assert at.slider(key="aug_shear_intensity").value == 12.0


def test_a_bad_config_name_is_an_error_not_a_crash(page):
    at = page
    at.text_input(key="aug_name").input("../x").run()
    at.button(key="aug_save").click().run()
    assert not at.exception and "config name" in at.error[0].value
