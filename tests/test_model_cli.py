"""`rater model fit` / `rater model score` as a user runs them: real journals, real samples
files, real reading of the tunes, one-line errors."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from model_data import write_journal
from test_cli import run_cli

from rater.core.checks import text_verdict
from rater.core.corpus import read_samples
from rater.core.demo import demo_corpus
from rater.core.records import Pair, Sample, Verdict
from rater.core.settings import CheckSettings
from rater.rating import outcome
from rater.rating.journal import Journal


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """The demo corpus (40 real tunes, 40 Markov ones), their origins, a journal of 200
    decisions preferring real tunes (with noise), and a shared cache folder."""
    root = tmp_path_factory.mktemp("demo")
    corpus = demo_corpus(root / "corpus")
    origins = json.loads((root / "corpus" / "origins.json").read_text())

    def prefer_real(a: Sample, b: Sample, rng: random.Random) -> int | str:
        ra, rb = "markov" not in origins[a.id], "markov" not in origins[b.id]
        if ra == rb:
            return rng.choice([0, 1, "tie"])
        return (0 if ra else 1) if rng.random() < 0.85 else (1 if ra else 0)

    write_journal(root / "r.jsonl", read_samples([str(corpus)]), 200, prefer_real)
    return corpus, origins, root


def fit(root: Path, *extra: str) -> tuple[object, Path]:
    model = root / "m.json"
    result = run_cli("model", "fit", str(root / "r.jsonl"), "--out", str(model), *extra, cwd=root)
    return result, model


def test_fit_reports_accuracy_curve_and_reasons_then_scores(demo: tuple) -> None:
    corpus, origins, root = demo
    result, model = fit(root)
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert "held-out pairwise accuracy" in out and "folds by sample" in out
    for share in ("25%", "50%", "100%"):
        assert f"{share} of the ratings" in out
    assert "what the ratings reward" in out and "music" in out
    assert "reading and features" in out
    data = json.loads(model.read_text())
    assert data["format"] == "rater-preference-model"

    scored = run_cli(
        "model", "score", str(corpus), "--model", str(model), "--csv", "s.csv",
        "--top", "5", "--out", "best.abc", cwd=root,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    with open(root / "s.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "score", "ok", "reasons", "source"]
    assert len(rows) == len(read_samples([str(corpus)]))
    ok = [r["ok"] == "True" for r in rows]
    assert ok == sorted(ok, reverse=True)  # every broken sample after every usable one
    best = read_samples([str(root / "best.abc")])
    assert [s.id for s in best] == [r["id"] for r in rows[:5]]
    good = [r for r in rows if r["ok"] == "True"]
    real = [float(r["score"]) for r in good if "markov" not in origins[r["id"]]]
    made = [float(r["score"]) for r in good if "markov" in origins[r["id"]]]
    wins = sum(a > b for a in real for b in made) / (len(real) * len(made))
    assert wins > 0.75  # the learned taste: real tunes above generated ones


def retitle(path: Path, dest: Path) -> list[str]:
    """The same tunes under other titles (and another file name): ids change, music not."""
    samples = read_samples([str(path)])
    texts = [s.text.replace("T:Demo tune", "T:Quite another name") for s in samples]
    dest.write_text("\n\n".join(texts) + "\n")
    return [s.id for s in samples]


def test_scores_ignore_titles_and_file_names(demo: tuple) -> None:
    corpus, _, root = demo
    _, model = fit(root)
    old_ids = retitle(corpus, root / "renamed.abc")
    for name, src in (("a.csv", corpus), ("b.csv", root / "renamed.abc")):
        result = run_cli("model", "score", str(src), "--model", str(model), "--csv", name, cwd=root)
        assert result.returncode == 0, result.stderr
    rows_a = {r["id"]: r for r in csv.DictReader(open(root / "a.csv", newline=""))}
    rows_b = list(csv.DictReader(open(root / "b.csv", newline="")))
    new_ids = [s.id for s in read_samples([str(root / "renamed.abc")])]
    assert not set(old_ids) & set(new_ids)
    for old, new in zip(old_ids, new_ids, strict=True):
        b = next(r for r in rows_b if r["id"] == new)
        assert b["score"] == rows_a[old]["score"]
    assert len({r["score"] for r in rows_b}) > 20


def test_fit_and_score_need_no_audio_and_no_cache(demo: tuple, tmp_path: Path) -> None:
    """The notes are the tunes' reading: no SoundFont, no render, no cache folder."""
    corpus, _, root = demo
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    env = {"RATER_SOUNDFONT": str(tmp_path / "no-such.sf2"), "RATER_CACHE_DIR": str(blocked)}
    result = run_cli(
        "model", "fit", str(root / "r.jsonl"), "--out", "m.json", cwd=tmp_path, env_extra=env
    )
    assert result.returncode == 0, result.stderr
    assert "held-out pairwise accuracy" in result.stdout
    scored = run_cli("model", "score", str(corpus), "--model", "m.json", cwd=tmp_path,
                     env_extra=env)  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert not list(tmp_path.rglob("*.wav"))


