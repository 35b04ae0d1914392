"""What an augmentation does, as data: one setting per operation, presets, and saved configs.

The same ``AugmentConfig`` drives the page's sliders, the command line and a training run's
``config.json``; it round-trips through JSON and validates every value on construction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from mathdash.errors import ArtifactError, ConfigError

CONFIG_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "augment"
CONFIG_DIR_ENV = "MATHDASH_AUGMENT_DIR"  # overrides CONFIG_DIR (tests, other deployments)


@dataclass(frozen=True)
class OpSpec:
    """How one operation's intensity is measured and how far a slider may take it.

    Attributes:
        name: field name in ``AugmentConfig``.
        title: what the page shows.
        unit: what ``intensity`` means for this operation.
        max_intensity: the largest intensity a config accepts.
        step: slider step.
    """

    name: str
    title: str
    unit: str
    max_intensity: float
    step: float


# In the order the pipeline applies them: pen (stroke), geometry, paper and scan (photometric).
OP_SPECS: dict[str, OpSpec] = {spec.name: spec for spec in [
    OpSpec("stroke", "Stroke thickness", "pixels thinner or thicker (erode/dilate radius)", 3, 1),
    OpSpec("rotation", "Rotation", "degrees either way", 45, 1),
    OpSpec("shear", "Shear", "degrees either way", 30, 1),
    OpSpec("scale", "Scale", "fraction larger or smaller", 0.5, 0.01),
    OpSpec("translate_x", "Shift left/right", "fraction of the width", 0.3, 0.01),
    OpSpec("translate_y", "Shift up/down", "fraction of the height", 0.3, 0.01),
    OpSpec("crop_pad", "Random crop/pad", "fraction cropped or padded per side", 0.3, 0.01),
    OpSpec("elastic", "Elastic distortion", "alpha: displacement strength in pixels", 80, 1),
    OpSpec("blur", "Blur", "Gaussian sigma in pixels", 3, 0.1),
    OpSpec("sharpen", "Sharpen", "blend of the sharpened image (0-1)", 1, 0.05),
    OpSpec("contrast", "Contrast", "fraction more or less contrast", 0.9, 0.05),
    OpSpec("brightness", "Brightness", "fraction of full scale lighter or darker", 0.5, 0.01),
    OpSpec("noise", "Noise", "Gaussian noise sigma, fraction of full scale", 0.5, 0.01),
    OpSpec("flip", "Horizontal flip", "no intensity: mirror-safe classes only", 0, 0),
]}
OPERATIONS: tuple[str, ...] = tuple(OP_SPECS)
ELASTIC_SIGMA_RANGE = (1.0, 12.0)


@dataclass(frozen=True)
class OpSetting:
    """One operation: whether it is on, how strong, and how often.

    Attributes:
        enabled: off leaves every image untouched by this operation.
        intensity: the largest change (see ``OP_SPECS[name].unit``); each image draws its own
            amount uniformly up to it.
        probability: chance that an image gets this operation at all, in [0, 1].
    """

    enabled: bool = False
    intensity: float = 0.0
    probability: float = 0.5

    @property
    def active(self) -> bool:
        """True when the operation can change an image."""
        return self.enabled and self.probability > 0


def _op(intensity: float, probability: float, enabled: bool = True) -> OpSetting:
    return OpSetting(enabled, float(intensity), float(probability))


@dataclass(frozen=True)
class AugmentConfig:
    """Every augmentation setting; the defaults suit 45x45 handwriting (mild, label-preserving).

    Each operation field is an ``OpSetting``; ``elastic_sigma`` is the smoothness (in pixels) of
    the elastic displacement field, whose strength is the ``elastic`` intensity (alpha).
    """

    stroke: OpSetting = _op(1, 0.3)
    rotation: OpSetting = _op(10, 0.7)
    shear: OpSetting = _op(8, 0.4)
    scale: OpSetting = _op(0.1, 0.5)
    translate_x: OpSetting = _op(0.06, 0.5)
    translate_y: OpSetting = _op(0.06, 0.5)
    crop_pad: OpSetting = _op(0.08, 0.3, enabled=False)
    elastic: OpSetting = _op(30, 0.3)
    blur: OpSetting = _op(0.6, 0.1)
    sharpen: OpSetting = _op(0.4, 0.2, enabled=False)
    contrast: OpSetting = _op(0.2, 0.2)
    brightness: OpSetting = _op(0.1, 0.2)
    noise: OpSetting = _op(0.04, 0.1, enabled=False)
    flip: OpSetting = _op(0, 0.5, enabled=False)
    elastic_sigma: float = 5.0

    def __post_init__(self) -> None:
        for name in OPERATIONS:
            _check_setting(name, getattr(self, name))
        low, high = ELASTIC_SIGMA_RANGE
        if not isinstance(self.elastic_sigma, int | float) or not low <= self.elastic_sigma <= high:
            raise ConfigError(f"elastic_sigma must lie in [{low}, {high}], got {self.elastic_sigma!r}")

    def op(self, name: str) -> OpSetting:
        """The setting of operation ``name`` (one of ``OPERATIONS``)."""
        if name not in OP_SPECS:
            raise ConfigError(f"unknown operation {name!r}; choose from {', '.join(OPERATIONS)}")
        return getattr(self, name)

    def with_op(self, name: str, **changes: Any) -> AugmentConfig:
        """A copy with operation ``name`` changed, e.g. ``with_op("rotation", intensity=15)``."""
        return replace(self, **{name: replace(self.op(name), **changes)})

    def active_ops(self) -> list[str]:
        """Names of the operations that can change an image, in pipeline order."""
        return [name for name in OPERATIONS if self.op(name).active]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: ``{op: {enabled, intensity, probability}, ..., elastic_sigma}``."""
        out: dict[str, Any] = {
            name: {"enabled": s.enabled, "intensity": s.intensity, "probability": s.probability}
            for name in OPERATIONS
            for s in [self.op(name)]
        }
        out["elastic_sigma"] = self.elastic_sigma
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AugmentConfig:
        """Inverse of ``to_dict``; missing operations keep their defaults, unknown keys are an error."""
        if not isinstance(data, dict):
            raise ConfigError(f"an augmentation config must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown augmentation setting(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            values[key] = _setting_from_dict(key, value) if key in OP_SPECS else value
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> AugmentConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"augmentation config is not valid JSON: {error}") from error
        return cls.from_dict(data)


