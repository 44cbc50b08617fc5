"""The team's shared data folder, found relative to the repository: `../shared/data` next to
the checkout, or, when the checkout is a git worktree, next to the main checkout.

Never an absolute path: a clone elsewhere simply has no shared data, and the benches say so
(the tests skip, naming `missing_reason()`). The one helper for benches and tests
(`tests/conftest.py` loads this file).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _common_checkout(repo: Path) -> Path | None:
    """The main checkout of a git worktree, the way `git rev-parse --git-common-dir` finds
    it without running git: the worktree's `.git` file names its gitdir
    (`gitdir: <main>/.git/worktrees/<name>`), whose `commondir` file names the main `.git`."""
    dot_git = repo / ".git"
    if not dot_git.is_file():
        return None
    text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = (repo / text.split(":", 1)[1].strip()).resolve()
    commondir = gitdir / "commondir"
    try:
        common = (gitdir / commondir.read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        common = gitdir.parent.parent if gitdir.parent.name == "worktrees" else None
    if common is None or common.name != ".git":
        return None  # a bare repository or an unusual layout: no checkout to sit next to
    return common.parent


def checkouts(repo: Path = REPO) -> list[Path]:
    """The checkout itself, then the main checkout if this one is a git worktree."""
    main = _common_checkout(repo)
    return [repo] if main is None or main == repo else [repo, main]


def shared_data(name: str = "", repo: Path = REPO) -> Path | None:
    """`../shared/data[/name]` next to the checkout (or the main checkout), None if absent."""
    for root in checkouts(repo):
        folder = root.parent / "shared" / "data"
        if folder.is_dir():
            target = folder / name if name else folder
            return target if target.exists() else None
    return None


def folk_rnn(repo: Path = REPO) -> Path | None:
    """The 256 folk-rnn tunes (`shared/data/folk-rnn`), or None when not found."""
    folder = shared_data("folk-rnn", repo)
    return folder if folder is not None and folder.is_dir() else None


def missing_reason(name: str, repo: Path = REPO) -> str:
    """Why `shared_data(name)` is None, for a skip message or a bench's printout."""
    places = " nor ".join(str(root.parent / "shared" / "data" / name) for root in checkouts(repo))
    return f"shared data not found: no {places} (a clone elsewhere has none)"
