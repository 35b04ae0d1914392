"""AugmentedSequence: repeatable per-epoch batches, and a keras model that fits on them."""

import cv2
import numpy as np
import pytest

from mathdash.augment import PRESETS
from mathdash.errors import ConfigError, DatasetError

keras = pytest.importorskip("keras")
from mathdash.augment.batches import AugmentedSequence  # noqa: E402  (after keras is known present)

CLASSES = ["ascii_124", "-"]


def bars(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n images alternating a vertical bar (|, label 0) and a horizontal one (-, label 1)."""
    images = np.full((n, 45, 45), 255, np.uint8)
    labels = np.arange(n) % 2
    rng = np.random.default_rng(0)
    for image, label in zip(images, labels):
        offset = int(rng.integers(-4, 5))
        if label == 0:
            cv2.line(image, (22 + offset, 8), (22 + offset, 36), 0, 3)
        else:
            cv2.line(image, (8, 22 + offset), (36, 22 + offset), 0, 3)
    return images, labels


def test_batches_are_model_input_and_cover_every_sample_once_per_epoch():
    images, labels = bars(70)
    seq = AugmentedSequence(images, labels, PRESETS["default"], batch_size=32, seed=1, workers=1)
    assert len(seq) == 3
    x, y = seq[0]
    assert x.shape == (32, 45, 45, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert y.dtype == np.int64
    for epoch in (0, 1):
        order = seq.order(epoch)
        assert sorted(order.tolist()) == list(range(70))
        ys = np.concatenate([seq.batch(i, epoch)[1] for i in range(len(seq))])
        assert np.array_equal(ys, labels[order])
    assert not np.array_equal(seq.order(0), seq.order(1))


def test_batches_repeat_for_a_seed_and_change_with_the_epoch():
    images, labels = bars(40)
    seq = AugmentedSequence(images, labels, PRESETS["default"], batch_size=16, seed=2, workers=1)
    same = AugmentedSequence(images, labels, PRESETS["default"], batch_size=16, seed=2, workers=1)
    assert np.array_equal(seq.batch(1, 3)[0], same.batch(1, 3)[0])
    assert not np.array_equal(seq.batch(1, 0)[0], seq.batch(1, 1)[0])
    with pytest.raises(IndexError):
        seq.batch(3, 0)


def test_flip_config_needs_class_names_and_relabels():
    images, labels = bars(8)
    flip = PRESETS["none"].with_op("flip", enabled=True, probability=1.0)
    with pytest.raises(ConfigError, match="class_names"):
        AugmentedSequence(images, labels, flip)
    seq = AugmentedSequence(images, labels, flip, batch_size=8, class_names=CLASSES, workers=1)
    x, y = seq[0]
    order = seq.order(0)
    assert np.array_equal(y, labels[order])  # | and - are mirror-symmetric: labels kept
    assert np.allclose(x[..., 0], (255.0 - images[order][:, :, ::-1]) / 255.0)


def test_bad_inputs_are_refused():
    images, labels = bars(4)
    with pytest.raises(DatasetError):
        AugmentedSequence(images, labels[:3], PRESETS["default"])
    with pytest.raises(ConfigError, match="batch_size"):
        AugmentedSequence(images, labels, PRESETS["default"], batch_size=0)


@pytest.mark.slow
def test_a_keras_model_fits_on_the_sequence_with_worker_threads():
    keras.utils.set_random_seed(0)
    images, labels = bars(256)
    seq = AugmentedSequence(images, labels, PRESETS["default"], batch_size=32, seed=0,
                            class_names=CLASSES, workers=2)
    model = keras.Sequential([
        keras.Input((45, 45, 1)),
        keras.layers.Conv2D(4, 5, strides=3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(seq, epochs=2, verbose=0)
    assert seq.epoch == 1, "keras began a second epoch: the sequence serves epoch 1"
    clean = (255.0 - images[..., None].astype(np.float32)) / 255.0
    accuracy = np.mean(model.predict(clean, verbose=0).argmax(axis=1) == labels)
    assert history.history["accuracy"][-1] > 0.8 and accuracy > 0.9
