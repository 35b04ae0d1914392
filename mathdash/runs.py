"""The run store: every trained model saved atomically with its config, metrics, history and labels.

A run is a directory written under a temporary name and renamed into place, so a crash never
leaves half a run; ``ACTIVE`` names the model the app predicts with, the shipped run by default.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mathdash.errors import ArtifactError

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"
DEFAULT_ROOT = ARTIFACTS_DIR / "runs"
DEFAULT_RUN_DIR = ARTIFACTS_DIR / "default_run"
DEFAULT_ID = "default"
RUN_FILES = ("model.keras", "config.json", "metrics.json", "history.csv", "labels.json")
ACTIVE_FILE = "ACTIVE"
RUNS_DIR_ENV = "MATHDASH_RUNS_DIR"
_TEMP_PREFIX = ".tmp-"


@dataclass
class RunSummary:
    """One line of the run list: read from ``config.json`` and ``metrics.json`` only.

    Attributes:
        id: run id (directory name; 'default' for the shipped run).
        path: the run directory.
        created: ISO time the run was saved ('' when unknown).
        model: model name from the config.
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
    data: str = ""
    state: str = ""
    accuracy: float | None = None
    macro_f1: float | None = None
    worst_f1: float | None = None
    worst_class: str | None = None
    broken: str = ""

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id, "created": self.created, "model": self.model, "data": self.data,
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
            return keras.saving.load_model(self.path / "model.keras")
        except Exception as error:  # keras raises many kinds for a bad file; one named error out
            raise ArtifactError(f"run {self.id!r}: model.keras cannot be loaded ({error})") from error


