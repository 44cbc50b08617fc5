"""The shared-data helper (bench/_shared_data.py, used by benches and tests/conftest.py):
`../shared/data` is found next to a checkout or next to the main checkout of a real git
worktree, never by an absolute path; where there is none, tests skip and say why."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import REPO, helper


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def checkout_and_worktree(tmp_path: Path) -> tuple[Path, Path]:
    """tmp/repos/main (a git checkout) and tmp/wt/nested/branch (its worktree)."""
    main = tmp_path / "repos" / "main"
    main.mkdir(parents=True)
    git("init", "-q", cwd=main)
    (main / "f").write_text("x")
    git("add", "f", cwd=main)
    git("commit", "-qm", "one", cwd=main)
    worktree = tmp_path / "wt" / "nested" / "branch"
    git("worktree", "add", "-q", str(worktree), "-b", "branch", cwd=main)
    return main, worktree


def test_found_next_to_the_main_checkout_of_a_worktree(
    checkout_and_worktree: tuple[Path, Path],
) -> None:
    main, worktree = checkout_and_worktree
    folk = main.parent / "shared" / "data" / "folk-rnn"
    folk.mkdir(parents=True)
    common = Path(git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=worktree))
    assert helper.checkouts(worktree) == [worktree, common.parent] == [worktree, main]
    assert helper.folk_rnn(worktree) == folk
    assert helper.folk_rnn(main) == folk
    assert helper.shared_data("abc-blacklist.txt", worktree) is None  # the folder, not the file


def test_the_worktrees_own_neighbour_comes_first(checkout_and_worktree: tuple[Path, Path]) -> None:
    main, worktree = checkout_and_worktree
    (main.parent / "shared" / "data" / "folk-rnn").mkdir(parents=True)
    own = worktree.parent / "shared" / "data" / "folk-rnn"
    own.mkdir(parents=True)
    assert helper.folk_rnn(worktree) == own


def test_none_where_there_is_no_shared_data(checkout_and_worktree: tuple[Path, Path]) -> None:
    main, worktree = checkout_and_worktree
    assert helper.folk_rnn(worktree) is None and helper.shared_data(repo=worktree) is None
    reason = helper.missing_reason("folk-rnn", worktree)
    assert str(worktree.parent / "shared" / "data" / "folk-rnn") in reason
    assert str(main.parent / "shared" / "data" / "folk-rnn") in reason
    plain = main.parent / "plain"  # not a git checkout at all: only its own neighbour
    plain.mkdir()
    assert helper.checkouts(plain) == [plain] and helper.folk_rnn(plain) is None


def test_a_copy_elsewhere_skips_the_folk_rnn_tests_with_the_reason(tmp_path: Path) -> None:
    """The folk-rnn tests on a clone with no ../shared (here: a copy of the files they need
    in a fresh folder) are skipped, and the skip says where the data was looked for."""
    clone = tmp_path / "clone"
    for name in (
        "pyproject.toml",
        "bench/_shared_data.py",
        "tests/conftest.py",
        "tests/shared_data.py",
    ):
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, clone / name)
    shutil.copy(REPO / "tests" / "test_corpus.py", clone / "tests" / "test_corpus.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
        + ["tests/test_corpus.py::test_folk_rnn_files_read"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert f"no {tmp_path / 'shared' / 'data' / 'folk-rnn'}" in done.stdout
