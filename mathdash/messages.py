"""Messages for people: internal paths and object reprs replaced by the name the user knows.

An uploaded zip is stored as ``<upload folder>/<content hash>.zip`` and extracted under
``artifacts/cache/zips/<key>/``; neither means anything to the person who uploaded ``symbols.zip``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

MIN_REPLACED = 8  # shorter file names could match ordinary words
# An extraction folder of a zip (``.../cache/zips/<key>``), with any leading path.
_EXTRACTED = re.compile(r"[^\s'\"()]*cache/zips/[^/\s'\"()]+")
# Reprs of uploaded-file objects (Streamlit's UploadedFile, io buffers).
_FILE_REPRS = re.compile(r"UploadedFile\([^)]*\)|<_io\.[A-Za-z]+ object at 0x[0-9a-f]+>")


def user_message(text: str, name: str, internal: Sequence[str | Path] = ()) -> str:
    """``text`` with every internal path of a source replaced by ``name``.

    Args:
        text: an error message, a load-report note or a skipped file's path.
        name: what the user calls the source (the uploaded file's name, or the path they typed).
        internal: paths the loader used for it (the stored upload); each is replaced whole,
            then by its file name and its stem alone (8 characters or more). Extraction
            folders under ``cache/zips`` and reprs of file objects are replaced too.

    Returns:
        The text a person can read: ``"symbols.zip/alpha/1.png"`` rather than
        ``"artifacts/cache/zips/3fa2.../alpha/1.png"``.
    """
    for path in sorted((str(p) for p in internal if str(p)), key=len, reverse=True):
        text = text.replace(path, name)
        for part in (Path(path).name, Path(path).stem):  # "<hash>.zip", then the bare "<hash>"
            if len(part) >= MIN_REPLACED and part != name:
                text = re.sub(rf"(?<![\w.-]){re.escape(part)}(?![\w-])", name, text)
    text = _EXTRACTED.sub(name, text)
    return _FILE_REPRS.sub(name, text)


def is_extraction_note(note: str) -> bool:
    """True for the loader's "<zip> extracted to <folder>" note, which names only internal folders."""
    return " extracted to " in note and _EXTRACTED.search(note) is not None
