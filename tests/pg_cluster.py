"""A throwaway PostgreSQL cluster for the team tests and bench/team.py (not a test module).

The real server of Debian's `postgresql` package (no mocks): `initdb` into a fresh folder,
`pg_ctl start` on a port of its own with its socket in that folder, trust authentication on
the socket only (nothing listens on the network). The server refuses to run as root, so as
root (a fresh machine, CI) every server command runs as the `postgres` user through
`runuser`, in a folder that user owns; as anyone else it runs as that user.

`Cluster.start()` raises `ClusterError` with the reason (the command and its output) when
the server cannot start: the team tests fail with it, they are not skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


class ClusterError(RuntimeError):
    """The test server could not be started (the message says which command failed)."""


def pg_bin() -> Path:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        raise ClusterError(
            "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/initdb): "
            "scripts/setup --dev installs Debian's postgresql package"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One server in a folder of its own; `stop()` (or `close()`) ends it and removes it."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="rater-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.superuser = "postgres" if self.as_root else _login()
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o755)

    # -- running server commands ---------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if check and done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise ClusterError(
                f"{' '.join(cmd)} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-1500:]}\n{tail}"
            )
        return done

    def start(self) -> Cluster:
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", self.superuser,
                "--no-instructions", "-E", "UTF8", "--locale", "C.UTF-8",
            )  # fmt: skip
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on the existing folder (after `stop`, or a crash)."""
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses='' "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", opts, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m MODE`: `immediate` is a crash (recovery from the WAL on restart)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- connecting ----------------------------------------------------------------------

    def url(self, dbname: str = "postgres", user: str | None = None) -> str:
        """A libpq URL over the cluster's socket folder."""
        return (
            f"postgresql://{user or self.superuser}@/{dbname}"
            f"?host={self.root}&port={self.port}&connect_timeout=5"
        )

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL (as the cluster's superuser)."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


def _login() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
