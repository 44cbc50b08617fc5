"""Prose and code are not music (`rater.core.prose`): with `--kind abc` a refusal, a chat
answer, Python or Markdown is `unparseable`, in words, while real tunes are left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prose_snippets import snippets

from rater.cli import main
from rater.core.checks import default_settings, text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.prose import not_music
from rater.core.records import Sample

CHECKS = default_settings()
ISSUE = "The model said: I am sorry, I cannot write music. Here is a poem instead."


def verdict(text: str):
    return text_verdict(Sample(sample_id(text), text, "gen.txt", 1), CHECKS)


def unique_snippets(n: int) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind, text in snippets(2 * n):
        seen.setdefault(text, kind)
        if len(seen) == n:
            break
    return [(kind, text) for text, kind in seen.items()]


def test_the_issue_example_is_unparseable_in_words() -> None:
    v = verdict(ISSUE)
    assert v.reasons == ("unparseable",) and v.details == ("no ABC music: 1 line of prose",)
    code = verdict("def play(tune):\n    for note in tune:\n        print(note)\n")
    assert code.details == ("no ABC music: 3 lines of code",)


def test_a_thousand_snippets_are_all_unparseable() -> None:
    pieces = unique_snippets(1000)
    assert len(pieces) == 1000
    kinds = {kind for kind, _ in pieces}
    assert kinds == {"refusal", "chat answer", "python", "markdown"}
    for kind, text in pieces:
        v = verdict(text)
        assert "unparseable" in v.reasons, (kind, text, v)
        assert any(d.startswith("no ABC music: ") for d in v.details), (kind, v)


def test_snippets_through_rater_check(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The same through the command line, from a JSONL file of chat completions."""
    path = tmp_path / "replies.jsonl"
    pieces = unique_snippets(1000)
    path.write_text(
        "".join(json.dumps({"choices": [{"text": t}]}) + "\n" for _, t in pieces),
        encoding="utf-8",
    )
    assert main(["check", str(path), "--kind", "abc", "--json", "--workers", "0"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1000
    assert all(x["reasons"] == ["unparseable"] for x in lines), [
        x for x in lines if x["reasons"] != ["unparseable"]
    ][:3]


def test_real_tunes_are_music(folk_rnn_dir: Path) -> None:
    from rater.core.demo import music21_corpus_dir

    base = music21_corpus_dir()
    tunes = read_samples([str(base / "oneills1850"), str(base / "nottingham-dataset")])
    tunes += read_samples([str(folk_rnn_dir)])
    assert len(tunes) > 1500
    flagged = [t.title for t in tunes if not_music(t.text, CHECKS)]
    assert flagged == []


def test_a_chat_answer_around_a_tune_is_music() -> None:
    tune = "X:1\nT:Harbour Lights\nM:6/8\nL:1/8\nK:D\nA|dfa afd|gfe fdB|AFA dFA|BAG FED|\n"
    tune += "dfa afd|gfe fdB|AFA GEC|D3 D2:|\n|:fga afd|gfe fdB|AFA dFA|BAG FED:|"
    assert not_music(f"Sure! Here is a jig:\n{tune}\nEnjoy playing it.", CHECKS) is None
    mostly = not_music("Sure! Here is a tune.\nI hope you like it a lot.\nABc|\n", CHECKS)
    assert mostly == "mostly not ABC music: 2 lines of prose, 1 of music"
