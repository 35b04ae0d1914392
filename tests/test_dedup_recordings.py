"""Recorded drawings: two writers' strokes that draw to the same pixels are never taken for copies."""

import hashlib

import numpy as np

from mathdash.dataset import Dataset
from mathdash.dedup import centre_ink, find_duplicate_groups, hash_images
from mathdash.dedup.verified import verified_groups
from mathdash.loaders import load_source
from mathdash.loaders.inkml import InkSymbol
from mathdash.synth.duplicates import jpeg_roundtrip
from tests.dedup_support import drawings, shifted
from tests.inkml_support import line, write_inkml


def test_a_recording_is_the_digest_of_the_pen_points_alone():
    strokes = (np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[0.0, 0.0]]))
    expected = hashlib.blake2b(digest_size=8)
    for points in strokes:
        expected.update(np.int64(len(points)).tobytes() + points.tobytes())
    symbol = InkSymbol("-", ("0", "1"), strokes)
    assert symbol.recording == expected.hexdigest()
    assert InkSymbol("1", ("7", "8"), strokes).recording == symbol.recording  # label and ids play no part
    assert InkSymbol("-", ("0",), strokes[:1]).recording != symbol.recording
    # The same points split into other strokes are another recording.
    assert InkSymbol("-", ("0",), (np.vstack(strokes),)).recording != symbol.recording


def _two_writers_bars(root):
    """Writer A's bar, writer B's longer bar (the same pixels once framed), and a copy of A's file."""
    write_inkml(root / "KAIST" / "a.inkml", [("-", [line(0, 0, 10, 0)])], writer="A")
    write_inkml(root / "MfrDB" / "b.inkml", [("-", [line(0, 0, 20, 0)])], writer="B")
    write_inkml(root / "copies" / "a-again.inkml", [("-", [line(0, 0, 10, 0)])], writer="A")
    return load_source(root, kind="inkml", cache_dir=root.parent / "cache")


def test_inkml_images_carry_their_recording_and_copied_files_repeat_it(tmp_path):
    data = _two_writers_bars(tmp_path / "ink")
    files = [source.rsplit("/", 1)[-1] for source in data.sources]
    recording = dict(zip(files, data.extras["recording"]))
    assert files == ["a.inkml", "b.inkml", "a-again.inkml"]
    assert recording["a.inkml"] == recording["a-again.inkml"] != recording["b.inkml"]
    assert len(recording["b.inkml"]) == 16
    assert len({image.tobytes() for image in data.images}) == 1  # all three draw the same pixels


def test_verified_groups_keep_two_writers_apart_and_find_the_copied_file(tmp_path):
    data = _two_writers_bars(tmp_path / "ink")
    files = [source.rsplit("/", 1)[-1] for source in data.sources]
    a, b, again = files.index("a.inkml"), files.index("b.inkml"), files.index("a-again.inkml")
    report = find_duplicate_groups(data)
    assert report.group[a] == report.group[again] != report.group[b]
    assert report.keep.sum() == 2
    assert bool(report.exact[again]) and not report.exact[b]  # b's pixels repeat only in another group
    hashed = find_duplicate_groups(data, mode="hash")  # pixels only: the three are one group
    assert len(set(hashed.group)) == 1 and hashed.keep.sum() == 1


def test_an_unrecorded_copy_joins_one_recording_and_never_bridges_two():
    original = drawings(1, seed=31)[0]
    other = drawings(1, seed=32)[0]
    images = np.stack([original, original, jpeg_roundtrip(original, 70), shifted(original, 1, 0),
                       original, other])
    recordings = np.array(["rec-a", "rec-b", "", "", "", ""])
    report = find_duplicate_groups(images, recordings=recordings)
    # The two recordings stay apart; each unrecorded copy sits with exactly one of them.
    assert report.group[0] != report.group[1]
    for copy in (2, 3, 4):
        assert report.group[copy] in (report.group[0], report.group[1])
    assert report.group[5] not in report.group[:5]
    assert report.keep.sum() == 3
    # Without recordings the five are one group of copies.
    plain = find_duplicate_groups(images)
    assert len(set(plain.group[:5])) == 1 and plain.keep.sum() == 2


def test_a_recorded_original_anchors_its_unrecorded_copies_whatever_their_number():
    original = drawings(1, seed=33)[0]
    copies = [shifted(original, dy, dx) for dy, dx in ((1, 0), (0, 1), (-1, 0), (0, -1))]
    images = np.stack([*copies, original])  # the copies come first and outnumber it
    recordings = np.array(["", "", "", "", "rec"])
    report = find_duplicate_groups(images, recordings=recordings)
    assert len(set(report.group)) == 1
    assert (report.similarity >= 0.98).all()
    # The recorded drawing is the anchor every copy was matched against (a whole-pixel shift of
    # ink that stays in the frame correlates 1, so the similarities alone cannot say which).
    found = verified_groups(images, hash_images(images), hash_images(centre_ink(images)),
                            recordings=np.array([0, 0, 0, 0, 1]))
    assert found.anchor.tolist() == [4, 4, 4, 4, 4]


def test_a_dataset_s_recordings_are_used_without_being_passed():
    original = drawings(1, seed=34)[0]
    data = Dataset(np.stack([original, original]), np.array([0, 0]), ["-"], ["a", "b"],
                   extras={"recording": np.array(["one", "two"])})
    assert find_duplicate_groups(data).keep.sum() == 2
    data.extras["recording"] = np.array(["one", "one"])
    assert find_duplicate_groups(data).keep.sum() == 1


def _bar(top: int, length: int) -> np.ndarray:
    image = np.full((45, 45), 255, np.uint8)
    image[top:top + 3, 2:2 + length] = 0
    image[top - 1, 2:2 + length] = image[top + 3, 2:2 + length] = 170  # anti-aliased edges
    return image


def test_a_bar_s_jpeg_copy_finds_its_recorded_original_though_their_hashes_disagree():
    from mathdash.dedup.hashing import hamming_distance, hash_images
    from mathdash.dedup.verify import centre_ink

    bar = _bar(21, 41)
    images = np.stack([bar, drawings(1, seed=35)[0], jpeg_roundtrip(bar, 70)])
    for hashed in (images, centre_ink(images)):  # beyond the candidate threshold either way:
        assert hamming_distance(hash_images(hashed[:1]), hash_images(hashed[2:]))[0] > 4  # only the ink box pairs them
    report = find_duplicate_groups(images, recordings=np.array(["bar", "other", ""]))
    assert report.group[2] == report.group[0] != report.group[1]
    assert 0.98 <= report.similarity[2] < 1.0 and report.keep.sum() == 2
    # Without recordings there is no anchor to search for: the copy stays apart.
    assert find_duplicate_groups(images).keep.sum() == 3
