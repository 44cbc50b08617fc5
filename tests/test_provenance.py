"""A journal remembers how its pairs were chosen, and the next sitting on it follows that.

The case from issue 21: a session with `--seed 1`, then `rater autorate` with the default
seed gave 21 more automatic records for other pairs of the same broken samples. Now
autorate reads the journal's seed: 0 extra records; a second seed, asked for, says that it
pairs the samples again. Real sessions and the real command on text samples (the text
checks judge them, nothing is rendered).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rater.core import corpus
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.rating.autorate import autorate_rest
from rater.rating.journal import Journal
from rater.rating.provenance import follow
from rater.rating.session import Session, State

WORDS = ["slow", "wide", "grey", "cold", "deep", "green", "long", "low"]
GOOD = [f"the {w} river bends where the old mill stood, and the heron waits" for w in WORDS]
BROKEN = ["la la la " * 40, "ok ok ok ok " * 30, "buy now! " * 50, "na " * 90]


def texts(tmp_path: Path) -> Path:
    path = tmp_path / "texts.txt"
    path.write_text("\n===\n".join(GOOD + BROKEN) + "\n")
    return path


def lines(journal: Path) -> list[dict]:
    return [json.loads(x) for x in journal.read_text().splitlines()] if journal.exists() else []


def sitting(path: Path, journal: Path, seed: int) -> None:
    """A person rates with `--seed seed`: decides two pairs, then `r` auto-rates the rest."""
    samples = corpus.read_samples([str(path)], kind="text")
    settings = RateSettings(
        rater="ann",
        pairing=PairingSettings("halves", seed=seed),
        render=RenderSettings(),
        checks=CheckSettings(),
        recheck=0.0,
    )
    session = Session(samples, Journal(journal), settings)
    session.start_judging()
    assert session.judging_done.wait(60)
    for best in (0, 1):
        if session.advance() == State.SHOWING:
            session.decide(best)
    autorate_rest(session)


def autorate(path: Path, journal: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rater", "autorate", str(path), "--kind", "text"]
        + ["--ratings", str(journal), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_record_remembers_its_pairing_and_seed(tmp_path: Path) -> None:
    path, journal = texts(tmp_path), tmp_path / "r.jsonl"
    sitting(path, journal, seed=1)
    got = lines(journal)
    assert got and {(r["pairing"], r["seed"]) for r in got} == {("halves", 1)}
    assert any(not r.get("broken") for r in got) and any(r.get("broken") for r in got)


def test_autorate_after_a_session_uses_its_seed_and_adds_nothing(tmp_path: Path) -> None:
    path, journal = texts(tmp_path), tmp_path / "r.jsonl"
    sitting(path, journal, seed=1)
    before = lines(journal)
    done = autorate(path, journal)
    assert done.returncode == 0, done.stderr
    assert "pairing halves, seed 1: as" in done.stderr and "was paired" in done.stderr
    assert "(+0 records)" in done.stdout
    assert lines(journal) == before  # the extra records of the report: 0
    # asked for another seed: a new pass, said so, and it does pair the samples again
    again = autorate(path, journal, "--seed", "0")
    assert again.returncode == 0, again.stderr
    assert "a new pass over" in again.stderr and "pairs the samples again" in again.stderr
    added = lines(journal)[len(before) :]
    assert added and all(r["seed"] == 0 and r["broken"] == 1 for r in added)


def test_a_journal_without_pairing_fields_reads_as_before(tmp_path: Path) -> None:
    """Journals written before records remembered their pairing: the defaults, no line."""
    path, journal = texts(tmp_path), tmp_path / "r.jsonl"
    sitting(path, journal, seed=1)
    old = [{k: v for k, v in r.items() if k not in ("pairing", "seed")} for r in lines(journal)]
    journal.write_text("".join(json.dumps(r) + "\n" for r in old))
    followed = follow(journal, None, None)
    assert followed.settings == PairingSettings() and followed.line == ""
    asked = follow(journal, "active", 4)
    assert (asked.settings.strategy, asked.settings.seed) == ("active", 4)


def test_rate_follows_the_journal_unless_told_otherwise(tmp_path: Path) -> None:
    path, journal = texts(tmp_path), tmp_path / "r.jsonl"
    assert follow(journal, None, None).settings == PairingSettings()  # no journal yet
    sitting(path, journal, seed=3)
    same = follow(journal, None, None)
    assert (same.settings.strategy, same.settings.seed) == ("halves", 3)
    assert "pairing halves, seed 3: as" in same.line
    told = follow(journal, None, 3)
    assert told.settings.seed == 3 and "as asked, the same as" in told.line
    other = follow(journal, "active", None)
    assert (other.settings.strategy, other.settings.seed) == ("active", 3)
    assert "a new pass" in other.line and "pairs the samples again" in other.line
