"""Model builders: every name builds a compiled model for 45x45x1 with the right output."""

import numpy as np
import pytest

from mathdash.errors import ConfigError
from mathdash.models import BUILDERS, build_model, build_cnn, count_params

K = 7


def _output_shape(model) -> tuple:
    x = np.zeros((2, 45, 45, 1), dtype=np.float32)
    return model.predict(x, verbose=0).shape


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_gives_a_compiled_45x45_classifier(name):
    model = build_model(name, K)
    assert model.input_shape == (None, 45, 45, 1)
    assert _output_shape(model) == (2, K)
    assert count_params(model) > 10_000
    assert model.optimizer is not None and model.loss == "sparse_categorical_crossentropy"


def test_baseline_has_three_convolutions_and_softmax_rows():
    model = build_model("baseline", K)
    convolutions = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert [layer.filters for layer in convolutions] == [32, 64, 128]
    proba = model.predict(np.random.default_rng(0).random((3, 45, 45, 1), dtype=np.float32), verbose=0)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_cnn_filters_double_per_block_and_options_change_the_size():
    model = build_cnn(K, blocks=4, filters=8, batch_norm=False, dense_units=0)
    convolutions = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert [layer.filters for layer in convolutions] == [8, 16, 32, 64]
    assert not any(layer.__class__.__name__ == "BatchNormalization" for layer in model.layers)
    small, large = build_cnn(K, blocks=2, filters=8), build_cnn(K, blocks=3, filters=16, dense_units=256)
    assert count_params(small) < count_params(large)
    pooled = build_cnn(K, blocks=2, filters=8, global_pool=True)
    assert any(layer.__class__.__name__ == "GlobalAveragePooling2D" for layer in pooled.layers)
    assert count_params(pooled) < count_params(small)  # 64 averages feed the dense layer, not 11*11*16


def test_learning_rate_reaches_the_optimizer():
    model = build_model("cnn", K, blocks=1, filters=4, learning_rate=0.01)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("transformer", {}, "unknown model"),
        ("baseline", {"blocks": 3}, "not blocks"),
        ("cnn", {"blocks": 9}, "blocks"),
        ("cnn", {"kernel_size": 4}, "kernel_size"),
        ("cnn", {"dropout": 1.0}, "dropout"),
        ("baseline", {"learning_rate": 0}, "learning_rate"),
    ],
)
def test_bad_names_and_parameters_are_refused(name, params, message):
    with pytest.raises(ConfigError, match=message):
        build_model(name, K, **params)


def test_one_class_is_refused():
    with pytest.raises(ConfigError, match="at least 2 classes"):
        build_model("baseline", 1)


@pytest.mark.slow
def test_batch_norm_statistics_settle_within_a_few_dozen_steps():
    """Inference uses BN's moving averages: after a short fit they must already match training mode."""
    from test_train import shapes_dataset

    from mathdash.preprocess import to_model_input

    import keras

    keras.utils.set_random_seed(0)  # the initial weights too, so the floor is tested on one run
    dataset = shapes_dataset(per_class=40)
    x, y = to_model_input(dataset.images), dataset.labels
    model = build_cnn(3, blocks=2, filters=8, dense_units=16, learning_rate=3e-3)
    model.fit(x, y, batch_size=16, epochs=6, shuffle=True, verbose=0)  # 48 steps
    training_mode = model(x, training=True).numpy().argmax(axis=1)
    inference = model.predict(x, verbose=0).argmax(axis=1)
    assert (training_mode == y).mean() >= 0.9
    assert (inference == y).mean() >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mobilenetv2", "resnet50v2"])
def test_the_classic_architectures_train_one_step_on_a_few_images(name):
    """One optimiser step on six images: a finite loss, every output still a distribution, weights moved."""
    import keras

    from test_train import shapes_dataset

    from mathdash.preprocess import to_model_input

    keras.utils.set_random_seed(0)
    dataset = shapes_dataset(per_class=2)
    x, y = to_model_input(dataset.images), dataset.labels
    model = build_model(name, 3)
    before = [weight.numpy().copy() for weight in model.trainable_weights]
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert history.history["loss"][0] > 0
    after = [weight.numpy() for weight in model.trainable_weights]
    moved = sum(not np.array_equal(old, new) for old, new in zip(before, after))
    assert moved >= len(before) // 2  # the step reached most layers, not just the head
    proba = model.predict(x, verbose=0)
    assert proba.shape == (6, 3) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-4)
