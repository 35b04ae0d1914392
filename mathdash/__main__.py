"""``python -m mathdash ...``: the command line."""

from mathdash.cli import main

raise SystemExit(main())
