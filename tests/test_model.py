"""The preference model as a library: what it reads, how it learns, how it is checked."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from model_data import real_tunes, write_journal

from rater.analysis.model import content, explain, fit, learn, modelfile, music
from rater.analysis.model import rows as rows_mod
from rater.analysis.model.features import Content, design, rows_of, text_matrix
from rater.analysis.model.rows import feature_rows
from rater.core import abc
from rater.core.corpus import sample_id
from rater.core.errors import ModelError
from rater.core.records import Sample
from rater.core.settings import FeatureSettings, FitSettings, RenderSettings
from rater.rating.reading import read_journals

TUNE = """X:3
T:The Secret Title
C:Some Composer
S:Some Book, p. 12
Z:Someone transcribed it
N:a note about the tune
R:reel
M:4/4
L:1/8
Q:1/4=120
K:G
% a comment naming the source
"^Allegro"GABc dBAG|"D"FGAB cAFD|GABc dBAG|1 AGFA G4:|2 AGFA G2 z2|]
w:some lyric words
"""


def retitled(sample: Sample, title: str, source: str) -> Sample:
    text = sample.text.replace("T:", f"T:{title} ", 1) + "\n% written by the generator\n"
    return Sample(sample_id(text), text, source, 99, title)


def test_content_keeps_the_music_and_drops_every_name() -> None:
    text = content.content_text(TUNE)
    for gone in ("Secret", "Composer", "Book", "Someone", "a note", "reel", "comment", "lyric"):
        assert gone not in text
    assert "Allegro" not in text and '"D"' in text  # annotations go, chord symbols stay
    assert text.splitlines()[:4] == ["M:4/4", "L:1/8", "Q:1/4=120", "K:G"]
    assert "GABc dBAG|" in text
    assert content.content_text("A poem\nT: not a field here", kind="text").startswith("A poem")


def clip_of(text: str) -> abc.Clip:
    """The clip a rating session plays of `text` (default render settings)."""
    r = RenderSettings()
    return abc.clip(abc.perform(abc.parse(text)), r.clip_seconds, r.speed)


def features_of(text: str) -> dict[str, float]:
    _, body = content.split_header(content.content_text(text))
    got = music.features(abc.parse(text), clip_of(text), body)
    return dict(zip(music.NAMES, got, strict=True))


def test_bar_features_of_a_known_tune() -> None:
    f = features_of(TUNE)
    assert f["bar_fit"] == 1.0 and f["final_bar"] == 1.0 and f["tonic_end"] == 1.0
    assert f["repeated_bars"] == pytest.approx(1 / 5)  # GABc dBAG comes twice in five bars
    ragged = TUNE.replace("dBAG|", "dB|").replace("cAFD", "cAFDE2")
    assert features_of(ragged)["bar_fit"] < 0.5
    rests = features_of("X:1\nM:4/4\nL:1/4\nK:C\nz4|z4|]\n")
    assert rests["parsed"] == 0 and math.isnan(rests["steps"])  # no notes: unknown, not zero


def test_note_features_of_a_scale() -> None:
    scale = "X:1\nM:4/4\nL:1/4\nK:C\nC D E F | G A B c | c B A G | F E D C |]\n"
    f = features_of(scale)
    assert f["parsed"] == 1 and f["range"] == 12
    assert f["steps"] == pytest.approx(14 / 15) and f["repeated_notes"] == pytest.approx(1 / 15)
    assert f["in_key"] == 1.0 and f["rhythm_variety"] == 0.0 and f["chords"] == 0.0
    assert f["major"] == 1.0 and f["key_clarity"] > 0.8


@pytest.fixture(scope="module")
def tunes() -> list[Sample]:
    """120 real tunes."""
    return real_tunes(120)


def range_of(sample: Sample) -> int:
    pitches = [n.pitch for n in clip_of(sample.text).notes]
    return max(pitches) - min(pitches)


def fitted(tunes: list[Sample], tmp_path: Path, prefer: object, n: int = 300) -> tuple:
    journal = write_journal(tmp_path / "r.jsonl", tunes, n, prefer)  # type: ignore[arg-type]
    found = learn.content_games(read_journals([journal]))
    return learn.fit_model(found.samples, found.games, settings=FitSettings(C=1.0)), found


def test_a_learnable_preference_is_learned_and_a_random_one_is_not(
    tunes: list[Sample], tmp_path: Path
) -> None:
    def wider(a: Sample, b: Sample, rng: random.Random) -> int:
        d = range_of(a) - range_of(b)
        return 0 if rng.random() < 1 / (1 + math.exp(-d / 2)) else 1

    (model, report), _ = fitted(tunes, tmp_path, wider)
    lo, _ = report.accuracy.interval
    assert report.accuracy.value > 0.7 and lo > 0.6
    assert report.reasons[0].phrase == "a wider pitch range"
    (_, coin), _ = fitted(tunes, tmp_path / "coin", lambda a, b, rng: rng.randrange(2))
    lo, hi = coin.accuracy.interval
    assert lo < 0.5 < hi and coin.accuracy.value < 0.62


def test_same_content_under_other_titles_and_sources_scores_the_same(
    tunes: list[Sample], tmp_path: Path
) -> None:
    (model, _), _ = fitted(tunes, tmp_path, lambda a, b, rng: int(len(a.text) < len(b.text)))
    originals = tunes[:20]
    copies = [retitled(s, f"Copy {k}", f"other/file{k}.abc") for k, s in enumerate(originals)]
    assert all(c.id != o.id for c, o in zip(copies, originals, strict=True))
    a = model.score(feature_rows(originals, model.features))
    b = model.score(feature_rows(copies, model.features))
    assert np.array_equal(a, b) and len(set(a.tolist())) > 10


def test_json_round_trip_scores_identically(tunes: list[Sample], tmp_path: Path) -> None:
    (model, _), _ = fitted(tunes, tmp_path, lambda a, b, rng: int(len(a.text) < len(b.text)))
    path = tmp_path / "m.json"
    modelfile.save(model, path)
    back = modelfile.load(path)
    rows = feature_rows(tunes, model.features)
    assert np.array_equal(model.score(rows), back.score(rows))
    assert modelfile.to_json(back) == modelfile.to_json(model)
    x = model.matrix(rows)
    diff = x[:10] - x[10:20]
    assert np.array_equal(model.variance(diff), back.variance(diff))


def test_a_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    import pickle

    evil = tmp_path / "model.json"
    evil.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ModelError, match="not a model file"):
        modelfile.load(evil)
    assert not marker.exists()


def test_a_model_file_is_data_with_known_fields_only(tunes: list[Sample], tmp_path: Path) -> None:
    (model, _), _ = fitted(tunes, tmp_path, lambda a, b, rng: 0, n=40)
    good = modelfile.to_json(model)
    bad_cases = [
        {**good, "code": "__import__('os').system('true')"},
        {**good, "text_weights": "lambda: 1"},
        {**good, "music_weights": [float("nan")] * len(music.NAMES)},
        {**good, "features": {**good["features"], "kind": {"__class__": "x"}}},
        {**good, "features": {**good["features"], "dialect": "klingon"}},
        {**good, "features": {k: v for k, v in good["features"].items() if k != "dialect"}},
        {**good, "text_columns": [-1]},
        {**good, "version": 99},
        [good],
    ]
    for case in bad_cases:
        with pytest.raises(ModelError):
            modelfile.from_json(case)
    path = tmp_path / "nan.json"
    path.write_text('{"format": "rater-preference-model", "C": NaN}')
    with pytest.raises(ModelError, match=r"not a model file \(NaN is not a number\)"):
        modelfile.load(path)


def test_cv_folds_never_train_on_a_held_out_sample() -> None:
    rng = np.random.default_rng(3)
    n = 60
    a, b = rng.integers(0, n, 500), rng.integers(0, n, 500)
    keep = a != b
    games = fit.Games(a[keep], b[keep], np.zeros(keep.sum(), bool))
    fold = fit.sample_folds(n, 5, seed=1)
    assert sorted(np.bincount(fold).tolist()) == [12] * 5
    for k in range(5):
        train, test = fit.split(games, fold, k)
        held = set(games.first[test].tolist()) | set(games.second[test].tolist())
        seen = set(games.first[train].tolist()) | set(games.second[train].tolist())
        assert held and not held & seen and not (train & test).any()


def test_cross_validation_trains_only_on_pairs_outside_the_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(4)
    n = 40
    a, b = rng.integers(0, n, 300), rng.integers(0, n, 300)
    keep = a != b
    games = fit.Games(a[keep], b[keep], np.zeros(keep.sum(), bool))
    x = np.eye(n)
    calls: list[set[int]] = []
    real_fit = fit.fit_rows

    def spy(r: fit.Rows, C: float) -> np.ndarray:
        calls.append(set(games.first[r.game].tolist()) | set(games.second[r.game].tolist()))
        return real_fit(r, C)

    monkeypatch.setattr(fit, "fit_rows", spy)
    acc = fit.cross_validate(x, games, 1.0, folds=4, seed=2)
    fold = fit.sample_folds(n, 4, 2)
    assert len(calls) == 4 and acc.n > 0
    for k, used in enumerate(calls):
        assert used and not used & set(np.flatnonzero(fold == k).tolist())


def test_ties_count_half_and_only_ties_is_no_model() -> None:
    x = np.eye(3)
    games = fit.Games(np.array([0, 1]), np.array([1, 2]), np.array([False, True]))
    r = fit.rows(x, games)
    assert r.diff.shape[0] == 3 and r.weight.tolist() == [1.0, 0.5, 0.5]
    assert sorted(r.y[1:]) == [0, 1] and r.game.tolist() == [0, 1, 1]
    assert (r.diff[1] != r.diff[2]).nnz == 0  # the same difference, once each way
    # ten ties between 0 and 1 and one win of 2 over 3: 0 and 1 end level, 2 above 3
    many = fit.Games(
        np.array([0] * 10 + [2]), np.array([1] * 10 + [3]), np.array([True] * 10 + [False])
    )
    w = fit.train(np.eye(4), many, 1.0)
    assert w[0] == pytest.approx(w[1], abs=1e-6) and w[2] > w[3] + 0.1
    tie_only = fit.Games(np.array([0]), np.array([1]), np.array([True]))
    texts = [Sample(sample_id(t), t, "", k, kind="text") for k, t in enumerate("ab")]
    with pytest.raises(ModelError, match="no usable ratings"):
        learn.fit_model(texts, tie_only, FeatureSettings(kind="text"))


def test_hashed_columns_get_their_ngram_names() -> None:
    settings = FeatureSettings(kind="text", ngram_max=2)
    texts = ["abc|def|", "abc|abc|"]
    x = text_matrix([Content(t) for t in texts], settings)
    names = explain.name_columns(texts, x.indices.tolist(), settings)
    assert set(names) == set(x.indices.tolist())
    assert "abc" in names.values() and "abc|" in names.values()


def test_text_rows_count_each_documents_own_ngrams() -> None:
    """Windows never cross from one text into the next, and rows have unit length."""
    settings = FeatureSettings(kind="text", ngram_max=2)
    together = text_matrix([Content("abc|"), Content("def|")], settings)
    apart = [text_matrix([Content(t)], settings) for t in ("abc|", "def|")]
    for k in range(2):
        assert (together[k] != apart[k]).nnz == 0
    assert np.allclose(np.asarray(together.multiply(together).sum(axis=1)).ravel(), 1.0)


def test_design_fills_unknown_music_with_the_mean_and_clips() -> None:
    tunes = ("K:C\nCDEF|", "K:C\nGABc|GABc|")
    samples = [Sample(sample_id(t), t, "", k) for k, t in enumerate([*tunes, "zz"])]
    settings = FeatureSettings()
    rows = rows_of(samples, settings)
    assert np.isnan(rows.music[2]).sum() > 0  # "zz" has no notes
    x, scaling = design(rows, settings)
    dense = x[:, : len(music.NAMES)].toarray()
    assert np.isfinite(dense).all() and np.abs(dense).max() <= 5.0
    again, _ = design(rows, replace(settings), scaling)
    assert (again != x).nnz == 0


def test_the_model_reads_the_notes_a_rater_hears(tunes: list[Sample], tmp_path: Path) -> None:
    """One reading: the model's clip is the rendered clip, note for note."""
    from rater.audio.render import parse_one, render_one
    from rater.audio.synth import find_soundfont

    settings = RenderSettings(soundfont=find_soundfont())
    for s in tunes[:3]:
        parsed, rendered = parse_one(s, settings), render_one(s, settings, tmp_path)
        assert parsed.wav_path is None and rendered.wav_path is not None
        assert clip_of(s.text).notes == parsed.notes == rendered.notes and parsed.notes
        assert parsed.music_seconds == rendered.music_seconds


