"""Test symbols as pen strokes: rendered offline like the canvas does, or drawn in a browser.

The same stroke paths feed the unit tests (rendered with Pillow onto a transparent canvas), the tiny
model those tests train, and the browser test (drawn with Playwright's mouse on the real canvas).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
CANVAS_SIZE = 280

Stroke = list[tuple[float, float]]  # points (x, y) in canvas units: 0 left/top .. 1 right/bottom


def _ellipse(cx: float, cy: float, rx: float, ry: float, points: int = 24) -> Stroke:
    angles = np.linspace(-np.pi / 2, 1.5 * np.pi, points + 1)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Four symbols drawn the way a person would: a flagged one, a bar, a cross, a tall oval.
SYMBOL_STROKES: dict[str, list[Stroke]] = {
    "1": [[(0.40, 0.33), (0.53, 0.2), (0.53, 0.8)]],
    "-": [[(0.25, 0.5), (0.75, 0.5)]],
    "+": [[(0.5, 0.22), (0.5, 0.78)], [(0.22, 0.5), (0.78, 0.5)]],
    "0": [_ellipse(0.5, 0.5, 0.2, 0.3)],
}

# Shapes that are no symbol: a dense zigzag scribble, and a spiral (taught as a new class).
SCRIBBLE: list[Stroke] = [[(0.15 + 0.7 * (i % 2), 0.15 + 0.0875 * i) for i in range(9)],
                          _ellipse(0.5, 0.5, 0.3, 0.3)]
SPIRAL: list[Stroke] = [[(0.5 + 0.35 * np.cos(a) * a / 8.5, 0.5 + 0.35 * np.sin(a) * a / 8.5)
                         for a in np.linspace(0.5, 8.5, 24)]]


def jitter(strokes: list[Stroke], rng: np.random.Generator, amount: float = 1.0) -> list[Stroke]:
    """The strokes scaled, shifted, slanted and wobbled a little, as a second hand would draw them."""
    scale = rng.uniform(0.7, 1.1) * np.array([rng.uniform(0.85, 1.15), 1.0])
    slant = rng.uniform(-0.15, 0.15) * amount
    shift = rng.uniform(-0.08, 0.08, 2) * amount
    out = []
    for stroke in strokes:
        points = np.asarray(stroke) - 0.5
        points = points * scale
        points[:, 0] += slant * points[:, 1]
        points += 0.5 + shift + rng.normal(0, 0.008 * amount, points.shape)
        out.append([tuple(p) for p in points])
    return out


def render_strokes(strokes: list[Stroke], width: float = 12, size: int = CANVAS_SIZE,
                   colour: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """Draw strokes with a round pen onto a transparent canvas, as the drawable canvas returns it.

    Returns:
        uint8 array (size, size, 4), RGBA, alpha 0 off the strokes.
    """
    factor = 4  # supersampled, so edges are anti-aliased like the browser's canvas
    big = Image.new("RGBA", (size * factor, size * factor), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    pen = width * factor
    for stroke in strokes:
        points = [(x * size * factor, y * size * factor) for x, y in stroke]
        draw.line(points, fill=(*colour, 255), width=round(pen))
        for x, y in points:  # round caps and joins
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=(*colour, 255))
    return np.asarray(big.resize((size, size), Image.Resampling.BOX))


def drawing_set(per_class: int, seed: int) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Jittered canvas drawings of every test symbol at pen widths from 3 to 25 px.

    Returns:
        (canvases: RGBA uint8 (280, 280, 4) each, labels: int64 (N,), class_names).
    """
    rng = np.random.default_rng(seed)
    names = sorted(SYMBOL_STROKES)
    canvases, labels = [], []
    for index, name in enumerate(names):
        for _ in range(per_class):
            width = rng.uniform(3, 25)
            canvases.append(render_strokes(jitter(SYMBOL_STROKES[name], rng), width=width))
            labels.append(index)
    return canvases, np.array(labels, np.int64), names


def train_tiny_model(images: np.ndarray, labels: np.ndarray, num_classes: int, epochs: int = 8):
    """A small CNN fitted to 45x45 images (uint8 (N, 45, 45), ink dark on white); a keras.Model."""
    import keras

    from mathdash.preprocess import to_model_input

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Input((45, 45, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(to_model_input(images), labels, epochs=epochs, batch_size=32, verbose=0)
    return model


# --- the running app ------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_app(port: int, log: Path, root: Path = REPO, timeout: float = 120.0,
                  env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` in ``root`` on ``port`` until the block ends; yields its base URL.

    The server's output goes to ``log`` (a pipe nobody reads could fill up and stall it); ``env``
    adds environment variables (e.g. a run store of the test's own).
    """
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=root, stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
    try:
        _wait_healthy(process, f"http://127.0.0.1:{port}/_stcore/health", timeout, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(process: subprocess.Popen, url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    raise RuntimeError(f"streamlit did not answer {url} within {timeout:.0f} s")


def draw_with_mouse(page, box: dict[str, float], strokes: list[Stroke], top_skip: float = 0.0) -> None:
    """Draw strokes with the mouse inside ``box`` (a Playwright bounding box of the canvas).

    ``top_skip`` pixels at the top of the canvas are left alone: the canvas toolbar covers them
    while the pointer hovers and would take the clicks.
    """
    size = min(box["width"], box["height"] - top_skip)
    left = box["x"] + (box["width"] - size) / 2
    top = box["y"] + top_skip
    for stroke in strokes:
        (x0, y0), *rest = stroke
        page.mouse.move(left + x0 * size, top + y0 * size)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(left + x * size, top + y * size, steps=6)
        page.mouse.up()


def save_tiny_run(root: Path, per_class: int = 40, seed: int = 0) -> tuple[Any, str]:
    """Train the tiny CNN on prepared test drawings and save it as the active run of a new store.

    Returns:
        (the RunStore under ``root`` with no shipped default, the saved run's id).
    """
    from mathdash.predict import prepare_drawing
    from mathdash.runs import RunStore

    canvases, labels, names = drawing_set(per_class, seed)
    images = np.stack([prepare_drawing(canvas) for canvas in canvases])
    model = train_tiny_model(images, labels, len(names))
    store = RunStore(root, default_dir=None)
    run_id = store.save(model, {"model": "tiny", "data": "test drawings"}, {"accuracy": None},
                        {"loss": [0.0]}, names, run_id="tiny")
    store.set_active(run_id, check_model=False)
    return store, run_id
