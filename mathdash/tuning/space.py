"""The search settings (``TuneConfig``, ``SearchSpace``) and the ``build(hp)`` adapter over the CNN.

The adapter only reads ``hp.Int/Choice/Float/Boolean`` and calls the plain builder, so the same
hyperparameters rebuild the model outside keras-tuner (``params_from_values``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from mathdash.errors import ConfigError

ALGORITHMS = ("random", "hyperband", "bayesian")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_RANGES = ("blocks", "dropout", "learning_rate")
_CHOICES = ("filters", "kernel_size", "batch_norm", "dense_units")


@dataclass(frozen=True)
class SearchSpace:
    """The values each hyperparameter of the CNN is searched over.

    ``blocks``, ``dropout`` and ``learning_rate`` are ``(low, high)`` ranges, the others are
    choices. A range with ``low == high`` or a single choice fixes that hyperparameter.
    """

    blocks: tuple[int, int] = (1, 3)
    filters: tuple[int, ...] = (16, 32, 64)
    kernel_size: tuple[int, ...] = (3, 5)
    batch_norm: tuple[bool, ...] = (False, True)
    dropout: tuple[float, float] = (0.0, 0.5)
    dense_units: tuple[int, ...] = (64, 128, 256)
    learning_rate: tuple[float, float] = (1e-4, 1e-2)

    def __post_init__(self) -> None:
        for name in _RANGES:
            bounds = getattr(self, name)
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ConfigError(f"space.{name} must be (low, high) with low <= high, got {bounds}")
        for name in _CHOICES:
            if not getattr(self, name):
                raise ConfigError(f"space.{name} needs at least one value")

    def to_dict(self) -> dict[str, list]:
        return {key: list(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSpace:
        _check_fields(cls, data)
        return cls(**{key: tuple(value) for key, value in data.items()})


@dataclass(frozen=True)
class TuneConfig:
    """One search: the algorithm, its budget and the name of its directory.

    Attributes:
        algorithm: ``random``, ``hyperband`` or ``bayesian``.
        max_trials: the most trials to run (Hyperband also stops when its brackets are done).
        epochs: epochs per trial (Hyperband: the most epochs a trial reaches).
        executions: trainings per trial, their best validation accuracies averaged.
        seed: seeds the oracle, the split and the weights.
        name: the search directory under the search root; the same name resumes the search.
        batch_size: training batch size.
        save_best: retrain the best trial and save it as a run when the search ends.
        space: the values searched.
    """

    algorithm: str = "random"
    max_trials: int = 10
    epochs: int = 5
    executions: int = 1
    seed: int = 0
    name: str = "search"
    batch_size: int = 64
    save_best: bool = True
    space: SearchSpace = field(default_factory=SearchSpace)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        for name in ("max_trials", "epochs", "executions", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a whole number of at least 1, got {value!r}")
        if not _NAME_PATTERN.match(self.name):
            raise ConfigError(
                f"search name {self.name!r} must be 1-64 letters, digits, '.', '_' or '-' "
                "(it becomes a directory name)"
            )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["space"] = self.space.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TuneConfig:
        _check_fields(cls, data)
        data = dict(data)
        if "space" in data:
            data["space"] = SearchSpace.from_dict(data["space"])
        return cls(**data)


def _check_fields(cls: type, data: dict[str, Any]) -> None:
    unknown = set(data) - set(cls.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} fields: {', '.join(sorted(unknown))}")


def build_hypermodel(num_classes: int, space: SearchSpace | None = None) -> Callable[[Any], Any]:
    """The keras-tuner search space: a ``build(hp)`` adapter over ``models.build_model("cnn")``.

    Args:
        num_classes: width of the softmax output.
        space: the values to search; the defaults when None.

    Returns:
        ``build(hp) -> keras.Model``, compiled, for input float32 (N, 45, 45, 1).
    """
    space = space or SearchSpace()

    def build(hp: Any) -> Any:
        from mathdash.models import build_model

        return build_model("cnn", num_classes, **hyperparameters_from(hp, space))

    return build


def hyperparameters_from(hp: Any, space: SearchSpace) -> dict[str, Any]:
    """Every ``build_cnn`` argument but ``num_classes``, read from (and declared on) ``hp``."""
    return {
        "blocks": _int(hp, "blocks", space.blocks),
        "filters": _choice(hp, "filters", space.filters),
        "kernel_size": _choice(hp, "kernel_size", space.kernel_size),
        "batch_norm": _boolean(hp, "batch_norm", space.batch_norm),
        "dropout": _float(hp, "dropout", space.dropout, step=0.05),
        "dense_units": _choice(hp, "dense_units", space.dense_units),
        "learning_rate": _float(hp, "learning_rate", space.learning_rate, sampling="log"),
    }


def params_from_values(values: dict[str, Any], space: SearchSpace) -> dict[str, Any]:
    """The full ``build_cnn`` arguments of a trial's hyperparameter values (no keras-tuner needed).

    Values a trial does not carry (fixed by the space) take the space's value, as in the search.
    """
    return hyperparameters_from(_ValuesReader(values), space)


class _ValuesReader:
    """Answers ``hp.Int/Choice/Float/Boolean`` from recorded values, with keras-tuner's defaults."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def Int(self, name: str, low: int, high: int, **_: Any) -> int:  # noqa: N802 (keras-tuner's name)
        return int(self._values.get(name, low))

    def Float(self, name: str, low: float, high: float, **_: Any) -> float:  # noqa: N802
        return float(self._values.get(name, low))

    def Choice(self, name: str, values: list) -> Any:  # noqa: N802
        return self._values.get(name, values[0])

    def Boolean(self, name: str) -> bool:  # noqa: N802
        return bool(self._values.get(name, False))


def _int(hp: Any, name: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    return int(low) if low == high else hp.Int(name, int(low), int(high))


def _float(hp: Any, name: str, bounds: tuple[float, float], **kwargs: Any) -> float:
    low, high = bounds
    return float(low) if low == high else hp.Float(name, float(low), float(high), **kwargs)


def _choice(hp: Any, name: str, values: tuple) -> Any:
    return values[0] if len(set(values)) == 1 else hp.Choice(name, list(values))


def _boolean(hp: Any, name: str, values: tuple[bool, ...]) -> bool:
    return bool(values[0]) if len(set(values)) == 1 else hp.Boolean(name)
