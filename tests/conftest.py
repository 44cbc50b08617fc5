"""Fixtures shared by several test modules: two playable tunes for the real-player tests
(test_player_alsa.py, test_play.py), and the team's shared data (folk-rnn) for the checks
and corpus tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from shared_data import helper

from rater.core import checks, corpus, demo


@pytest.fixture(scope="session")
def folk_rnn_dir() -> Path:
    """The 256 folk-rnn tunes of `../shared/data/folk-rnn`; skips (saying where it looked)
    where the shared data is not next to the repository, e.g. on a fresh clone in /tmp."""
    folder = helper.folk_rnn()
    if folder is None:
        pytest.skip(helper.missing_reason("folk-rnn"))
    return folder


@pytest.fixture(scope="session")
def two_tunes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first two tunes of the demo corpus that pass the checks (so they are played, not
    auto-rated: some demo tunes are made to fail), in a file of their own."""
    base = tmp_path_factory.mktemp("corpus")
    settings = checks.default_settings()
    good = [
        s.text
        for s in corpus.read_samples([str(demo.demo_corpus(base / "demo"))])
        if checks.text_verdict(s, settings).ok
    ]
    path = base / "two.abc"
    path.write_text("\n\n".join(good[:2]) + "\n")
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A render cache of the test module's own (`RATER_CACHE_DIR`), so what its tests render
    once is found by the next test, and nothing leaks into another module's cache."""
    path = tmp_path_factory.mktemp("cache")
    old = os.environ.get("RATER_CACHE_DIR")
    os.environ["RATER_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        del os.environ["RATER_CACHE_DIR"]
    else:
        os.environ["RATER_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def pg_cluster():  # type: ignore[no-untyped-def]
    """A throwaway PostgreSQL server for the whole run (tests/pg_cluster.py). It is the
    team tests' real server: when it cannot start they fail with the reason, never skip."""
    cluster = _start_cluster()
    yield cluster
    cluster.close()


@pytest.fixture
def team_db(pg_cluster) -> str:  # type: ignore[no-untyped-def]
    """The URL of a fresh database with the team schema (as the cluster's superuser)."""
    from rater.rating.store import schema
    from rater.rating.store.connect import connect

    url = pg_cluster.new_database()
    with connect(url) as conn:
        schema.migrate(conn)
    return url


@pytest.fixture
def own_cluster():  # type: ignore[no-untyped-def]
    """A server this test may stop and restart (the shared one stays up for the others)."""
    cluster = _start_cluster()
    yield cluster
    cluster.close()


def _start_cluster():  # type: ignore[no-untyped-def]
    """A started throwaway server, or the test FAILS with the reason (never skipped)."""
    from pg_cluster import Cluster, ClusterError

    try:
        return Cluster().start()
    except ClusterError as exc:
        pytest.fail(f"the team tests need a PostgreSQL server, which could not start: {exc}")
