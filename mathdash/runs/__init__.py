"""The run store: every trained model saved atomically with its config, metrics, history and labels.

A run is a directory written under a temporary name and renamed into place, so a crash never
leaves half a run; ``ACTIVE`` names the model the app predicts with, the shipped run by default.
"""

from mathdash.runs.records import (
    ACTIVE_FILE,
    ARTIFACTS_DIR,
    DEFAULT_ID,
    DEFAULT_ROOT,
    DEFAULT_RUN_DIR,
    RUN_FILES,
    RUNS_DIR_ENV,
    Run,
    RunSummary,
    new_run_id,
)
from mathdash.runs.store import RunStore

__all__ = [
    "ACTIVE_FILE", "ARTIFACTS_DIR", "DEFAULT_ID", "DEFAULT_ROOT", "DEFAULT_RUN_DIR", "RUN_FILES",
    "RUNS_DIR_ENV", "Run", "RunStore", "RunSummary", "new_run_id",
]
