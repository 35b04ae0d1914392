"""AugmentConfig: validation, JSON round trip, presets, and saved configs."""

import json

import pytest

from mathdash.augment import (
    CONFIG_DIR,
    CONFIG_DIR_ENV,
    OP_SPECS,
    OPERATIONS,
    PRESETS,
    AugmentConfig,
    OpSetting,
    config_dir,
    config_path,
    list_configs,
    load_config,
    resolve_config,
    save_config,
)
from mathdash.errors import ArtifactError, ConfigError


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_json(name):
    config = PRESETS[name]
    assert AugmentConfig.from_json(config.to_json()) == config
    assert AugmentConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_dict_has_one_entry_per_operation_and_the_sigma():
    data = AugmentConfig().to_dict()
    assert list(data) == [*OPERATIONS, "elastic_sigma"]
    assert data["rotation"] == {"enabled": True, "intensity": 10.0, "probability": 0.7}


def test_missing_operations_keep_their_defaults():
    config = AugmentConfig.from_dict({"rotation": {"enabled": True, "intensity": 20, "probability": 1}})
    assert config.rotation == OpSetting(True, 20, 1)
    assert config.shear == AugmentConfig().shear


@pytest.mark.parametrize("data, fragment", [
    ({"rotation": {"enabled": True, "intensity": 46, "probability": 0.5}}, "rotation.intensity"),
    ({"noise": {"enabled": True, "intensity": 0.1, "probability": 1.5}}, "noise.probability"),
    ({"blur": {"enabled": True, "intensity": -1, "probability": 0.5}}, "blur.intensity"),
    ({"blur": {"enabled": "yes", "intensity": 1, "probability": 0.5}}, "blur.enabled"),
    ({"blur": {"enabled": True, "intensity": "1", "probability": 0.5}}, "blur.intensity"),
    ({"blur": {"enabled": True, "intensity": 1, "probability": 0.5, "extra": 1}}, "unknown key"),
    ({"rotate": {"enabled": True}}, "unknown augmentation setting"),
    ({"elastic_sigma": 0.1}, "elastic_sigma"),
    ({"shear": 5}, "shear must be an object"),
])
def test_bad_values_raise_config_error_naming_the_field(data, fragment):
    with pytest.raises(ConfigError, match=fragment):
        AugmentConfig.from_dict(data)


def test_bad_json_raises_config_error():
    with pytest.raises(ConfigError, match="not valid JSON"):
        AugmentConfig.from_json("{rotation: 5")


def test_with_op_changes_only_that_operation():
    base = AugmentConfig()
    changed = base.with_op("shear", intensity=20.0, enabled=False)
    assert changed.shear == OpSetting(False, 20.0, base.shear.probability)
    others = [n for n in OPERATIONS if n != "shear"]
    assert [changed.op(n) for n in others] == [base.op(n) for n in others]
    with pytest.raises(ConfigError, match="unknown operation"):
        base.with_op("twirl", intensity=1)


def test_presets_hold_the_reference_recipes():
    assert PRESETS["none"].active_ops() == []
    assert set(PRESETS["grow-rare"].active_ops()) == {"rotation", "elastic", "contrast"}
    assert set(PRESETS["train-time"].active_ops()) == {"crop_pad", "scale", "rotation"}
    assert set(PRESETS["seven-transforms"].active_ops()) == {
        "rotation", "flip", "translate_x", "translate_y", "sharpen", "contrast", "brightness"}
    assert not PRESETS["default"].flip.active


def test_every_operation_has_a_spec_with_a_slider_range():
    assert set(OP_SPECS) == set(OPERATIONS)
    assert all(spec.max_intensity > 0 and spec.step > 0 for name, spec in OP_SPECS.items() if name != "flip")


def test_save_load_list_and_resolve(tmp_path):
    config = PRESETS["grow-rare"].with_op("rotation", intensity=12.0)
    path = save_config(config, config_path("mine", tmp_path))
    assert path == tmp_path / "mine.json"
    assert load_config(path) == config
    assert list_configs(tmp_path) == ["mine"]
    assert resolve_config("mine", tmp_path) == config
    assert resolve_config(str(path), tmp_path) == config
    assert resolve_config("train-time", tmp_path) == PRESETS["train-time"]
    assert resolve_config('{"rotation": {"enabled": false}}', tmp_path).rotation.enabled is False
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_resolve_unknown_name_lists_what_exists(tmp_path):
    save_config(AugmentConfig(), config_path("kept", tmp_path))
    with pytest.raises(ConfigError, match="saved: kept"):
        resolve_config("missing", tmp_path)


def test_broken_or_missing_file_raises_artifact_error(tmp_path):
    (tmp_path / "bad.json").write_text('{"rotation": {"intensity": 500}}')
    with pytest.raises(ArtifactError, match="invalid"):
        load_config(tmp_path / "bad.json")
    with pytest.raises(ArtifactError, match="cannot read"):
        load_config(tmp_path / "absent.json")


@pytest.mark.parametrize("name", ["", "../escape", "a/b", "x" * 65])
def test_unsafe_config_names_are_refused(name, tmp_path):
    with pytest.raises(ConfigError, match="config name"):
        config_path(name, tmp_path)


def test_the_environment_variable_moves_the_config_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    assert config_dir() == tmp_path
    save_config(PRESETS["train-time"], config_path("env"))
    assert list_configs() == ["env"] and resolve_config("env") == PRESETS["train-time"]
    monkeypatch.delenv(CONFIG_DIR_ENV)
    assert config_dir() == CONFIG_DIR and CONFIG_DIR.parts[-2:] == ("artifacts", "augment")
