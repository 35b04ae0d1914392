"""The duplicates panel under AppTest: counts, mode radio, slider, recount, gallery, conflicts, leakage."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TINY_APP = str(ROOT / "tests" / "apps" / "dedup_app.py")
DATASET_PAGE = str(ROOT / "pages" / "dataset.py")
TIMEOUT = 90


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def tiny(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "cache"))
    return AppTest.from_file(TINY_APP, default_timeout=TIMEOUT)


def test_counts_gallery_and_conflicts_of_the_tiny_set(tiny):
    at = tiny.run()
    assert not at.exception
    metrics = _metrics(at)
    # 30 images: 4 exact copies, 1 dimmer copy, 1 exact copy under another class. Verified by
    # pixels (the default), the dimmer copy joins its original too: 24 unique.
    assert at.radio(key="dedup_mode").value == "verified"
    assert metrics["Total images"] == "30"
    assert metrics["Unique (kept)"] == "24"
    assert metrics["Pixel-identical copies"] == "5"
    assert metrics["Label conflicts"] == "1"
    assert any("do not chain" in c.value for c in at.caption)
    groups = [m.value for m in at.markdown if m.value.startswith("**Group") and "images" in m.value]
    assert len(groups) == 6 and all("2 images" in g for g in groups)
    assert all(float(g.rsplit("lowest similarity to the anchor ", 1)[1]) >= 0.98 for g in groups)
    captions = [c for image in at.get("image") for c in _image_captions(image)]
    assert sum("sim 1.000" in c for c in captions) >= 11 and any("kept" in c for c in captions)
    conflicts = next(d.value for d in at.dataframe if "kept as" in d.value.columns)
    assert list(conflicts["images"]) == [2]
    assert conflicts["classes"][0] == "1 ×1, - ×1"
    assert at.get("download_button")[0].proto.label.startswith("Download the duplicate report")


def test_hash_only_mode_slider_and_hash_choice_recount(tiny):
    at = tiny.run()
    at.radio(key="dedup_mode").set_value("hash").run()
    assert not at.exception
    assert _metrics(at)["Unique (kept)"] == "25"  # at 0 bits the dimmer copy's hash differs
    chain = next(c.value for c in at.caption if c.value.startswith("Groups are transitive"))
    assert "A≈B and B≈C" in chain and "~" not in chain  # a Markdown "~" would strike text through
    at.slider(key="dedup_threshold").set_value(2).run()
    assert not at.exception
    assert _metrics(at)["Unique (kept)"] == "24"  # the dimmer copy matches within 2 bits
    for threshold in (2, 12):  # chains pick other kept images; the copies stay what they are
        at.slider(key="dedup_threshold").set_value(threshold).run()
        assert _metrics(at)["Pixel-identical copies"] == "5"
    for method in ["dhash", "ahash", "whash"]:
        at.selectbox(key="dedup_method").set_value(method).run()
        assert not at.exception
        assert _metrics(at)["Pixel-identical copies"] == "5"  # exact copies whatever the hash


def _image_captions(element) -> list[str]:
    return [image.caption for image in element.proto.imgs]


def _naive_leak(at: AppTest) -> tuple[str, str]:
    (metric,) = [m for m in at.metric if m.label.startswith("Naive random 80%/20% split")]
    return metric.value, metric.proto.delta


def test_naive_split_leakage_is_counted(tiny, monkeypatch):
    import ui.dedup_panel
    from mathdash.dedup import random_split

    # The page's own split (seed 0) puts 2 and its copy 26 both in test; 4 is in test and its
    # dimmer copy 28 in train, which verification by pixels finds: 1 leaks.
    train, test = random_split(30, 0.2, seed=0)
    assert test.tolist() == [2, 4, 10, 11, 21, 26]
    at = tiny.run()
    assert _naive_leak(at) == ("1 of 6", "16.7%")
    # A split with the copies 24 and 25 in test and their originals 0 and 1 in train: 2 leak,
    # and 28 (the dimmer copy of 4, which is in train) a third.
    test = np.array([10, 11, 21, 24, 25, 28])
    monkeypatch.setattr(ui.dedup_panel, "random_split",
                        lambda count, fraction, seed: (np.setdiff1d(np.arange(count), test), test))
    at = tiny.run()
    assert not at.exception
    assert _naive_leak(at) == ("3 of 6", "50.0%")
    at.radio(key="dedup_mode").set_value("hash").run()
    assert _naive_leak(at) == ("2 of 6", "33.3%")  # at 0 bits the dimmer copy's hash differs


def test_second_source_leakage_skips_bad_files_and_names_missing_paths(tiny, tmp_path):
    from mathdash.loaders import write_folder
    from tests.apps.dedup_app import tiny_dataset

    dataset = tiny_dataset()
    test_root = tmp_path / "test_images"
    write_folder(dataset.subset([0, 6, 7]), test_root)  # row 0 is in the panel's set, rows 6, 7 too
    (test_root / "1" / "broken.png").write_bytes(b"not a png")
    at = tiny.run()
    at.text_input(key="dedup_leak_path").input(str(tmp_path / "nowhere")).run()
    assert any("No such file or folder" in e.value for e in at.error)
    at.text_input(key="dedup_leak_path").input(str(test_root)).run()
    assert not at.exception
    assert _metrics(at)[f"Images in {test_root} with a duplicate in this dataset"] == "3 of 3"
    assert any("Skipped unreadable files" in w.value and ": 1 " in w.value for w in at.warning)


def test_panel_on_the_dataset_page_with_a_small_npz(monkeypatch, tmp_path):
    from mathdash.loaders import save_npz
    from tests.apps.dedup_app import tiny_dataset
    from ui.data import DataSource

    monkeypatch.setenv("MATHDASH_CACHE_DIR", str(tmp_path / "cache"))
    path = save_npz(tiny_dataset(), tmp_path / "tiny.npz")
    at = AppTest.from_file(DATASET_PAGE, default_timeout=TIMEOUT)
    at.session_state["data_source"] = DataSource("npz", str(path))
    at.run()
    assert not at.exception
    assert "Duplicates" in [h.value for h in at.header]
    assert _metrics(at)["Unique (kept)"] == "24"


def _recorded_app():
    import numpy as np

    from tests.apps.dedup_app import tiny_dataset
    from ui.dedup_panel import dedup_panel

    data = tiny_dataset()
    # Rows 24-27 copy rows 0-3's pixels: 24 and 25 are the same strokes again, 26 and 27 other ones.
    recordings = [f"r{i}" for i in range(24)] + ["r0", "r1", "other-26", "other-27", "", ""]
    data.extras["recording"] = np.array(recordings)
    dedup_panel(data)


def test_recorded_drawings_with_the_same_pixels_are_kept_apart_and_the_page_says_why():
    at = AppTest.from_function(_recorded_app, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert _metrics(at)["Unique (kept)"] == "26"  # the tiny set's 24, and rows 26 and 27
    assert any(c.value.startswith("28 images are InkML symbols that carry the recording") for c in at.caption)


def _empty_app():
    import numpy as np

    from mathdash.dataset import Dataset
    from ui.dedup_panel import dedup_panel

    dedup_panel(Dataset(np.zeros((0, 45, 45), np.uint8), np.zeros(0, np.int64), ["-"], []))


def test_an_empty_dataset_shows_a_note_not_an_error():
    at = AppTest.from_function(_empty_app, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("No images" in i.value for i in at.info)
    assert np.size(at.metric) == 0


def test_content_key_changes_with_any_pixel_and_is_kept_per_dataset():
    from tests.apps.dedup_app import tiny_dataset
    from ui.dedup_panel import content_key

    first, second = tiny_dataset(), tiny_dataset()
    key, digests = content_key(first)
    assert content_key(second)[0] == key  # same content, another object: the same cache entry
    assert content_key(first)[1] is digests  # computed once per object
    changed = tiny_dataset()
    changed.images[17, 44, 0] ^= 1
    assert content_key(changed)[0] != key
