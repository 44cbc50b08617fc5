"""Reaching the team server: psycopg 3, imported only here and only when `--db` is used.

psycopg comes with the `team` extra (`pip install 'rater[team]'`); without it `--db` is
one line naming the extra. A server that cannot be reached (refused, timed out, dropped
mid-request) is `OfflineError`, the machine's fault: a rating session spools and rates on.
Anything the server refuses on purpose (a policy, a constraint, a missing project) is
`StoreError` with the server's own message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rater.core.errors import OfflineError, SetupError, StoreError
from rater.core.settings import TeamSettings

if TYPE_CHECKING:
    import psycopg

URL_ENV = "RATER_DB"
# SQLSTATE classes of a server that is not there (08: connection exception; 57: shut down,
# starting up); a server that answers and says no (a missing database, a wrong password)
# is not offline: retrying will not help.
_GONE = ("08", "57")
EXTRA_HINT = "--db needs the team extra: pip install 'rater[team]' (psycopg 3)"


def psycopg_module() -> Any:
    """The psycopg package, or SetupError naming the extra."""
    try:
        import psycopg
    except ImportError:
        raise SetupError(EXTRA_HINT) from None
    return psycopg


def url_from(value: str | None) -> str | None:
    """`--db URL`, else `$RATER_DB`, else None (the file journal)."""
    return value or os.environ.get(URL_ENV) or None


def connect(url: str, settings: TeamSettings = TeamSettings()) -> psycopg.Connection[Any]:
    """An autocommit connection (each store method makes its own transactions)."""
    pg = psycopg_module()
    try:
        conn = pg.connect(
            url,
            autocommit=True,
            connect_timeout=settings.connect_timeout,
            options=f"-c statement_timeout={int(settings.statement_timeout * 1000)}",
            **keepalives(settings),
        )
    except pg.ProgrammingError as exc:  # a malformed URL
        raise StoreError(f"--db: {first_line(exc)}") from exc
    except pg.Error as exc:
        raise translate(exc) from exc
    return conn  # type: ignore[no-any-return]


def keepalives(settings: TeamSettings) -> dict[str, int]:
    """libpq's TCP settings that notice a server gone silent (a network cut, a host that
    vanished) instead of waiting on it for the kernel's two hours: a probe after
    `statement_timeout` seconds of quiet, three more a second apart, and data unacknowledged
    for `statement_timeout` seconds drops the connection (over a Unix socket libpq ignores
    them; a server that answers nothing there is cut by `ScreenClient`)."""
    seconds = max(1, round(settings.statement_timeout))
    return {
        "keepalives": 1,
        "keepalives_idle": seconds,
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": seconds * 1000,
    }


def first_line(exc: BaseException) -> str:
    """The server's or libpq's message in one line (their messages run on for lines)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def translate(exc: BaseException) -> StoreError:
    """A psycopg error as the store's: lost connection -> OfflineError, else StoreError."""
    pg = psycopg_module()
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, pg.errors.QueryCanceled):
        return OfflineError(f"team server too slow: {first_line(exc)}")
    if isinstance(exc, pg.OperationalError) and (not state or state[:2] in _GONE):
        return OfflineError(f"team server unreachable: {first_line(exc)}")
    if isinstance(exc, pg.errors.InsufficientPrivilege):
        return StoreError(f"refused by the team server: {first_line(exc)}")
    return StoreError(f"team server: {first_line(exc)}")


@contextmanager
def guarded() -> Iterator[None]:
    """psycopg's errors inside as the store's (`translate`); any other error is a bug and
    passes through as it is."""
    pg = psycopg_module()
    try:
        yield
    except pg.Error as exc:
        raise translate(exc) from exc
