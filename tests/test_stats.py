"""`rater stats`: counts per decision, reasons, raters, sources, rate, agreement."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from rater.analysis.stats import summarise
from rater.core.records import Pair, Sample, Verdict
from rater.rating.journal import Journal
from rater.rating.outcome import auto_decide, decide


def sample(i: int, source: str) -> Sample:
    return Sample(id=f"{i:016x}", text=f"X:{i}\nK:C\nCDEF GABc|", source=source, number=i + 1)


def at(records: list, minute: float) -> list:
    h, m = divmod(minute, 60)
    s = (m - int(m)) * 60
    stamp = f"2026-11-23T{10 + int(h):02d}:{int(m):02d}:{int(s):02d}+00:00"
    return [replace(r, time=stamp) for r in records]


def build(path: Path) -> Journal:
    j = Journal(path)
    pairs = [Pair(sample(2 * k, "gen.abc"), sample(2 * k + 1, "ref.abc")) for k in range(6)]
    # ann: 6 decisions 20 s apart (A, B, A, tie, A, B), then a 2-hour break, then one more
    for k, best in enumerate([0, 1, 0, "tie", 0, 1]):
        j.append(at(decide(pairs[k], best, "ann"), k / 3))
    j.append(at(decide(pairs[0], 1, "ann"), 125))
    # bob re-rates pairs 1..4: agrees on 1 and 3 (tie), disagrees on 2 and 4
    for k, best in [(1, 1), (2, 1), (3, "tie"), (4, 1)]:
        j.append(at(decide(pairs[k], best, "bob"), 200 + k / 3))
    bad = Verdict("", False, ("repetitive", "blacklist"))
    j.append(auto_decide(pairs[5], bad, Verdict("", True), "auto"))
    j.append(auto_decide(pairs[5], bad, Verdict("", False, ("silent",)), "auto"))
    return j


def run_stats(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rater", "stats", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )


def test_summarise(tmp_path: Path) -> None:
    s = summarise(build(tmp_path / "r.jsonl").records())
    assert s.records == 16 and s.decisions == 13
    assert (s.a_wins, s.b_wins, s.ties) == (3, 7, 3)
    assert s.broken == 2 and s.broken_ties == 1
    # per sample: the one broken sample of the two automatic records counts once
    assert s.reasons == {"repetitive": 1, "blacklist": 1, "silent": 1}
    assert s.raters == {"ann": 7, "bob": 4} and s.automatic == {"auto": 2}
    assert s.sources == {"gen.abc": 13, "ref.abc": 13}
    assert s.people_sources == {"gen.abc": 11, "ref.abc": 11}
    assert (s.people_a_wins, s.people_b_wins, s.people_ties) == (3, 6, 2)
    # 11 human decisions; active time excludes the breaks: ann 5 gaps of 20 s, bob 3 of 20 s
    assert s.human_decisions == 11
    assert abs(s.active_hours * 3600 - 160) < 1e-6
    assert s.per_hour is not None and abs(s.per_hour - 11 / (160 / 3600)) < 1e-6
    assert s.first.startswith("2026-11-23T10:00")


def test_cli_stats_with_agreement(tmp_path: Path) -> None:
    j = build(tmp_path / "r.jsonl")
    p = run_stats(j.path)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "decisions" in out and "13" in out and "repetitive" in out
    agree = next(line for line in out.splitlines() if "ann" in line and "bob" in line)
    cells = [c.strip() for c in agree.replace("┃", "│").split("│") if c.strip()]
    assert cells[:4] == ["ann", "bob", "4", "2"]  # shared pairs 1..4, two agreements
    missing = subprocess.run(
        [sys.executable, "-m", "rater", "stats", str(tmp_path / "no")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and "no such ratings journal" in missing.stderr


def test_ties_without_decision_ids_count_once(tmp_path: Path) -> None:
    """Journals written before decision ids: a tie is two consecutive records of one pair."""
    import json

    pairs = [Pair(sample(2 * k, "gen.abc"), sample(2 * k + 1, "ref.abc")) for k in range(2)]
    recs = [*decide(pairs[0], "tie", "ann"), *decide(pairs[0], "tie", "ann")]
    recs += decide(pairs[1], 0, "ann")
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in recs))
    s = summarise(Journal(path).records())
    assert (s.records, s.decisions, s.ties, s.a_wins) == (5, 3, 2, 1)


def test_bar_level_reasons_reach_stats(tmp_path: Path) -> None:
    """The checks' new reasons (loop, bad-header, off-meter, incoherent) travel through
    auto-rating into the journal and come out of `rater stats` by name."""
    from rater.core.checks import text_verdict
    from rater.core.corpus import sample_id
    from rater.core.settings import CheckSettings

    head = "X:1\nM:4/4\nL:1/8\nK:G\n"
    a, b = "GABc dedB", "AGFG A2D2"
    ragged = ["GA", "BcdefgaB", "c", "dBGAB", "GABcdef", "ABC"] * 3  # six bar lengths
    texts = {
        "loop": head + "|".join([a, b, a, a, a, a, b, a, a, a, b, a]) + "|GA",
        "bad-header": head.replace("K:G", "K:G2A2|B2c2|") + "GABc dedB|AGFG A2D2|]\n",
        "off-meter": head + "|".join(ragged) + "|]\n",
        # an unbalanced slur and a stop on a short note: two weak signs
        "incoherent": head + "GABc (dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|GABc dedB|c2ec Bc",
        "good": head + "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|]\n",
    }
    made = {k: Sample(sample_id(t), t, "gen.abc", i) for i, (k, t) in enumerate(texts.items())}
    verdicts = {k: text_verdict(s, CheckSettings()) for k, s in made.items()}
    assert {k: v.reasons for k, v in verdicts.items()} == {
        "loop": ("loop",),
        "bad-header": ("bad-header",),
        "off-meter": ("off-meter",),
        "incoherent": ("incoherent",),
        "good": (),
    }
    j = Journal(tmp_path / "r.jsonl")
    for bad in ("loop", "bad-header", "off-meter", "incoherent"):
        pair = Pair(made[bad], made["good"])
        j.append(auto_decide(pair, verdicts[bad], verdicts["good"], "auto"))
    assert summarise(j.records()).reasons == {
        "loop": 1,
        "bad-header": 1,
        "off-meter": 1,
        "incoherent": 1,
    }
    p = run_stats(j.path)
    assert p.returncode == 0, p.stderr
    reasons_table = p.stdout.split("Broken reasons")[1].split("Raters")[0]
    for name in ("loop", "bad-header", "off-meter", "incoherent"):
        assert name in reasons_table


def test_broken_reasons_count_samples_not_records(tmp_path: Path) -> None:
    """Issue 21: 14 off-meter records against 7 distinct samples (ab pairing pairs a broken
    sample with several partners) is 7 samples, as the table's title says."""
    j = Journal(tmp_path / "r.jsonl")
    off = Verdict("", False, ("off-meter",))
    for k in range(7):
        for partner in (100 + k, 200 + k):
            pair = Pair(sample(k, "gen.abc"), sample(partner, "ref.abc"))
            j.append(auto_decide(pair, off, Verdict("", True), "auto"))
    s = summarise(j.records())
    assert s.broken == 14 and s.reasons == {"off-meter": 7}
    out = run_stats(j.path).stdout
    assert "distinct samples" in out
    row = next(line for line in out.splitlines() if "off-meter" in line)
    assert [c.strip() for c in row.split("│") if c.strip()] == ["off-meter", "7"]
