"""Where the team's shared data lives: `../shared/data` next to the repository.

A worktree sits one level deeper than the main checkout (`/work/wt/NAME` vs `/work/main`), so
the folder is looked up in the repository's ancestors rather than at one fixed relative path;
never by an absolute path, and never copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_data(name: str) -> Path | None:
    """`<ancestor>/shared/data/<name>` for the nearest ancestor of the repository that has it."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / name
        if candidate.exists():
            return candidate
    return None
