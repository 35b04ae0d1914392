"""The run store: saving atomically, listing, loading, deleting, exporting, and the active run.

A run directory is written under a temporary name inside the store and renamed into place.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from mathdash.errors import ArtifactError
from mathdash.runs.records import (
    ACTIVE_FILE,
    DEFAULT_ID,
    DEFAULT_ROOT,
    DEFAULT_RUN_DIR,
    RUNS_DIR_ENV,
    TEMP_PREFIX,
    Run,
    RunSummary,
    check_run_id,
    new_run_id,
    now_iso,
    read_history,
    read_json,
    summarise,
    write_atomic,
    write_run_files,
)


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
        run_id = run_id or new_run_id(str(config.get("name") or config.get("model", "run")))
        check_run_id(run_id)
        target = self.root / run_id
        if run_id == DEFAULT_ID or target.exists():
            raise ArtifactError(f"run {run_id!r} already exists")
        self.root.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{run_id}-", dir=self.root))
        temp.chmod(0o755)  # mkdtemp makes it private; a run is as readable as any other file
        try:
            write_run_files(temp, model, config, {"created": now_iso(), **metrics}, history, labels)
            os.replace(temp, target)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        return run_id

    def list_runs(self) -> list[RunSummary]:
        """Every run, newest first, the shipped 'default' included; broken runs carry a reason."""
        summaries = [summarise(run_id, path) for run_id, path in self._run_dirs()]
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
        config, metrics, labels = (read_json(path / name) for name in ("config.json", "metrics.json",
                                                                        "labels.json"))
        if not (path / "model.keras").is_file():
            raise ArtifactError(f"run {run_id!r} has no model.keras")
        if not isinstance(labels, list) or not labels:
            raise ArtifactError(f"run {run_id!r}: labels.json must be a non-empty list of class names")
        history = read_history(path / "history.csv")
        return Run(run_id, path, config, metrics, history, labels, str(metrics.get("created", "")),
                   read_only=run_id == DEFAULT_ID)

    def path_of(self, run_id: str) -> Path:
        """Directory of a run; raises ArtifactError when it does not exist."""
        if run_id == DEFAULT_ID and self.default_dir is not None:
            path = self.default_dir
        else:
            check_run_id(run_id)
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
        doomed = self.root / f"{TEMP_PREFIX}deleting-{run_id}-{secrets.token_hex(3)}"
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
        temp = target.with_name(f"{TEMP_PREFIX}{target.name}-{secrets.token_hex(3)}")
        shutil.copytree(source, temp)
        old = target.with_name(f"{TEMP_PREFIX}old-{target.name}-{secrets.token_hex(3)}")
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
        write_atomic(self.root / ACTIVE_FILE, run_id + "\n")

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
