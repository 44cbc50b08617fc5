from __future__ import annotations

from rater.cli.main import main

raise SystemExit(main())
