"""What training needs from an export, on ratings made through the real Session: no oa row
starts with padding (lm-human-preferences' reward model fails on one), over-long queries are
cut the chosen way and every cut is reported, and the files are readable by a trainer
running as another user."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path

import pytest
from consumers import (
    halves_texts,
    load_like_lm_human_preferences,
    prefix_texts,
    prose,
    rate,
    write_corpus,
)

from rater.analysis.export import ExportOptions, export_oa, export_text, export_trl
from rater.cli import main
from rater.core.errors import ExportError

PAD, EOT = 50259, 50256


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default session: halves pairing (no query), A wins, B wins, ties, broken pairs."""
    d = tmp_path_factory.mktemp("halves")
    return rate(write_corpus(d / "texts.txt", halves_texts()), d / "halves.jsonl").path


@pytest.fixture(scope="module")
def prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Prefix pairing: a short shared prompt and one of ~150 tokens (over the default 64)."""
    d = tmp_path_factory.mktemp("prefix")
    return rate(write_corpus(d / "p.txt", prefix_texts()), d / "p.jsonl", pairing="prefix").path


def records(path: Path) -> list:
    from rater.rating.journal import Journal

    return Journal(path).records()


def test_default_halves_oa_export_has_no_row_starting_with_padding(
    halves: Path, tmp_path: Path
) -> None:
    recs = records(halves)
    assert all(not r.query for r in recs)
    assert any(r.tie for r in recs) and any(r.broken for r in recs)
    out = tmp_path / "oa.json"
    assert main(["export", str(halves), "--format", "oa", "--out", str(out)]) == 0
    data = load_like_lm_human_preferences(out, 64, 512, None)  # enforces the padding rule
    assert len(data) == len(recs)
    assert all(row["query"] == [EOT] + [PAD] * 63 for row in data)
    for row, r in zip(data, recs, strict=True):  # the responses are untouched
        assert row["sample0"][: len(r.sample0)] == r.sample0


def test_empty_query_token_is_an_option_and_never_padding(halves: Path, tmp_path: Path) -> None:
    out = tmp_path / "oa.json"
    export_oa(records(halves), out, ExportOptions(query_length=2, empty_query_token=0))
    assert {tuple(row["query"]) for row in load_like_lm_human_preferences(out, 2, 512, None)} == {
        (0, PAD)
    }
    with pytest.raises(ExportError, match="empty_query_token and pad_token are both 27"):
        ExportOptions(pad_token=27, empty_query_token=27)
    with pytest.raises(ExportError, match=r"empty_query_token must be a GPT-2 token id .* 50259"):
        ExportOptions(empty_query_token=PAD)


def test_a_query_starting_with_the_pad_token_is_refused(prefix: Path, tmp_path: Path) -> None:
    """With a pad token inside GPT-2's vocabulary (the seed's 27), a query could start with
    it; lm-human-preferences would read it as padding, so the export refuses."""
    first = min(records(prefix), key=lambda r: len(r.query)).query[0]
    with pytest.raises(ExportError, match=f"starts with token {first}, which is also pad_token"):
        export_oa(records(prefix), tmp_path / "oa.json", ExportOptions(pad_token=first))
    assert not (tmp_path / "oa.json").exists()


@pytest.mark.parametrize("mode", ["keep-end", "keep-start", "drop"])
def test_long_queries_are_cut_as_chosen_and_counted(
    prefix: Path, tmp_path: Path, mode: str
) -> None:
    recs = records(prefix)
    long = [r for r in recs if len(r.query) > 64]
    assert long and len(long) < len(recs) and max(len(r.query) for r in recs) > 140
    out = tmp_path / "oa.json"
    res = export_oa(recs, out, ExportOptions(response_length=16, long_query=mode))
    kept = [r for r in recs if mode != "drop" or len(r.query) <= 64]
    data = load_like_lm_human_preferences(out, 64, 16, None)
    assert len(data) == res.written == len(kept)
    for row, r in zip(data, kept, strict=True):
        want = r.query[-64:] if mode == "keep-end" else r.query[:64]
        assert row["query"][: len(want)] == want
        assert row["sample0"] == (r.sample0 + [PAD] * 16)[:16]
    assert res.queries_truncated == (0 if mode == "drop" else len(long))
    assert res.dropped == ({"query longer than 64 tokens": len(long)} if mode == "drop" else {})
    cut = sum((len(r.sample0) > 16) + (len(r.sample1) > 16) for r in kept)
    assert res.responses_truncated == cut
    assert res.responses_truncated > 0
    assert res.longest_query == max(len(r.query) for r in kept)
    assert res.longest_pair == max(len(r.query) + max(len(r.sample0), len(r.sample1)) for r in kept)


def test_every_format_reports_cuts_and_the_longest_pair(
    prefix: Path, halves: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    longest = max(len(r.query) + max(len(r.sample0), len(r.sample1)) for r in records(prefix))
    for fmt in ("oa", "trl", "text"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", str(prefix), "--format", fmt, "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "truncated" in printed and f"query + response {longest} GPT-2 tokens" in printed
    assert main(["export", str(prefix), "--format", "oa", "--out", str(out)]) == 0
    long = sum(len(r.query) > 64 for r in records(prefix))
    assert f"truncated {long} of {len(records(prefix))} queries" in capsys.readouterr().out
    res = export_trl(records(prefix), tmp_path / "t.jsonl")
    assert res.over_trl_max_length == 0 and res.longest_pair == longest
    assert export_text(records(halves), tmp_path / "t.txt").queries_truncated == 0


def test_trl_export_counts_rows_over_trls_max_length(tmp_path: Path) -> None:
    rng = random.Random(3)
    texts = [prose(rng, 30) for _ in range(6)] + [prose(rng, 1100) for _ in range(2)]
    j = rate(write_corpus(tmp_path / "long.txt", texts), tmp_path / "long.jsonl", choices=(0,))
    res = export_trl(j.records(), tmp_path / "t.jsonl")
    over = [r for r in j.records() if max(len(r.sample0), len(r.sample1)) + 1 > 1024]
    assert over and res.over_trl_max_length == len(over)


@pytest.mark.parametrize("fmt", ["oa", "trl", "text"])
def test_exports_get_the_umask_mode(halves: Path, tmp_path: Path, fmt: str) -> None:
    """mkstemp's 0600 used to survive the rename: a trainer running as another user (or in a
    container) got PermissionError. Journals are 0644 under umask 022; so are exports."""
    old = os.umask(0o022)
    try:
        assert main(["export", str(halves), "--format", fmt, "--out", str(tmp_path / "a")]) == 0
        os.umask(0o077)
        assert main(["export", str(halves), "--format", fmt, "--out", str(tmp_path / "b")]) == 0
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "a").stat().st_mode)
    assert mode == 0o644 and mode & stat.S_IRGRP and mode & stat.S_IROTH
    assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o600  # the umask still rules
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_out_naming_a_directory_says_so(
    halves: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exists").mkdir()
    for out in (f"{tmp_path}/exists", f"{tmp_path}/exists/", f"{tmp_path}/new/"):
        assert main(["export", str(halves), "--format", "oa", "--out", out]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{out}: is a directory" in err
    assert not (tmp_path / "new").exists() and list((tmp_path / "exists").iterdir()) == []


def test_export_help_says_what_the_tokens_are(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no line breaks inside the phrases
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "50259 is lm-human-preferences' padding token, outside GPT-2's vocabulary" in text
    assert "default 50256, GPT-2's <|endoftext|>" in text
    assert "--long-query {keep-end,keep-start,drop}" in text
    defaults = ExportOptions()
    assert f"default {defaults.long_query}" in text


def test_library_errors_name_fields() -> None:
    for kwargs, field in (
        ({"query_length": 0}, "query_length"),
        ({"pad_token": -1}, "pad_token"),
        ({"batch_size": 0}, "batch_size"),
        ({"long_query": "middle"}, "long_query"),
    ):
        with pytest.raises(ExportError, match=field):
            ExportOptions(**kwargs)
