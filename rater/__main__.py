from __future__ import annotations

from rater.cli import main

raise SystemExit(main())
