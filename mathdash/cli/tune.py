"""``python -m mathdash tune``: search the CNN's hyperparameters with keras-tuner, alone or distributed.

Example: ``python -m mathdash tune --data builtin:symbols --algorithm bayesian --max-trials 20 --epochs 8``.
Distributed (keras-tuner's own mode): one ``--chief`` serves the oracle, ``--worker --tuner-id
tunerN`` processes run trials; all share ``--oracle-ip``/``--oracle-port`` (or KERASTUNER_* variables).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from mathdash.errors import ConfigError

DEFAULT_ORACLE_IP = "127.0.0.1"
DEFAULT_ORACLE_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tune`` subcommand."""
    parser = subparsers.add_parser("tune", help="search CNN hyperparameters with keras-tuner",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="builtin:symbols", help="data source (default builtin:symbols)")
    parser.add_argument("--kind", default="auto", help="loader kind of --data (default: detect)")
    parser.add_argument("--limit-per-class", type=int, default=None, metavar="K",
                        help="use at most K images of each class (a quicker search)")
    parser.add_argument("--algorithm", default="random", choices=["random", "hyperband", "bayesian"])
    parser.add_argument("--max-trials", type=int, default=10, help="most trials (Hyperband: a cap)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per trial (Hyperband: the most)")
    parser.add_argument("--executions", type=int, default=1, help="trainings per trial, averaged")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="search", help="search name: its directory; the same name resumes")
    parser.add_argument("--space", default=None, metavar="JSON",
                        help='override search ranges, e.g. \'{"filters": [8, 16], "blocks": [1, 2]}\'')
    parser.add_argument("--no-save", action="store_true",
                        help="do not retrain and save the best trial as a run")
    parser.add_argument("--search-root", default=None,
                        help="parent of search directories (default artifacts/searches)")
    parser.add_argument("--runs-dir", default=None, help="run store directory (default artifacts/runs)")
    parser.add_argument("--list", action="store_true", help="list the searches under --search-root and exit")
    parser.add_argument("--show", action="store_true", help="print the trial table of --name and exit")
    role = parser.add_mutually_exclusive_group()
    role.add_argument("--chief", action="store_true", help="serve the oracle for --worker processes")
    role.add_argument("--worker", action="store_true", help="run trials for a --chief")
    parser.add_argument("--tuner-id", default=None,
                        help="worker id, e.g. tuner1 (default $KERASTUNER_TUNER_ID)")
    parser.add_argument("--oracle-ip", default=None, help=f"chief address (default $KERASTUNER_ORACLE_IP "
                                                          f"or {DEFAULT_ORACLE_IP})")
    parser.add_argument("--oracle-port", type=int, default=None,
                        help=f"chief port (default $KERASTUNER_ORACLE_PORT or {DEFAULT_ORACLE_PORT})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the search and print its trial table, best hyperparameters and run id."""
    from mathdash.tuning import SEARCH_ROOT, list_searches, trial_table

    root = Path(args.search_root) if args.search_root else SEARCH_ROOT
    if args.list:
        print(_format_searches(list_searches(root)))
        return 0
    if args.show:
        print(trial_table(root / args.name).to_string(index=False))
        return 0
    config = config_from_args(args)
    role = set_distributed_env(args)
    return _search(args, config, root, role)


def config_from_args(args: argparse.Namespace) -> Any:
    """The ``TuneConfig`` the command line describes."""
    from mathdash.tuning import SearchSpace, TuneConfig

    space = SearchSpace()
    if args.space:
        try:
            overrides = json.loads(args.space)
        except json.JSONDecodeError as error:
            raise ConfigError(f"--space is not JSON: {error}") from error
        space = SearchSpace.from_dict({**space.to_dict(), **overrides})
    return TuneConfig(
        algorithm=args.algorithm, max_trials=args.max_trials, epochs=args.epochs, executions=args.executions,
        seed=args.seed, name=args.name, batch_size=args.batch_size, save_best=not args.no_save, space=space,
    )


def set_distributed_env(args: argparse.Namespace) -> str:
    """Set keras-tuner's KERASTUNER_* variables for ``--chief``/``--worker``; returns the role.

    Without either flag the environment is left as it is (a process launched with the variables
    already set takes the role they give).
    """
    if not (args.chief or args.worker):
        from mathdash.tuning import distributed_role

        return distributed_role()
    tuner_id = "chief" if args.chief else (args.tuner_id or os.environ.get("KERASTUNER_TUNER_ID", ""))
    if args.worker and (not tuner_id or "chief" in tuner_id):
        raise ConfigError("a worker needs --tuner-id (e.g. tuner1), one per worker, without 'chief' in it")
    os.environ["KERASTUNER_TUNER_ID"] = tuner_id
    address = args.oracle_ip or os.environ.get("KERASTUNER_ORACLE_IP", DEFAULT_ORACLE_IP)
    port = args.oracle_port or os.environ.get("KERASTUNER_ORACLE_PORT", DEFAULT_ORACLE_PORT)
    os.environ["KERASTUNER_ORACLE_IP"] = address
    os.environ["KERASTUNER_ORACLE_PORT"] = str(port)
    return "chief" if args.chief else "worker"


def _search(args: argparse.Namespace, config: Any, root: Path, role: str) -> int:
    from mathdash.loaders import load_source
    from mathdash.runs import RunStore
    from mathdash.studies import limit_per_class
    from mathdash.tuning import run_search

    dataset = load_source(args.data, kind=args.kind)
    if args.limit_per_class:
        dataset = limit_per_class(dataset, args.limit_per_class, seed=args.seed)
    print(f"data: {args.data}: {len(dataset)} images, {dataset.num_classes} classes")
    if role != "local":
        address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
        print(f"{role} {os.environ['KERASTUNER_TUNER_ID']} of the search at {address}")
    store = RunStore(args.runs_dir) if args.runs_dir else RunStore()
    if role == "chief":
        print("serving the oracle until every worker has finished")
    bar = CountBar(unit="trial")
    try:
        progress = None if role == "chief" else bar.update  # the chief runs no trial
        result = run_search(dataset, config, search_root=root, progress=progress, store=store)
    finally:
        bar.close()
    print(result.trials.to_string(index=False))
    if result.best_score is not None:
        print(f"best validation accuracy: {result.best_score:.4f}")
        print("best hyperparameters: " + json.dumps(result.best_hyperparameters))
    if result.run_id:
        print(f"run: {result.run_id}")
    return 0


def _format_searches(searches: list[dict[str, Any]]) -> str:
    if not searches:
        return "no searches yet"
    lines = []
    for entry in searches:
        best = "-" if entry["best_score"] is None else f"{entry['best_score']:.4f}"
        lines.append(f"{entry['name']}: {entry['algorithm']} on {entry['dataset']}, {entry['completed']}/"
                     f"{entry['trials']} trials done, best {best}, run {entry['run_id'] or '-'}")
    return "\n".join(lines)


class CountBar:
    """A tqdm bar over counted steps (trials, runs), fed by ``progress(done, total, message)``."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self._bar: Any = None

    def update(self, done: int, total: int, message: str = "") -> None:
        from tqdm import tqdm

        if self._bar is None or self._bar.total != total:
            self.close()
            self._bar = tqdm(total=total, unit=self.unit)
        self._bar.update(done - self._bar.n)
        self._bar.set_postfix_str(message, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