class RunStore:
    """Saved runs under ``root``, plus the shipped run as id 'default' (read-only).

    Args:
        root: directory of user runs (created on the first save); None reads the environment
            variable ``MATHDASH_RUNS_DIR``, else ``artifacts/runs``.
        default_dir: the shipped run directory; listed as 'default' when it exists.
    """

    def __init__(
        self, root: Path | str | None = None, default_dir: Path | str | None = DEFAULT_RUN_DIR
    ) -> None:
        self.root = Path(root if root is not None else os.environ.get(RUNS_DIR_ENV, DEFAULT_ROOT))
        self.default_dir = Path(default_dir) if default_dir is not None else None

    def save(
        self,
        model: Any,
        config: dict[str, Any],
        metrics: dict[str, Any],
        history: pd.DataFrame | dict[str, list[float]],
        labels: list[str],
        run_id: str | None = None,
    ) -> str:
        """Write a run atomically: into a temporary directory in ``root``, then renamed into place.

        Args:
            model: a keras model (saved as ``model.keras``).
            config: JSON-ready training config.
            metrics: JSON-ready metrics; ``created`` is added when missing.
            history: per-epoch values (keras' ``History.history`` dict or a DataFrame).
            labels: class names in the model's output order.
            run_id: directory name; a fresh ``YYYYmmdd-HHMMSS-<model>-<hex>`` id when None.

        Returns:
            The run id.
        """
        run_id = run_id or new_run_id(str(config.get("model", "run")))
        _check_run_id(run_id)
        target = self.root / run_id
        if run_id == DEFAULT_ID or target.exists():
            raise ArtifactError(f"run {run_id!r} already exists")
        self.root.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{run_id}-", dir=self.root))
        temp.chmod(0o755)  # mkdtemp makes it private; a run is as readable as any other file
        try:
            _write_run_files(temp, model, config, {"created": _now(), **metrics}, history, labels)
            os.replace(temp, target)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        return run_id

    def list_runs(self) -> list[RunSummary]:
        """Every run, newest first, the shipped 'default' included; broken runs carry a reason."""
        summaries = [_summarise(run_id, path) for run_id, path in self._run_dirs()]
        return sorted(summaries, key=lambda s: s.created, reverse=True)

    def table(self) -> pd.DataFrame:
        """``list_runs`` as a DataFrame, one row per run, with an ``active`` column."""
        active = self.active_id()
        rows = [{**s.to_row(), "active": s.id == active} for s in self.list_runs()]
        return pd.DataFrame(rows, columns=[*RunSummary("", Path()).to_row(), "active"])

    def load(self, run_id: str) -> Run:
        """Load a run's config, metrics, history and labels.

        Raises:
            ArtifactError: no such run, or a file missing or unreadable.
        """
        path = self.path_of(run_id)
        config, metrics, labels = (_read_json(path / name) for name in ("config.json", "metrics.json",
                                                                        "labels.json"))
        if not (path / "model.keras").is_file():
            raise ArtifactError(f"run {run_id!r} has no model.keras")
        if not isinstance(labels, list) or not labels:
            raise ArtifactError(f"run {run_id!r}: labels.json must be a non-empty list of class names")
        history = _read_history(path / "history.csv")
        return Run(run_id, path, config, metrics, history, labels, str(metrics.get("created", "")),
                   read_only=run_id == DEFAULT_ID)

    def path_of(self, run_id: str) -> Path:
        """Directory of a run; raises ArtifactError when it does not exist."""
        if run_id == DEFAULT_ID and self.default_dir is not None:
            path = self.default_dir
        else:
            _check_run_id(run_id)
            path = self.root / run_id
        if not path.is_dir():
            raise ArtifactError(f"no run {run_id!r} (looked in {path})")
        return path

    def delete(self, run_id: str) -> None:
        """Remove a run; the shipped run refuses. Deleting the active run makes 'default' active."""
        if run_id == DEFAULT_ID:
            raise ArtifactError("the shipped default run is read-only and cannot be deleted")
        path = self.path_of(run_id)
        was_active = self._read_active() == run_id
        # rename first so a crash mid-delete never leaves a half-deleted run that looks whole
        doomed = self.root / f"{_TEMP_PREFIX}deleting-{run_id}-{secrets.token_hex(3)}"
        os.replace(path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        if was_active:
            (self.root / ACTIVE_FILE).unlink(missing_ok=True)

    def export(self, run_id: str, target: Path | str) -> Path:
        """Copy a run to ``target`` (e.g. ``artifacts/default_run`` to ship it), replacing what is there.

        The copy is written beside ``target`` and renamed into place; an old ``target`` is moved
        aside first and removed last, so a crash leaves either the old or the new run whole.
        """
        source, target = self.path_of(run_id), Path(target).resolve()
        if source.resolve() == target:
            raise ArtifactError(f"run {run_id!r} already lives in {target}")
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f"{_TEMP_PREFIX}{target.name}-{secrets.token_hex(3)}")
        shutil.copytree(source, temp)
        old = target.with_name(f"{_TEMP_PREFIX}old-{target.name}-{secrets.token_hex(3)}")
        if target.exists():
            os.replace(target, old)
        os.replace(temp, target)
        shutil.rmtree(old, ignore_errors=True)
        return target

    def active_id(self) -> str | None:
        """The run the app predicts with: ``root/ACTIVE`` when it names a sound run, else 'default'.

        Returns None only when neither exists (no shipped run and nothing active).
        """
        named = self._read_active()
        if named and self._is_sound(named):
            return named
        return DEFAULT_ID if self._is_sound(DEFAULT_ID) else None

    def set_active(self, run_id: str, check_model: bool = True) -> None:
        """Make a run the active one after checking it loads (model included when ``check_model``).

        Raises:
            ArtifactError: the run is missing or broken; ``ACTIVE`` is then left unchanged.
        """
        run = self.load(run_id)
        if check_model:
            run.load_model()
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.root / ACTIVE_FILE, run_id + "\n")

    def _read_active(self) -> str:
        try:
            return (self.root / ACTIVE_FILE).read_text().strip()
        except OSError:
            return ""

    def _is_sound(self, run_id: str) -> bool:
        try:
            self.load(run_id)
        except ArtifactError:
            return False
        return True

    def _run_dirs(self) -> list[tuple[str, Path]]:
        dirs = []
        if self.default_dir is not None and self.default_dir.is_dir():
            dirs.append((DEFAULT_ID, self.default_dir))
        if self.root.is_dir():
            dirs += [(p.name, p) for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return dirs


def new_run_id(model: str) -> str:
    """A fresh run id: ``YYYYmmdd-HHMMSS-<model>-<6 hex>`` (sorts by time, never collides)."""
    safe = "".join(c if c.isalnum() else "-" for c in model)[:24] or "run"
    return f"{datetime.now():%Y%m%d-%H%M%S}-{safe}-{secrets.token_hex(3)}"


def _summarise(run_id: str, path: Path) -> RunSummary:
    summary = RunSummary(run_id, path)
    try:
        missing = [name for name in RUN_FILES if not (path / name).is_file()]
        if missing:
            raise ArtifactError(f"missing {', '.join(missing)}")
        config, metrics = _read_json(path / "config.json"), _read_json(path / "metrics.json")
    except ArtifactError as error:
        summary.state, summary.broken = "broken", str(error)
        summary.created = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
        return summary
    summary.created = str(metrics.get("created", ""))
    summary.model, summary.data = str(config.get("model", "")), str(config.get("data", ""))
    summary.state = str(metrics.get("state", "done"))
    summary.accuracy, summary.macro_f1 = metrics.get("accuracy"), metrics.get("macro_f1")
    summary.worst_class, summary.worst_f1 = metrics.get("worst_class"), metrics.get("worst_f1")
    return summary


def _write_run_files(
    directory: Path, model: Any, config: dict, metrics: dict, history: Any, labels: list[str]
) -> None:
    for name, payload in (("config.json", config), ("metrics.json", metrics), ("labels.json", list(labels))):
        (directory / name).write_text(json.dumps(payload, indent=2, default=_json_default))
    table = pd.DataFrame(history).reset_index(drop=True)
    table.index += 1  # epochs counted from 1, as keras prints them
    table.to_csv(directory / "history.csv", index_label="epoch")
    model.save(directory / "model.keras")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as error:
        raise ArtifactError(f"missing {path.name} in {path.parent}") from error
    except (OSError, ValueError) as error:
        raise ArtifactError(f"unreadable {path.name} in {path.parent}: {error}") from error


def _read_history(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, index_col="epoch")
    except FileNotFoundError as error:
        raise ArtifactError(f"missing {path.name} in {path.parent}") from error
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise ArtifactError(f"unreadable {path.name} in {path.parent}: {error}") from error


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f"{_TEMP_PREFIX}{path.name}-{secrets.token_hex(3)}")
    temp.write_text(text)
    os.replace(temp, path)


def _check_run_id(run_id: str) -> None:
    if not run_id or run_id.startswith(".") or "/" in run_id or "\\" in run_id:
        raise ArtifactError(f"invalid run id {run_id!r}")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (Path, datetime)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
