"""The generator behind the built-in set: handwriting-like samples of all 82 Kaggle classes.

Typeset glyphs are thinned to centre lines, warped and redrawn with a random pen; datasets add a
Kaggle-like long tail and duplicates with recorded ground truth, all reproducible from a seed.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> submodule. Loaded on first use: reading the shipped pack needs none of the
# drawing code (scipy, matplotlib), so the first launch stays fast.
_EXPORTS = {
    "render_symbol": "render",
    "generate_dataset": "generate",
    "generate_uniques": "generate",
    "sample_grid": "grid",
    "write_kaggle_layout": "layout",
    "class_plan": "plan",
    "KAGGLE_COUNTS": "plan",
    "DUPLICATE_KINDS": "duplicates",
    "build_pack": "pack",
    "load_pack": "pack",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mathdash.synth' has no attribute {name!r}")
    module = importlib.import_module(f"mathdash.synth.{_EXPORTS[name]}")
    return getattr(module, "KINDS" if name == "DUPLICATE_KINDS" else name)
