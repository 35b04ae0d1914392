"""MathDash: turn a messy pile of handwritten math-symbol images into a model that reads them.

The package never imports streamlit; heavy libraries (tensorflow) are imported by the modules
that need them, never here.
"""

__version__ = "0.1.0"
