"""Plain model builders for 45x45 grayscale symbols: baseline CNN, configurable CNN, two classics.

Every builder returns a compiled keras model (sparse labels, Adam, accuracy) taking float32
(N, 45, 45, 1) with ink = 1 (``mathdash.preprocess.to_model_input``) and giving K softmax scores.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from mathdash.dataset import IMAGE_SIZE
from mathdash.errors import ConfigError
from mathdash.keras_state import keras_work

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)
CLASSIC_SIZE = 64  # MobileNetV2 / ResNet50V2 downsample by 32: 45 px would end at 1-2 cells
BN_MOMENTUM = 0.9  # keras' 0.99 needs thousands of steps to settle; small sets give a few hundred


def build_baseline(num_classes: int, learning_rate: float = 1e-3) -> Any:
    """The reference projects' 3-convolution CNN (32-64-128 filters, max pooling, one dense layer).

    Args:
        num_classes: K, the number of output classes.
        learning_rate: Adam's learning rate.

    Returns:
        A compiled ``keras.Model``: float32 (N, 45, 45, 1) -> float32 (N, K) probabilities.
    """
    import keras
    from keras import layers

    _check_classes(num_classes)
    model = keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool2"),
            layers.Conv2D(128, 3, activation="relu", name="conv3"),
            layers.MaxPooling2D(name="pool3"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden"),
            layers.Dropout(0.3, name="dropout"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="baseline",
    )
    return _compile(model, learning_rate)


def build_cnn(
    num_classes: int,
    blocks: int = 3,
    filters: int = 32,
    kernel_size: int = 3,
    batch_norm: bool = True,
    dropout: float = 0.3,
    dense_units: int = 128,
    learning_rate: float = 1e-3,
    global_pool: bool = False,
) -> Any:
    """A configurable CNN: ``blocks`` conv blocks with filters doubling per block, then a dense head.

    Each block is Conv2D (same padding) -> optional BatchNorm -> ReLU -> MaxPooling; the head
    flattens the last maps (or averages them) -> Dense(dense_units) -> Dropout -> softmax.

    Args:
        num_classes: K, the number of output classes.
        blocks: number of conv blocks, 1..5 (45 px halves five times at most).
        filters: filters of the first block; block i has ``filters * 2**i``.
        kernel_size: square kernel side, odd, 1..7.
        batch_norm: add batch normalisation after each convolution.
        dropout: dropout rate before the output layer, in [0, 1).
        dense_units: width of the dense layer (0 leaves it out).
        learning_rate: Adam's learning rate.
        global_pool: average each last feature map to one number (few weights, but on the
            built-in set it learns far slower); False flattens them, keeping where each stroke lies.

    Returns:
        A compiled ``keras.Model``: float32 (N, 45, 45, 1) -> float32 (N, K) probabilities.
    """
    import keras
    from keras import layers

    _check_cnn_params(num_classes, blocks, filters, kernel_size, dropout, dense_units)
    inputs = keras.Input(INPUT_SHAPE)
    x = inputs
    for block in range(blocks):
        x = layers.Conv2D(filters * 2**block, kernel_size, padding="same", use_bias=not batch_norm,
                          name=f"block{block + 1}_conv")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{block + 1}_bn")(x)
        x = layers.Activation("relu", name=f"block{block + 1}_relu")(x)
        x = layers.MaxPooling2D(name=f"block{block + 1}_pool")(x)
    if global_pool:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = layers.Flatten(name="flatten")(x)
    if dense_units:
        x = layers.Dense(dense_units, activation="relu", name="hidden")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return _compile(keras.Model(inputs, outputs, name="cnn"), learning_rate)


def build_mobilenetv2(num_classes: int, learning_rate: float = 1e-3, alpha: float = 0.35) -> Any:
    """MobileNetV2 from scratch (no pretrained weights), input resized from 45 to 64 px.

    Args:
        num_classes: K, the number of output classes.
        learning_rate: Adam's learning rate.
        alpha: width multiplier (0.35, 0.5, 0.75, 1.0, ...); small suits 45 px symbols.
    """
    import keras

    return _build_classic(keras.applications.MobileNetV2, num_classes, learning_rate, alpha=alpha)


def build_resnet50v2(num_classes: int, learning_rate: float = 1e-3) -> Any:
    """ResNet50V2 from scratch (no pretrained weights), input resized from 45 to 64 px.

    Args:
        num_classes: K, the number of output classes.
        learning_rate: Adam's learning rate.
    """
    import keras

    return _build_classic(keras.applications.ResNet50V2, num_classes, learning_rate)


BUILDERS: dict[str, Callable[..., Any]] = {
    "baseline": build_baseline,
    "cnn": build_cnn,
    "mobilenetv2": build_mobilenetv2,
    "resnet50v2": build_resnet50v2,
}


def build_model(name: str, num_classes: int, **params: Any) -> Any:
    """Build and compile a model by name.

    Args:
        name: one of ``BUILDERS``: 'baseline', 'cnn', 'mobilenetv2', 'resnet50v2'.
        num_classes: K, the number of output classes.
        **params: keyword arguments of the builder (e.g. ``blocks=4`` for 'cnn').

    Returns:
        A compiled ``keras.Model``: float32 (N, 45, 45, 1) -> float32 (N, K) probabilities.

    Raises:
        ConfigError: unknown name or a parameter the builder does not take.
    """
    if name not in BUILDERS:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(BUILDERS)}")
    _check_param_names(name, params)
    with keras_work():
        return BUILDERS[name](num_classes, **params)


def count_params(model: Any) -> int:
    """Total number of weights (trainable and not) of a keras model."""
    return int(model.count_params())


def _build_classic(
    application: Callable[..., Any], num_classes: int, learning_rate: float, **kwargs: Any
) -> Any:
    import keras
    from keras import layers

    _check_classes(num_classes)
    inputs = keras.Input(INPUT_SHAPE)
    x = layers.Resizing(CLASSIC_SIZE, CLASSIC_SIZE, name="resize")(inputs)
    backbone = application(
        input_shape=(CLASSIC_SIZE, CLASSIC_SIZE, 1), include_top=False, weights=None, pooling="avg", **kwargs
    )
    for layer in backbone.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(backbone(x))
    return _compile(keras.Model(inputs, outputs, name=application.__name__.lower()), learning_rate)


def _compile(model: Any, learning_rate: float) -> Any:
    import keras

    if not learning_rate > 0:
        raise ConfigError(f"learning_rate must be positive, got {learning_rate}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _check_param_names(name: str, params: dict[str, Any]) -> None:
    accepted = set(inspect.signature(BUILDERS[name]).parameters) - {"num_classes"}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ConfigError(f"model {name!r} takes {', '.join(sorted(accepted))}; not {', '.join(unknown)}")


def _check_classes(num_classes: int) -> None:
    if int(num_classes) < 2:
        raise ConfigError(f"a classifier needs at least 2 classes, got {num_classes}")


def _check_cnn_params(
    num_classes: int, blocks: int, filters: int, kernel_size: int, dropout: float, dense_units: int
) -> None:
    _check_classes(num_classes)
    if not 1 <= blocks <= 5:
        raise ConfigError(f"blocks must lie in 1..5 (45 px halves five times at most), got {blocks}")
    if filters < 1:
        raise ConfigError(f"filters must be positive, got {filters}")
    if kernel_size not in (1, 3, 5, 7):
        raise ConfigError(f"kernel_size must be 1, 3, 5 or 7, got {kernel_size}")
    if not 0 <= dropout < 1:
        raise ConfigError(f"dropout must lie in [0, 1), got {dropout}")
    if dense_units < 0:
        raise ConfigError(f"dense_units must be 0 or more, got {dense_units}")
