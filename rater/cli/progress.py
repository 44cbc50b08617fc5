"""A progress line with a rate for commands that stream a corpus of unknown length.

`rater check` (rows to a file or `--json`), `rater model score` and `rater render` count
what they have done as they go; a corpus read as a stream has no total until its end, so
the line shows the count, the rate and the time (`checked 120,000 (1,040/s) 0:01:55`). It
goes to stderr, only when stderr is a terminal (never into a log or a pipe).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TypeVar

from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

T = TypeVar("T")
STEP = 64  # items between updates of the line (an update takes a lock)


class _Rate(ProgressColumn):
    """Items per second over the whole run so far."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{task.completed:,.0f} ({rate:,.0f}/s)")


class Rate:
    """`with Rate("checked", shown=...) as rate: for x in rate.count(items): ...`"""

    def __init__(self, what: str, shown: bool = True, total: int | None = None) -> None:
        err = Console(stderr=True)
        self._progress = Progress(
            TextColumn(what),
            _Rate(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not (shown and err.is_terminal),
        )
        self._task = self._progress.add_task(what, total=total)
        self.done = 0

    def __enter__(self) -> Rate:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def count(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, counted as they pass."""
        for item in items:
            self.done += 1
            if self.done % STEP == 0:
                self._progress.update(self._task, completed=self.done)
            yield item
        self._progress.update(self._task, completed=self.done)
