"""Reading a search directory without tensorflow: the trial table, the search's own record, the list.

keras-tuner writes ``trial_<id>/trial.json`` per trial; the search adds ``trial_<id>/mathdash.json``
(which tuner ran the trial, when it started) and ``search.json`` (its config and dataset).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from mathdash.errors import ArtifactError
from mathdash.runs import ARTIFACTS_DIR
from mathdash.tuning.space import SearchSpace, params_from_values

SEARCH_ROOT = ARTIFACTS_DIR / "searches"
META_FILE = "search.json"
TRIAL_NOTE_FILE = "mathdash.json"
TABLE_COLUMNS = ["trial", "status", "score", "params", "seconds", "tuner"]


def trial_table(search_dir: Path | str) -> pd.DataFrame:
    """The trials of a search, read from keras-tuner's ``trial_*/trial.json`` files.

    Args:
        search_dir: one search's directory (``<search root>/<name>``).

    Returns:
        One row per trial in trial order: ``trial`` (str id), ``status`` (RUNNING, COMPLETED,
        INVALID, FAILED), ``score`` (float validation accuracy, NaN until completed), ``params``
        (Int64 model parameters), ``seconds`` (float; time so far while running), ``tuner``
        (the tuner id that ran it), then one column per searched hyperparameter (plus ``epochs``
        for Hyperband). Just those first six columns when no trial exists yet.
    """
    paths = Path(search_dir).glob("trial_*/trial.json")
    rows = [row for row in map(_trial_row, paths) if row is not None]
    rows.sort(key=lambda row: int(row["trial"]) if row["trial"].isdigit() else row["trial"])
    table = pd.DataFrame(rows, columns=None if rows else TABLE_COLUMNS)
    table["score"] = pd.to_numeric(table["score"], errors="coerce").astype(float)
    table["seconds"] = pd.to_numeric(table["seconds"], errors="coerce").astype(float)
    table["params"] = pd.to_numeric(table["params"], errors="coerce").round().astype("Int64")
    table["trial"] = table["trial"].astype(str)
    hyperparameters = [column for column in table.columns if column not in TABLE_COLUMNS]
    return table[TABLE_COLUMNS + hyperparameters].reset_index(drop=True)


def best_trial(table: pd.DataFrame) -> pd.Series | None:
    """The completed trial with the highest score (the first on a tie), or None."""
    done = table[(table["status"] == "COMPLETED") & table["score"].notna()]
    if done.empty:
        return None
    return done.loc[done["score"].idxmax()]


def hyperparameter_values(row: pd.Series) -> dict[str, Any]:
    """The hyperparameter columns of one trial-table row, as plain Python values (NaN dropped)."""
    values = {}
    for name, value in row.drop(TABLE_COLUMNS + ["epochs"], errors="ignore").items():
        if isinstance(value, float) and value != value:
            continue  # NaN: this trial did not use that hyperparameter
        values[name] = value.item() if hasattr(value, "item") else value
    return values


def best_search_params(search_dir: Path | str) -> dict[str, Any]:
    """The full ``build_cnn`` arguments (but ``num_classes``) of a search's best completed trial.

    Raises:
        ArtifactError: the search has no completed trial.
    """
    best = best_trial(trial_table(search_dir))
    if best is None:
        raise ArtifactError(f"search {Path(search_dir).name!r} has no completed trial yet")
    saved_space = read_meta(search_dir).get("config", {}).get("space")
    space = SearchSpace.from_dict(saved_space) if saved_space else SearchSpace()
    return params_from_values(hyperparameter_values(best), space)


def _trial_row(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None  # the oracle is rewriting it this instant; the next read sees it
    metrics = (state.get("metrics") or {}).get("metrics", {})
    note = read_trial_note(path.parent)
    score = state.get("score")
    row = {
        "trial": str(state.get("trial_id") or path.parent.name.removeprefix("trial_")),
        "status": state.get("status") or "",
        "score": float("nan") if score is None else score,
        "params": _last_value(metrics, "params"),
        "seconds": _last_value(metrics, "seconds"),
        "tuner": note.get("tuner_id", ""),
    }
    if row["seconds"] is None and row["status"] == "RUNNING" and "started" in note:
        row["seconds"] = time.time() - note["started"]
    values = (state.get("hyperparameters") or {}).get("values", {})
    row.update({name: value for name, value in values.items() if not name.startswith("tuner/")})
    if "tuner/epochs" in values:
        row["epochs"] = values["tuner/epochs"]
    return row


def _last_value(metrics: dict[str, Any], name: str) -> float | None:
    observations = metrics.get(name, {}).get("observations", [])
    if not observations:
        return None
    value = observations[-1].get("value")
    return value[0] if isinstance(value, list) else value


def read_trial_note(trial_dir: Path) -> dict[str, Any]:
    """The search's own note on one trial (``tuner_id``, ``started``, ``params``, ``seconds``); {} if none."""
    try:
        return json.loads((trial_dir / TRIAL_NOTE_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def read_meta(search_dir: Path | str) -> dict[str, Any]:
    """A search's ``search.json``: ``config`` (TuneConfig dict), ``dataset``, ``class_names``,
    ``run_id`` and ``run_trial`` (the saved best run and the trial it came from); {} when absent.

    Raises:
        ArtifactError: the file exists but cannot be read.
    """
    path = Path(search_dir) / META_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path} cannot be read ({error}); delete the search to start over") from error


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON through a temporary file and a rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as file:
        json.dump(data, file, indent=2, default=str)
    os.replace(temporary, path)


def list_searches(search_root: Path | str = SEARCH_ROOT) -> list[dict[str, Any]]:
    """Every search under ``search_root``, the most recently changed first.

    Returns:
        Dicts with ``name``, ``path`` (Path), ``algorithm``, ``dataset``, ``trials`` (count),
        ``completed`` (count), ``best_score`` (float or None), ``run_id`` (str or None),
        ``changed`` (POSIX time of the latest change).
    """
    found = []
    for meta_path in Path(search_root).glob(f"*/{META_FILE}"):
        search_dir = meta_path.parent
        try:
            meta = read_meta(search_dir)
        except ArtifactError:
            continue  # a broken record hides one search, not the list
        table = trial_table(search_dir)
        best = best_trial(table)
        found.append({
            "name": search_dir.name,
            "path": search_dir,
            "algorithm": meta.get("config", {}).get("algorithm", ""),
            "dataset": meta.get("dataset", ""),
            "trials": len(table),
            "completed": int((table["status"] == "COMPLETED").sum()),
            "best_score": None if best is None else float(best["score"]),
            "run_id": meta.get("run_id"),
            "changed": max((p.stat().st_mtime for p in search_dir.iterdir()), default=0.0),
        })
    found.sort(key=lambda entry: entry["changed"], reverse=True)
    return found
