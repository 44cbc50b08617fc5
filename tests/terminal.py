"""A real terminal for tests and benches: a private tmux server running one shell command.

Used to run the README's `make demo` as a person would (test_fresh_clone.py,
bench/fresh_clone.py): read the screen, press keys, and get the command's exit status.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def capture(tmux: Callable[..., str], target: str) -> str:
    """What tmux shows in `target`, wrapped lines joined (trailing blanks trimmed)."""
    text = tmux("capture-pane", "-p", "-J", "-t", target)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def pair_on_screen(screen: str) -> bool:
    """The rating screen with a pair: both panels' letters and ABC headers."""
    return " A " in screen and " B " in screen and "K:" in screen


class Terminal:
    """`command` run by sh in a tmux window (200x50 unless `size` says), its exit status in
    `status_file`. With `keep_screen` the window stays after the command ends, so what it
    left on the terminal (and the terminal's modes: `mode`) can still be read."""

    def __init__(
        self,
        command: str,
        status_file: Path,
        env: dict[str, str] | None = None,
        keep_screen: bool = False,
        size: tuple[int, int] = (200, 50),
    ):
        self.socket = f"rater-{os.getpid()}-{time.monotonic_ns()}"
        self.status_file = status_file
        wrapped = f"{command}; echo $? > {shlex.quote(str(status_file))}"
        if keep_screen:
            wrapped += "; sleep 600"
        x, y = (str(n) for n in size)
        self._tmux("new-session", "-d", "-x", x, "-y", y, "-s", "t", wrapped, env=env)

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        ).stdout

    def screen(self) -> str:
        """The visible screen, with lines the terminal wrapped joined back (`-J`): where a
        long line wraps depends on the length of what it holds (a temp path's), so a test
        that looks for text must not see the break."""
        return capture(self._tmux, "t")

    def rows(self) -> list[str]:
        """The visible screen row by row, as drawn (no lines joined)."""
        return self._tmux("capture-pane", "-p", "-t", "t").split("\n")

    def mode(self, name: str) -> str:
        """A tmux pane variable, e.g. `alternate_on` (1 while on the alternate screen)."""
        return self._tmux("display-message", "-p", "-t", "t", f"#{{{name}}}").strip()

    def resize(self, size: tuple[int, int]) -> None:
        """The window resized as a person drags a terminal smaller or larger."""
        x, y = (str(n) for n in size)
        self._tmux("resize-window", "-t", "t", "-x", x, "-y", y)

    def press(self, key: str) -> None:
        self._tmux("send-keys", "-t", "t", key)

    def wait_for(self, seen: Callable[[str], bool], timeout: float) -> tuple[bool, str]:
        """Poll the screen until `seen(screen)`; (False, last screen) after `timeout` s or
        once the command has ended."""
        end = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < end:
            screen = self.screen()
            if seen(screen):
                return True, screen
            if self.status() is not None:
                break
            time.sleep(0.2)
        return False, screen

    def status(self) -> int | None:
        """The command's exit status, or None while it runs."""
        try:
            text = self.status_file.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text else None

    def wait_exit(self, timeout: float) -> int | None:
        end = time.monotonic() + timeout
        while (code := self.status()) is None and time.monotonic() < end:
            time.sleep(0.1)
        return code

    def close(self) -> None:
        self._tmux("kill-server")


def fresh_clone(repo: Path, dest: Path) -> str:
    """Clone `repo` into `dest` at the commit checked out in `repo` (committed work only, as
    a new user gets it); returns that commit."""
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "clone", "-q", str(repo), str(dest)], check=True, timeout=120)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "--detach", head], check=True)
    return head
