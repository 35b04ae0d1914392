"""The settings of one training run, as a frozen dataclass that round-trips through JSON.

The same object drives the Train page, the command line and the saved run's ``config.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from mathdash.errors import ConfigError
from mathdash.split import DEFAULT_FRACTIONS

BALANCE_TARGETS = ("median", "max")
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run; round-trips through JSON and is saved as ``config.json``.

    Attributes:
        data: what was loaded (``builtin:symbols``, a path, ...): a description, not re-read here.
        model: model name for ``mathdash.models.build_model``.
        model_params: builder keyword arguments (e.g. ``{"blocks": 4}`` for 'cnn').
        epochs: most epochs to train (early stopping may end sooner).
        batch_size: images per gradient step.
        learning_rate: Adam's learning rate (``model_params["learning_rate"]`` wins when set).
        patience: epochs without a better validation loss before stopping.
        lr_patience: epochs without a better validation loss before the learning rate is halved;
            0 keeps it fixed.
        augment: on-the-fly augmentation of training batches: a preset or saved config name, an
            ``AugmentConfig.to_dict()``, or None for none.
        seed: seed of the split, the weights and the augmentation.
        split_fractions: train, validation, test shares.
        split_by_group: False reproduces the naive random split (duplicates leak into test).
        train_fraction: share of the training part kept (whole groups, per class), so runs on less
            data are scored on the same validation and test images as the full run.
        dedup: remove near-duplicates first (``mathdash.dedup``), unless the data already has groups.
        dedup_method, dedup_threshold: hash and Hamming threshold (None: the module default).
        balance: grow rare classes with augmented copies to 'median', 'max' or a count; None: off.
        balance_augment: augmentation config name used to make the balancing copies.
        tags: free labels (a study's name, ...), shown with the run.
        name: the run's name for people ("" for none): shown on the Compare and Train pages and
            used in the run id.
    """

    data: str = "builtin:symbols"
    model: str = "baseline"
    model_params: dict[str, Any] = field(default_factory=dict)
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 1e-3
    patience: int = 3
    lr_patience: int = 0
    augment: str | dict[str, Any] | None = None
    seed: int = 0
    split_fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    split_by_group: bool = True
    train_fraction: float = 1.0
    dedup: bool = True
    dedup_method: str = "phash"
    dedup_threshold: int | None = None
    balance: str | int | None = None
    balance_augment: str = "default"
    tags: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        _check_config(self)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["split_fractions"], data["tags"] = list(self.split_fractions), list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of ``to_dict``; unknown keys are an error, missing ones take their defaults."""
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown training setting(s): {', '.join(unknown)}")
        values = dict(data)
        for key in ("split_fractions", "tags"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        try:
            return cls.from_dict(json.loads(text))
        except (json.JSONDecodeError, TypeError) as error:
            raise ConfigError(f"training config is not a valid JSON object: {error}") from error

    def with_changes(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)


def _check_config(config: TrainConfig) -> None:
    for name in ("epochs", "batch_size"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    for name in ("patience", "lr_patience"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be 0 or more, got {value!r}")
    if not config.learning_rate > 0:
        raise ConfigError(f"learning_rate must be positive, got {config.learning_rate!r}")
    balance = config.balance
    count = isinstance(balance, int) and not isinstance(balance, bool) and balance > 0
    if balance is not None and balance not in BALANCE_TARGETS and not count:
        raise ConfigError(f"balance must be 'median', 'max', a positive count or None, got {balance!r}")
    if not 0 < config.train_fraction <= 1:
        raise ConfigError(f"train_fraction must lie in (0, 1], got {config.train_fraction!r}")
    name = config.name
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ConfigError(f"name must be printable text of at most {MAX_NAME_LENGTH} characters, got {name!r}")
    if not isinstance(config.model_params, dict):
        raise ConfigError(f"model_params must be a dict, got {type(config.model_params).__name__}")
