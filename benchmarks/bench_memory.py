"""Resident memory of the dashboard's process after each kind of job: train, search, study, predict.

Run: ``.venv/bin/python benchmarks/bench_memory.py [--fraction 0.25] [--epochs 1] [--isolation thread]
[--no-release]``. An in-process equivalent of the pages' work: the pages' imports (streamlit, plotly,
pandas), the built-in dataset loaded as the sidebar loads it, then each job submitted to a job manager
exactly as the Train, Tune and Compare pages submit it (the Train page's default data: deduplicated
and balanced), then the Draw page's predictor on the active model. RSS is read from /proc after
each job has ended; "anonymous" is the part that is not mapped library files (TensorFlow's libraries
alone map about 440 MB). With process isolation (the app's default) each job also prints the peak of
its own process: while a job runs the two add up. ``--isolation thread`` runs the jobs in this
process instead (freed after each, unless ``--no-release``), as the app did before. Runs and
searches go to a temporary folder. Tiny epochs on a share of the data keep it to a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOAL_MB = 1536.0


def _mb(value: int) -> float:
    return value / 2**20


def _line(step: str, started: float, note: str = "") -> None:
    from mathdash.memory import anonymous_rss_bytes, peak_rss_bytes, rss_bytes

    print(f"{step:<52} RSS {_mb(rss_bytes()):5.0f} MB (anonymous {_mb(anonymous_rss_bytes()):5.0f})  "
          f"peak {_mb(peak_rss_bytes()):5.0f} MB  {time.perf_counter() - started:5.0f} s{note}", flush=True)


def _job(manager, kind: str, fn, **kwargs) -> int:
    """Run one job to its end; the peak RSS of its own process in bytes (0 in a thread)."""
    job = manager.submit(kind, fn, title=f"bench {kind}", **kwargs)
    manager.wait()
    if job.state != "done":
        raise SystemExit(f"the {kind} job ended {job.state}: {job.error[:2000]}")
    return job.peak_rss


def _peak(child_peak: int) -> str:
    return f"; the job's own process peaked at {_mb(child_peak):.0f} MB" if child_peak else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.25, help="share of each class used by the jobs")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per run and per trial")
    parser.add_argument("--isolation", choices=["process", "thread"], default="process",
                        help="where jobs run: a process of their own (the app's default) or a thread here")
    parser.add_argument("--no-release", action="store_true",
                        help="with --isolation thread: skip the release after each job (to see what it saves)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    os.environ["MATHDASH_RUNS_DIR"] = str(root / "runs")
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"data share {args.fraction}, {args.epochs} epoch(s); jobs in a {args.isolation}"
          + (f"; release after jobs: {not args.no_release}" if args.isolation == "thread" else ""))
    started = time.perf_counter()

    import pandas  # noqa: F401  the pages' imports
    import plotly.graph_objects  # noqa: F401
    import streamlit  # noqa: F401

    from mathdash import studies, tuning
    from mathdash.jobs import JobManager
    from mathdash.loaders import load_source
    from mathdash.train import TrainConfig, train_model

    if args.no_release:
        import mathdash.memory

        mathdash.memory.release_memory = lambda: None  # after jobs and between a study's runs
    _line("imports", started)
    full = load_source("builtin:symbols")
    data = studies.sample_fraction(full, args.fraction) if args.fraction < 1 else full
    manager = JobManager(args.isolation)
    _line(f"built-in set loaded ({len(full):,} images; jobs use {len(data):,})", started)

    config = TrainConfig(data="builtin:symbols", model="cnn", epochs=args.epochs, balance="median")
    peak = _job(manager, "train", train_model, dataset=data, config=config)
    _line("after a train job (cnn, dedup + balanced)", started, _peak(peak))

    search = tuning.TuneConfig(max_trials=2, epochs=args.epochs, name="bench", batch_size=64)
    peak = _job(manager, "tune", tuning.run_search, dataset=data, config=search, search_root=root / "searches")
    _line("after a search job (2 trials + the best retrained)", started, _peak(peak))

    peak = _job(manager, "study", studies.run_study, name="duplicates", dataset=data, epochs=args.epochs)
    _line("after a study job (duplicates: 3 runs)", started, _peak(peak))

    from mathdash.predict import load_predictor, prepare_drawing
    from mathdash.runs import RunStore

    predictor = load_predictor(None, RunStore())
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[60:220, 130:150, 3] = 255  # a stroke: "1"
    for _ in range(20):
        predictor.topk(prepare_drawing(canvas))
    _line("after loading the active model and 20 predictions", started)

    from mathdash.memory import rss_bytes

    final = _mb(rss_bytes())
    print(f"\nfinal RSS {final:.0f} MB: {'under' if final < GOAL_MB else 'over'} the {GOAL_MB:.0f} MB goal")


if __name__ == "__main__":
    main()
