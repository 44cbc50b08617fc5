"""The team's shared data folder, found relative to the repository: `../shared/data` next to
the checkout, or, when the checkout is a git worktree, next to the main checkout.

Never an absolute path: a clone elsewhere simply has no shared data, and the benches say so.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _checkouts(repo: Path) -> list[Path]:
    """The checkout itself, then the main checkout if this one is a git worktree (its `.git`
    is a file `gitdir: <main>/.git/worktrees/<name>`)."""
    roots = [repo]
    dot_git = repo / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            gitdir = (repo / text.split(":", 1)[1].strip()).resolve()
            if gitdir.parent.name == "worktrees":
                roots.append(gitdir.parent.parent.parent)
    return roots


def shared_data(repo: Path = REPO) -> Path | None:
    for root in _checkouts(repo):
        folder = root.parent / "shared" / "data"
        if folder.is_dir():
            return folder
    return None


def folk_rnn() -> Path | None:
    """The 256 folk-rnn tunes (`shared/data/folk-rnn`), or None when not found."""
    data = shared_data()
    folder = data / "folk-rnn" if data is not None else None
    return folder if folder is not None and folder.is_dir() else None
