"""rater: pairwise human preference ratings of machine-generated music, as training data."""

from __future__ import annotations

__version__ = "0.1.0"
