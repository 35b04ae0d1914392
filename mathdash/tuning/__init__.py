"""Hyperparameter search over the configurable CNN with keras-tuner, and the trial table it leaves.

Each search keeps its own directory (``artifacts/searches/<name>``): a rerun resumes it, the Tune
page reads it without tensorflow, and keras-tuner's distributed chief and workers share it.
"""

from mathdash.tuning.search import SearchResult, distributed_role, resume_conflict, run_search, train_config
from mathdash.tuning.tuner import OBJECTIVE
from mathdash.tuning.space import (
    ALGORITHMS,
    SearchSpace,
    TuneConfig,
    build_hypermodel,
    hyperparameters_from,
    params_from_values,
)
from mathdash.tuning.trials import (
    META_FILE,
    SEARCH_ROOT,
    best_search_params,
    best_trial,
    hyperparameter_values,
    list_searches,
    read_meta,
    trial_table,
)

__all__ = [
    "ALGORITHMS",
    "META_FILE",
    "OBJECTIVE",
    "SEARCH_ROOT",
    "SearchResult",
    "SearchSpace",
    "TuneConfig",
    "best_search_params",
    "best_trial",
    "build_hypermodel",
    "distributed_role",
    "hyperparameter_values",
    "hyperparameters_from",
    "list_searches",
    "params_from_values",
    "read_meta",
    "resume_conflict",
    "run_search",
    "train_config",
    "trial_table",
]
