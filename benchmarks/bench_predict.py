"""Canvas-to-probabilities latency (p50/p95) and the resident memory of the app with a model loaded.

Run: ``.venv/bin/python benchmarks/bench_predict.py [--small] [--rss process|app|both|none]``.
Latency: ``prepare_drawing`` + ``Predictor.topk`` on 280x280 RGBA canvases, against ``model.predict``
per call. Memory: a Python process that imports the Draw page's stack and loads the model
(``process``), and/or ``streamlit run app.py`` after a drawing on the Draw page in Chromium (``app``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the test symbols' strokes, rendered like the canvas does

from browser_support import SYMBOL_STROKES, jitter, render_strokes  # noqa: E402
from mathdash.predict import Predictor, prepare_drawing  # noqa: E402

GOAL_P50_MS = 15.0
GOAL_RSS_MB = 1536.0
_PROCESS_RSS = """
import resource, sys
sys.path.insert(0, {repo!r})
import numpy, pandas, plotly.graph_objects, streamlit, PIL.Image
from mathdash.predict import load_predictor, prepare_drawing
from mathdash.runs import RunStore
predictor = load_predictor({run!r}, RunStore(default_dir={default_dir!r}, root={root!r}))
predictor.topk(numpy.full((45, 45), 255, numpy.uint8))
rss = [line for line in open("/proc/self/status") if line.startswith("VmRSS")][0].split()[1]
print(int(rss) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def load_model_under_test() -> tuple[Predictor, str, str | None]:
    """The shipped default run when it loads, else an untrained baseline CNN of 82 classes.

    Returns:
        (predictor, a description, the run id or None for the stand-in).
    """
    from mathdash.errors import ArtifactError
    from mathdash.predict import load_predictor

    try:
        return load_predictor("default"), "the shipped default run", "default"
    except ArtifactError as error:
        from mathdash.models import build_model
        from mathdash.symbols import KAGGLE_CLASSES

        model = build_model("baseline", len(KAGGLE_CLASSES))
        return Predictor(model, KAGGLE_CLASSES), f"a stand-in untrained baseline CNN ({error})", None


def canvases(count: int, seed: int = 0) -> list[np.ndarray]:
    """Jittered canvas drawings (RGBA uint8 (280, 280, 4)) of the test symbols, pen 3-25 px."""
    rng = np.random.default_rng(seed)
    names = sorted(SYMBOL_STROKES)
    return [render_strokes(jitter(SYMBOL_STROKES[names[i % len(names)]], rng), width=rng.uniform(3, 25))
            for i in range(count)]


def time_calls(function, inputs: list) -> np.ndarray:
    """Milliseconds of each call of ``function`` over ``inputs``: float array (len(inputs),)."""
    times = []
    for item in inputs:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def latency(predictor: Predictor, calls: int, predict_calls: int) -> None:
    drawings = canvases(min(calls, 64))
    inputs = [drawings[i % len(drawings)] for i in range(calls)]
    images = [prepare_drawing(d) for d in drawings]
    full = time_calls(lambda pixels: predictor.topk(prepare_drawing(pixels)), inputs)
    prepare = time_calls(prepare_drawing, inputs)
    model = time_calls(predictor.topk, [images[i % len(images)] for i in range(calls)])
    from mathdash.preprocess import to_model_input

    predict = time_calls(lambda image: predictor.model.predict(to_model_input(image), verbose=0),
                         [images[i % len(images)] for i in range(predict_calls)])
    print(f"\nlatency over {calls} calls (ms)        p50      p95")
    for label, times in [("canvas -> top-5 (prepare + model)", full), ("  prepare_drawing", prepare),
                         ("  model called directly + top-5", model),
                         (f"model.predict per call ({predict_calls} calls)", predict)]:
        print(f"  {label:<38} {np.percentile(times, 50):7.2f}  {np.percentile(times, 95):7.2f}")
    p50 = np.percentile(full, 50)
    verdict = "meets" if p50 <= GOAL_P50_MS else "misses"
    print(f"  p50 {p50:.1f} ms {verdict} the {GOAL_P50_MS:.0f} ms goal; model.predict is "
          f"{np.percentile(predict, 50) / np.percentile(model, 50):.0f}x slower than the direct call")


def process_rss(run_id: str | None) -> None:
    """RSS of a fresh Python process holding the page's imports and the loaded model."""
    if run_id is None:
        print("\nprocess RSS: skipped (needs a saved run; the default run is missing)")
        return
    from mathdash.runs import DEFAULT_ROOT, DEFAULT_RUN_DIR

    script = _PROCESS_RSS.format(repo=str(REPO), run=run_id, default_dir=str(DEFAULT_RUN_DIR),
                                 root=str(DEFAULT_ROOT))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    rss, peak = (float(x) for x in done.stdout.split()[-2:])
    print(f"\nprocess (page imports + model + one prediction): RSS {rss:.0f} MB, peak {peak:.0f} MB"
          f" ({'under' if rss < GOAL_RSS_MB else 'over'} the {GOAL_RSS_MB:.0f} MB goal)")


def app_rss() -> None:
    """RSS of ``streamlit run app.py`` after a drawing was read on the Draw page in Chromium."""
    from browser_support import draw_with_mouse, free_port, streamlit_app
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        print("\napp RSS: skipped (no /usr/bin/chromium)")
        return
    log = Path(tempfile.mkdtemp(prefix="bench-predict-")) / "server.log"
    port = free_port()
    with streamlit_app(port, log) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=120_000)
        page.goto(f"{url}/draw")
        canvas = page.locator("canvas.upper-canvas")
        canvas.wait_for(timeout=120_000)
        draw_with_mouse(page, canvas.bounding_box(), SYMBOL_STROKES["+"], top_skip=48)
        page.locator(".st-key-top_guess").wait_for(timeout=120_000)
        rss = _server_rss(port)
        browser.close()
    print(f"\nstreamlit run app.py, after the Dataset page and a drawing on the Draw page: "
          f"RSS {rss:.0f} MB ({'under' if rss < GOAL_RSS_MB else 'over'} the {GOAL_RSS_MB:.0f} MB goal)")


def _server_rss(port: int) -> float:
    """RSS in MB of the process listening on ``port`` (found through /proc, Linux only)."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"--server.port\0{port}\0" in status.read_text():
                lines = (status.parent / "status").read_text().splitlines()
                return int(next(line for line in lines if line.startswith("VmRSS")).split()[1]) / 1024
        except OSError:
            continue
    raise RuntimeError(f"no process serves port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="50 calls instead of 500: a quick check")
    parser.add_argument("--rss", choices=["process", "app", "both", "none"], default="both")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    predictor, description, run_id = load_model_under_test()
    print(f"model: {description}; {len(predictor.class_names)} classes")
    latency(predictor, calls=50 if args.small else 500, predict_calls=10 if args.small else 50)
    if args.rss in ("process", "both"):
        process_rss(run_id)
    if args.rss in ("app", "both"):
        app_rss()


if __name__ == "__main__":
    main()