def _check_setting(name: str, setting: OpSetting) -> None:
    if not isinstance(setting, OpSetting):
        raise ConfigError(f"{name} must be an OpSetting, got {type(setting).__name__}")
    if not isinstance(setting.enabled, bool):
        raise ConfigError(f"{name}.enabled must be true or false, got {setting.enabled!r}")
    for field_name, high in [("intensity", OP_SPECS[name].max_intensity), ("probability", 1.0)]:
        value = getattr(setting, field_name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
            raise ConfigError(f"{name}.{field_name} must lie in [0, {high}], got {value!r}")


def _setting_from_dict(name: str, value: Any) -> OpSetting:
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be an object with enabled/intensity/probability, got {value!r}")
    unknown = sorted(set(value) - {"enabled", "intensity", "probability"})
    if unknown:
        raise ConfigError(f"unknown key(s) in {name}: {', '.join(unknown)}")
    return OpSetting(**value)


def _preset(**ops: OpSetting) -> AugmentConfig:
    """A config with only the given operations on (everything else off)."""
    off = {name: replace(_DEFAULT_OPS[name], enabled=False) for name in OPERATIONS}
    return AugmentConfig(**{**off, **ops})


_DEFAULT_OPS: dict[str, OpSetting] = {name: getattr(AugmentConfig(), name) for name in OPERATIONS}

# The three recipes of the reference projects, plus "off" and the mild default.
PRESETS: dict[str, AugmentConfig] = {
    "none": _preset(),
    "default": AugmentConfig(),
    # Growing rare classes: small rotations, elastic distortion and contrast changes.
    "grow-rare": _preset(rotation=_op(10, 0.8), elastic=_op(34, 0.7), contrast=_op(0.3, 0.5)),
    # Training-time variety: random crops, scaling and rotation.
    "train-time": _preset(crop_pad=_op(0.1, 0.5), scale=_op(0.15, 0.5), rotation=_op(15, 0.5)),
    # Seven transforms at varying intensities; flip is label-aware (mirror-safe classes only).
    "seven-transforms": _preset(
        rotation=_op(15, 0.5), flip=_op(0, 0.5), translate_x=_op(0.1, 0.5),
        translate_y=_op(0.1, 0.5), sharpen=_op(0.5, 0.5), contrast=_op(0.3, 0.5),
        brightness=_op(0.2, 0.5),
    ),
}


def config_dir() -> Path:
    """Where named configs are saved: ``$MATHDASH_AUGMENT_DIR``, else ``artifacts/augment``."""
    return Path(os.environ.get(CONFIG_DIR_ENV) or CONFIG_DIR)


def config_path(name: str, directory: Path | str | None = None) -> Path:
    """Where a config saved under ``name`` lives: ``<directory or config_dir()>/<name>.json``."""
    if not _NAME_PATTERN.fullmatch(name or ""):
        raise ConfigError(f"config name {name!r} must be 1-64 letters, digits, '-', '_' or '.'")
    return Path(directory if directory is not None else config_dir()) / f"{name}.json"


def save_config(config: AugmentConfig, path: Path | str) -> Path:
    """Write ``config`` as JSON to ``path`` atomically (a crash never leaves half a file).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(config.to_json())
    os.replace(tmp, path)
    return path


def load_config(path: Path | str) -> AugmentConfig:
    """Read a config written by ``save_config``; a missing or broken file raises ``ArtifactError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ArtifactError(f"cannot read augmentation config {path}: {error.strerror}") from error
    try:
        return AugmentConfig.from_json(text)
    except ConfigError as error:
        raise ArtifactError(f"augmentation config {path} is invalid: {error}") from error


def list_configs(directory: Path | str | None = None) -> list[str]:
    """Names of the configs saved in ``directory`` (default ``config_dir()``), sorted; Train lists these."""
    folder = Path(directory if directory is not None else config_dir())
    return sorted(p.stem for p in folder.glob("*.json") if _NAME_PATTERN.fullmatch(p.stem))


def resolve_config(spec: str, directory: Path | str | None = None) -> AugmentConfig:
    """A config from a preset name, a saved name, a JSON file path or inline JSON, tried in that order."""
    if spec in PRESETS:
        return PRESETS[spec]
    if spec.lstrip().startswith("{"):
        return AugmentConfig.from_json(spec)
    if _NAME_PATTERN.fullmatch(spec) and config_path(spec, directory).is_file():
        return load_config(config_path(spec, directory))
    if Path(spec).is_file():
        return load_config(spec)
    saved = ", ".join(list_configs(directory)) or "none"
    raise ConfigError(
        f"no augmentation config {spec!r}: not a preset ({', '.join(PRESETS)}), "
        f"not a saved config (saved: {saved}), not a file"
    )


_NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
