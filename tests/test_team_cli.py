"""`rater db ...` and `--db` on the reading commands, in-process against the real server:
journals in and out idempotently, and the training rows of `rater export` the same from
the team database as from the file journal for the same decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from consumers import halves_texts, rate, write_corpus

from rater.cli.main import main
from rater.rating.journal import Journal


def _rater(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _imported(pg_cluster, corpus: Path, journal: Path, capsys) -> str:  # type: ignore[no-untyped-def]
    """A fresh database with project p: the corpus added, the journal imported."""
    url = pg_cluster.new_database()
    for args in (
        ["db", "init"],
        ["db", "add", str(corpus), "--kind", "text", "--project", "p"],
        ["db", "import", str(journal), "--project", "p"],
    ):
        assert _rater([*args, "--db", url], capsys)[0] == 0
    return url


@pytest.fixture
def rated(tmp_path: Path) -> tuple[Path, Path]:
    """A text corpus and a journal of every pair rated through the real Session (ties and
    automatic records of broken samples included)."""
    corpus = write_corpus(tmp_path / "corpus.txt", halves_texts())
    journal = tmp_path / "ratings.jsonl"
    rate(corpus, journal)
    return corpus, journal


def test_db_init_add_import_export_round_trip(
    pg_cluster, rated: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, journal = rated
    url = pg_cluster.new_database()
    db = ["--db", url]
    assert _rater(["db", "init", *db], capsys)[1].startswith("team database: schema version 0 ->")
    assert "up to date" in _rater(["db", "init", *db], capsys)[1]
    code, out, _ = _rater(
        ["db", "add", str(corpus), "--kind", "text", "--project", "p", "--overlap", "2", *db],
        capsys,
    )
    assert code == 0 and "15 new samples, 7 new pairs" in out and "overlap 2" in out
    decisions = len({r.extra["decision"] for r in Journal(journal).records()})
    out = _rater(["db", "import", str(journal), "--project", "p", *db], capsys)[1]
    assert f"imported {decisions} decisions, 0 already there" in out
    out = _rater(["db", "import", str(journal), str(journal), "--project", "p", *db], capsys)[1]
    # the journal named twice is read once (each decision once: issue 22), all already there
    assert f"imported 0 decisions, {decisions} already there" in out

    exported = tmp_path / "team.jsonl"
    out = _rater(["db", "export", "--project", "p", "--out", str(exported), *db], capsys)[1]
    assert f"wrote {decisions} decisions" in out
    out = _rater(["db", "export", "--project", "p", "--out", str(exported), *db], capsys)[1]
    assert f"wrote 0 decisions, {decisions} already there (project p)" in out
    assert [r.to_json() for r in Journal(exported).records()] == [
        r.to_json() for r in Journal(journal).records()
    ]


@pytest.mark.parametrize("fmt", ["oa", "trl"])
def test_training_rows_from_the_team_database_equal_the_file_journals(
    pg_cluster, rated: tuple[Path, Path], tmp_path: Path, capsys, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    corpus, journal = rated
    url = _imported(pg_cluster, corpus, journal, capsys)
    db = ["--db", url]
    out = ["db", "export", "--project", "p", "--out", str(tmp_path / "team.jsonl")]
    assert _rater([*out, *db], capsys)[0] == 0
    outs = {}
    for name, source in (
        ("file", [str(journal)]),
        ("export", [str(tmp_path / "team.jsonl")]),
        ("db", ["--project", "p", *db]),
    ):
        out = tmp_path / f"{name}.{fmt}"
        code, text, err = _rater(["export", *source, "--format", fmt, "--out", str(out)], capsys)
        assert code == 0, err
        outs[name] = out.read_text()
    assert outs["file"] == outs["export"] == outs["db"]
    rows = json.loads(outs["file"]) if fmt == "oa" else outs["file"].splitlines()
    assert len(rows) >= 6


def test_reading_commands_take_a_project(
    pg_cluster, rated: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, journal = rated
    url = _imported(pg_cluster, corpus, journal, capsys)
    db = ["--db", url]
    for command in (["stats", "--json"], ["rank"], ["ab-report"]):
        file_run = _rater([*command, str(journal)], capsys)
        db_run = _rater([*command, "--project", "p", *db], capsys)
        assert db_run[:2] == file_run[:2], command
    code, _, err = _rater(["rank", "--db", url], capsys)
    assert code == 2 and err == "rater: --db needs --project NAME (the team project to read)\n"
    code, _, err = _rater(["rank", str(journal), "--db", url, "--project", "p"], capsys)
    assert code == 2 and "name no journals beside it" in err
    missing = pg_cluster.url("no_such_database")
    code, _, err = _rater(["db", "add", str(corpus), "--project", "q", "--db", missing], capsys)
    assert code == 2 and err.count("\n") == 1 and 'no_such_database" does not exist' in err


def test_autorate_a_project_writes_each_automatic_record_once(
    pg_cluster, rated: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, _ = rated
    url = pg_cluster.new_database()
    db = ["--db", url]
    for args in (["db", "init"], ["db", "add", str(corpus), "--kind", "text", "--project", "p"]):
        assert _rater([*args, *db], capsys)[0] == 0
    code, out, err = _rater(["autorate", "--project", "p", *db], capsys)
    assert code == 0, err
    auto = int(out.split("auto-rated:")[1].split()[0])
    assert auto >= 1 and "project p: 7 open pairs" in out
    code, out, _ = _rater(["autorate", "--project", "p", *db], capsys)
    assert f"project p: {7 - auto} open pairs" in out and "auto-rated:                 0" in out
    code, _, err = _rater(["autorate", str(corpus)], capsys)
    assert code == 2 and "--ratings FILE" in err


def test_model_fit_and_score_on_a_project(
    pg_cluster, rated: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, journal = rated
    url = _imported(pg_cluster, corpus, journal, capsys)
    model = tmp_path / "model.json"
    db = ["--project", "p", "--db", url]
    code, out, err = _rater(
        ["model", "fit", *db, "--out", str(model), "--kind", "text", "--folds", "2"], capsys
    )
    assert code == 0, err
    code, out, err = _rater(["model", "score", *db, "--model", str(model)], capsys)
    assert code == 0, err
    assert "15 samples scored" in out
