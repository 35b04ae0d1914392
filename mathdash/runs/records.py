"""What a saved run is on disk: its files, its summary line, and the helpers that read and write them.

Kept apart from the store so that listing runs reads JSON only and never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mathdash.errors import ArtifactError
from mathdash.keras_state import keras_work

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "artifacts"
DEFAULT_ROOT = ARTIFACTS_DIR / "runs"
DEFAULT_RUN_DIR = ARTIFACTS_DIR / "default_run"
DEFAULT_ID = "default"
RUN_FILES = ("model.keras", "config.json", "metrics.json", "history.csv", "labels.json")
ACTIVE_FILE = "ACTIVE"
RUNS_DIR_ENV = "MATHDASH_RUNS_DIR"
TEMP_PREFIX = ".tmp-"  # directories and files being written; listing skips them


@dataclass
class RunSummary:
    """One line of the run list: read from ``config.json`` and ``metrics.json`` only.

    Attributes:
        id: run id (directory name; 'default' for the shipped run).
        path: the run directory.
        created: ISO time the run was saved ('' when unknown).
        model: model name from the config.
        name: the run's name from the config ('' when it has none).
        data: data description from the config.
        state: 'done', 'stopped', or 'broken' when a file is missing or unreadable.
        accuracy, macro_f1, worst_f1: test metrics (None when absent).
        worst_class: class with the lowest test F1.
        broken: why the run cannot be used ('' for a sound run).
    """

    id: str
    path: Path
    created: str = ""
    model: str = ""
    name: str = ""
    data: str = ""
    state: str = ""
    accuracy: float | None = None
    macro_f1: float | None = None
    worst_f1: float | None = None
    worst_class: str | None = None
    broken: str = ""

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "created": self.created, "model": self.model, "data": self.data,
            "state": self.state, "accuracy": self.accuracy, "macro_f1": self.macro_f1,
            "worst_class": self.worst_class, "worst_f1": self.worst_f1, "broken": self.broken,
        }


@dataclass
class Run:
    """A saved run, loaded (except the model, which ``load_model`` reads on demand).

    Attributes:
        id: run id.
        path: the run directory.
        config: the training config as saved (``TrainConfig.to_dict()``).
        metrics: the metrics dict (schema in ``mathdash.evaluate``).
        history: one row per epoch (loss, accuracy, val_loss, val_accuracy, ...).
        labels: class names in the model's output order.
        created: ISO time the run was saved.
    """

    id: str
    path: Path
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: pd.DataFrame
    labels: list[str]
    created: str = ""
    read_only: bool = field(default=False, repr=False)

    def load_model(self) -> Any:
        """Read ``model.keras`` (a fresh keras model on every call; callers cache)."""
        import keras

        try:
            with keras_work():
                return keras.saving.load_model(self.path / "model.keras")
        except Exception as error:  # keras raises many kinds for a bad file; one named error out
            raise ArtifactError(f"run {self.id!r}: model.keras cannot be loaded ({error})") from error


def new_run_id(model: str) -> str:
    """A fresh run id: ``YYYYmmdd-HHMMSS-<model or run name>-<6 hex>`` (sorts by time, never collides)."""
    safe = "".join(c if c.isascii() and c.isalnum() else "-" for c in model.strip())[:24].strip("-") or "run"
    return f"{datetime.now():%Y%m%d-%H%M%S}-{safe}-{secrets.token_hex(3)}"


def summarise(run_id: str, path: Path) -> RunSummary:
    summary = RunSummary(run_id, path)
    try:
        missing = [name for name in RUN_FILES if not (path / name).is_file()]
        if missing:
            raise ArtifactError(f"missing {', '.join(missing)}")
        config, metrics = read_json(path / "config.json"), read_json(path / "metrics.json")
    except ArtifactError as error:
        summary.state, summary.broken = "broken", str(error)
        summary.created = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
        return summary
    summary.created = str(metrics.get("created", ""))
    summary.model, summary.data = str(config.get("model", "")), str(config.get("data", ""))
    summary.name = str(config.get("name", ""))
    summary.state = str(metrics.get("state", "done"))
    summary.accuracy, summary.macro_f1 = metrics.get("accuracy"), metrics.get("macro_f1")
    summary.worst_class, summary.worst_f1 = metrics.get("worst_class"), metrics.get("worst_f1")
    return summary


def write_run_files(
    directory: Path, model: Any, config: dict, metrics: dict, history: Any, labels: list[str]
) -> None:
    for name, payload in (("config.json", config), ("metrics.json", metrics), ("labels.json", list(labels))):
        (directory / name).write_text(json.dumps(payload, indent=2, default=_json_default))
    table = pd.DataFrame(history).reset_index(drop=True)
    table.index += 1  # epochs counted from 1, as keras prints them
    table.to_csv(directory / "history.csv", index_label="epoch")
    model.save(directory / "model.keras")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as error:
        raise ArtifactError(f"missing {path.name} in {path.parent}") from error
    except (OSError, ValueError) as error:
        raise ArtifactError(f"unreadable {path.name} in {path.parent}: {error}") from error


def read_history(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, index_col="epoch")
    except FileNotFoundError as error:
        raise ArtifactError(f"missing {path.name} in {path.parent}") from error
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise ArtifactError(f"unreadable {path.name} in {path.parent}: {error}") from error


def write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}-{secrets.token_hex(3)}")
    temp.write_text(text)
    os.replace(temp, path)


def check_run_id(run_id: str) -> None:
    if not run_id or run_id.startswith(".") or "/" in run_id or "\\" in run_id:
        raise ArtifactError(f"invalid run id {run_id!r}")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (Path, datetime)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")
