"""Hide the drawable canvas's toolbar buttons that do nothing on the Draw page.

The canvas sends every stroke by itself, so "Update the app with this drawing" has no use, and
"Edit" (move, scale, reorder or delete a stroke) gives a symbol nothing; undo, redo and reset stay.
The toolbar lives in the component's (open) shadow root, out of reach of page CSS, so a small
script puts a style sheet inside it, again whenever the canvas is re-created.
"""

from __future__ import annotations

import streamlit as st

HIDDEN_TOOLS = ("Update the app with this drawing", "Edit")

_SCRIPT = """
<script>
(() => {
  if (window.__mathdashCanvasTools) return;
  window.__mathdashCanvasTools = true;
  const css = %s.map(label => `button[aria-label="${label}"]`).join(", ")
    + " { display: none !important; } .dc-toolbar-separator, .dc-toolbar-contextual { display: none !important; }";
  const hosts = (node) => [...node.querySelectorAll("*")].flatMap(
    (el) => el.shadowRoot ? [el, ...hosts(el.shadowRoot)] : []);
  const apply = () => {
    for (const host of hosts(document)) {
      const root = host.shadowRoot;
      if (!root || !root.querySelector(".dc-toolbar") || root.querySelector("style[data-mathdash]")) continue;
      const style = document.createElement("style");
      style.dataset.mathdash = "1";
      style.textContent = css;
      root.appendChild(style);
    }
  };
  apply();
  // the toolbar is built inside the shadow root after its host is added, out of an observer's sight
  setInterval(apply, 300);
})();
</script>
"""


def hide_canvas_tools() -> None:
    """Add the script (once per page; it keeps working across reruns)."""
    labels = "[" + ", ".join(f'"{label}"' for label in HIDDEN_TOOLS) + "]"
    st.html(_SCRIPT % labels, unsafe_allow_javascript=True, width="content")