@pytest.mark.parametrize(
    "case",
    ["missing model", "not json", "pickle", "no usable ratings", "out without top", "out is input"],
)
def test_errors_are_one_line_exit_2(case: str, demo: tuple, tmp_path: Path) -> None:
    corpus = demo[0]
    model = tmp_path / "m.json"
    args = ["model", "score", str(corpus), "--model", str(model)]
    if case == "not json":
        model.write_text("{not json")
    elif case == "pickle":
        import pickle

        model.write_bytes(pickle.dumps({"weights": [1, 2]}))
    elif case == "no usable ratings":
        journal = tmp_path / "ties.jsonl"
        write_journal(journal, read_samples([str(corpus)]), 5, lambda a, b, rng: "tie")
        args = ["model", "fit", str(journal), "--out", str(model)]
    elif case == "out without top":
        model.write_text("{}")
        args += ["--out", "best.abc"]
    elif case == "out is input":
        before = corpus.read_bytes()
        args += ["--top", "3", "--out", str(corpus)]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rater: "), result.stderr
    assert "Traceback" not in result.stderr
    expect = {
        "missing model": "no such model file",
        "not json": "not a model file",
        "pickle": "not a model file",
        "no usable ratings": "no usable ratings",
        "out without top": "--top",
        "out is input": "is the input",
    }[case]
    assert expect in lines[0]
    if case == "out is input":
        assert corpus.read_bytes() == before


def test_text_samples_fit_and_score(tmp_path: Path) -> None:
    """Poems (kind text): no notes, no SoundFont needed; the preference for rhyming lines
    about the sea is learned from the words."""
    rng = random.Random(5)
    sea = ["wave", "tide", "shore", "salt", "gull", "foam"]
    land = ["stone", "field", "wheat", "barn", "hill", "lane"]
    poems = []
    for k in range(60):
        words = sea if k % 2 else land
        poems.append(" ".join(rng.choice(words) for _ in range(8)) + f"\nline {k}")
    (tmp_path / "poems.txt").write_text("\n\n".join(poems) + "\n")
    samples = read_samples([str(tmp_path / "poems.txt")], kind="text")

    def sea_wins(a: Sample, b: Sample, rng: random.Random) -> int:
        wa, wb = any(w in a.text for w in sea), any(w in b.text for w in sea)
        return rng.randrange(2) if wa == wb else (0 if wa else 1)

    write_journal(tmp_path / "r.jsonl", samples, 150, sea_wins)
    env = {"RATER_SOUNDFONT": str(tmp_path / "no-such-font.sf2")}
    result = run_cli(
        "model", "fit", "r.jsonl", "--out", "m.json", "--kind", "text", cwd=tmp_path, env_extra=env
    )
    assert result.returncode == 0, result.stderr
    assert "notes:" not in result.stdout and "text n-grams 100%" in result.stdout
    scored = run_cli("model", "score", "poems.txt", "--model", "m.json", "--csv", "s.csv",
                     cwd=tmp_path, env_extra=env)  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    rows = list(csv.DictReader(open(tmp_path / "s.csv", newline="")))
    top = [r["id"] for r in rows[:20]]
    by_id = {s.id: s for s in samples}
    assert sum(any(w in by_id[i].text for w in sea) for i in top) >= 18


