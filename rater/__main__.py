from __future__ import annotations

import os
import sys

# `python -m rater` puts the working folder first on sys.path; rater is imported by now, and
# nothing else may come from there (a `mido.py` beside the samples is data, not code).
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from rater.cli.main import main  # noqa: E402

raise SystemExit(main())