def test_feature_rows_in_worker_processes_match_one_process(
    tunes: list[Sample], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = FeatureSettings()
    one = feature_rows(tunes, settings, workers=1)
    monkeypatch.setattr(rows_mod, "MIN_PARALLEL", 0)
    monkeypatch.setattr(rows_mod, "CHUNK", 25)
    two = feature_rows(tunes, settings, workers=2)
    assert np.array_equal(one.music, two.music, equal_nan=True) and (one.text != two.text).nnz == 0
    x_one, _ = design(one, settings)
    x_two, _ = design(two, settings)
    assert (x_one != x_two).nnz == 0


def test_the_model_package_ships_in_a_wheel() -> None:
    """A folder without __init__.py is a namespace package, which find_packages leaves out."""
    from setuptools import find_packages

    import rater.analysis.model

    assert rater.analysis.model.__file__ is not None
    root = Path(rater.analysis.model.__file__).parents[3]
    assert "rater.analysis.model" in find_packages(str(root), include=["rater*"])


def test_rows_always_hold_both_labels() -> None:
    """A few decisive games whose random signs all agree would leave the solver one class
    (scikit-learn raises); the model strategy fits on 10 games, so that happens 1 in 512."""
    import scipy.sparse as sp

    x = sp.identity(6, format="csr")
    games = fit.Games(np.array([0, 1, 2]), np.array([3, 4, 5]), np.zeros(3, bool))
    for seed in range(200):
        r = fit.rows(x, games, seed)
        assert set(r.y.tolist()) == {0, 1}, seed


def test_scoring_a_stream_in_workers_matches_scoring_here(
    tunes: list[Sample], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`model score`'s stream (issue 25): chunks in worker processes, a few in flight, give
    each sample the score and verdict it gets in this process, in input order; the ranking
    kept of them is the full sort's, with the texts of only the best."""
    from rater.analysis.model.score import Ranking, Scored, _rank
    from rater.core.checks import default_settings
    from rater.rating import scoring

    (model, _), _ = fitted(tunes[:60], tmp_path, lambda a, b, rng: int(len(a.text) < len(b.text)))
    broken = [
        Sample(f"{k:016x}", f"X:{k}\nT:Loop\nK:C\n" + "CD|" * 200, "b.abc", k) for k in range(5)
    ]
    samples = tunes + broken
    checks = default_settings(["none"])
    here = list(scoring.score_stream(samples, model, checks, workers=0))
    monkeypatch.setattr(scoring, "CHUNK", 20)
    there = list(scoring.score_stream(iter(samples), model, checks, workers=2))
    assert [r.sample.id for r in there] == [s.id for s in samples]
    assert [(r.score, r.verdict) for r in there] == [(r.score, r.verdict) for r in here]
    assert sum(not r.verdict.ok for r in here) >= len(broken)
    ranking = Ranking(keep=7)
    for r in here:
        ranking.add(r)
    full = sorted(here, key=_rank)
    assert [(r.sample.id, r.score, r.verdict.ok, r.verdict.reasons) for r in ranking.rows()] == [
        (r.sample.id, r.score, r.verdict.ok, r.verdict.reasons) for r in full
    ]
    best = ranking.best()
    assert best == [r for r in full if r.verdict.ok][:7] + [r for r in full if not r.verdict.ok][:7]
    assert all(isinstance(r, Scored) and r.sample.text for r in best)