def test_two_ratings_still_make_a_model(demo: tuple, tmp_path: Path) -> None:
    """Too few ratings to test anything on held-out samples: said so, model still written
    (it was a traceback: NaN accuracy in the model file)."""
    samples = read_samples([str(demo[0])])
    write_journal(tmp_path / "r.jsonl", samples, 2, lambda a, b, rng: 0)
    result = run_cli("model", "fit", "r.jsonl", "--out", "m.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no held-out pair" in result.stdout and "rate more" in result.stdout
    assert json.loads((tmp_path / "m.json").read_text())["summary"]["accuracy"] is None


def test_rank_with_a_model_keeps_a_once_compared_sample_near_its_model_score(
    demo: tuple,
) -> None:
    """One surprising decision moves a Bradley-Terry score a long way when the prior is 0;
    with the model's scores as prior means it does not overturn what the model learned."""
    corpus, origins, root = demo
    _, model = fit(root)
    scored = run_cli(
        "model", "score", str(corpus), "--model", str(model), "--csv", "p.csv", cwd=root
    )
    assert scored.returncode == 0, scored.stderr
    rows = [r for r in csv.DictReader(open(root / "p.csv", newline="")) if r["ok"] == "True"]
    best = max(
        (r for r in rows if "markov" not in origins[r["id"]]), key=lambda r: float(r["score"])
    )
    worst = min((r for r in rows if "markov" in origins[r["id"]]), key=lambda r: float(r["score"]))
    by_id = {s.id: s for s in read_samples([str(corpus)])}
    # the one decision: the generated tune beat the model's favourite real tune
    pair = Pair(by_id[worst["id"]], by_id[best["id"]])
    Journal(root / "one.jsonl").append(outcome.decide(pair, 0, "test"))
    scores = {}
    for name, extra in (("plain", ()), ("model", ("--model", str(model)))):
        out = f"{name}.csv"
        result = run_cli("rank", str(root / "one.jsonl"), "--csv", out, *extra, cwd=root)
        assert result.returncode == 0, result.stderr
        scores[name] = {r["id"]: float(r["score"]) for r in csv.DictReader(open(root / out))}
    winner = next(r["ids"][0] for r in map(json.loads, open(root / "one.jsonl")))
    loser = best["id"] if winner == worst["id"] else worst["id"]
    assert winner == worst["id"] and loser == best["id"]
    assert scores["plain"][winner] > scores["plain"][loser]  # the data alone
    assert scores["model"][loser] > scores["model"][winner]  # the model's prior holds
    assert "prior means: preference model scores" in result.stdout


def test_fit_learns_from_people_unless_asked_for_the_automatic_ones(demo: tuple) -> None:
    """Issue 21: automatic records (a broken sample lost) taught the model that "it parses"
    wins; by default it learns from people's decisions only, and says what it left out."""
    corpus, _, root = demo
    samples = read_samples([str(corpus)])
    broken = [s for s in samples if not text_verdict(s, CheckSettings()).ok][:4]
    good = [s for s in samples if text_verdict(s, CheckSettings()).ok][-4:]
    journal = Journal(root / "r.jsonl")
    ok, bad = Verdict("", True), Verdict("", False, ("loop",))
    for a, b in zip(good, broken, strict=True):
        journal.append(outcome.auto_decide(Pair(a=a, b=b), ok, bad, "ann"))
    try:
        people, _ = fit(root)
        assert people.returncode == 0, people.stderr  # type: ignore[attr-defined]
        out = people.stdout  # type: ignore[attr-defined]
        assert "left out 4 records: automatic (a broken sample lost; --with-auto" in out
        n = int(out.split("fitted on ")[1].split()[0])
        assert "people's ratings" in out
        both, _ = fit(root, "--with-auto")
        assert both.returncode == 0, both.stderr  # type: ignore[attr-defined]
        assert f"fitted on {n + 4} people's and automatic ratings" in both.stdout  # type: ignore[attr-defined]
    finally:
        for _ in good:
            journal.undo()
