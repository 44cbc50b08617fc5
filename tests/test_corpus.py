"""corpus: every samples format, stable ids, duplicate collapse, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rater.core.corpus import normalise, read_samples, sample_id
from rater.core.errors import CorpusError
from rater.core.formats import split_text

TUNE_A = "T:First\nM:6/8\nL:1/8\nK:D\nABc def|gfe dcB|]"
TUNE_B = "T:Second\nM:4/4\nL:1/8\nK:G\nGABc dedB|cBAG FGAB|]"
TUNE_C = "M:3/4\nK:Am\nA2 B2 c2|e4 d2|]"


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return str(p)


def texts(samples) -> list[str]:
    return [normalise(s.text) for s in samples]


def test_multi_tune_abc_ignores_preamble_and_free_text(tmp_path: Path) -> None:
    content = (
        "%abc-2.1\nThis collection was typed by hand.\n\n"
        f"X:1\n{TUNE_A}\n\nSome prose about the next tune.\n\n"
        f"X:2\n{TUNE_B}\n"
    )
    samples = read_samples([write(tmp_path, "book.abc", content)])
    assert [s.title for s in samples] == ["First", "Second"]
    assert [s.number for s in samples] == [1, 2]
    assert "prose" not in samples[0].text
    assert samples[0].text.startswith("X:1\n")
    assert all(s.source.endswith("book.abc") and s.kind == "abc" for s in samples)


def test_blank_line_separated_without_x(tmp_path: Path) -> None:
    content = f"{TUNE_A}\n\n{TUNE_B}\n\n\n{TUNE_C}\n"
    samples = read_samples([write(tmp_path, "gen.abc", content)])
    assert texts(samples) == [TUNE_A, TUNE_B, TUNE_C]


def test_generator_dump_with_separators_and_newline_marks(tmp_path: Path) -> None:
    one_line = TUNE_A.replace("\n", "⏎")
    content = f"{one_line}<|endoftext|>{TUNE_B}\n===\n\n{TUNE_C}\n<|endoftext|>\n"
    samples = read_samples([write(tmp_path, "dump.txt", content)])
    assert texts(samples) == [TUNE_A, TUNE_B, TUNE_C]


def test_one_sample_per_line_with_newline_marks(tmp_path: Path) -> None:
    content = "".join(t.replace("\n", "⏎") + "\n" for t in (TUNE_A, TUNE_B, TUNE_C))
    samples = read_samples([write(tmp_path, "lines.txt", content)])
    assert texts(samples) == [TUNE_A, TUNE_B, TUNE_C]


def test_jsonl_text_fields(tmp_path: Path) -> None:
    lines = [{"text": TUNE_A}, {"completion": TUNE_B, "score": 1}, {"abc": TUNE_C}]
    content = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    samples = read_samples([write(tmp_path, "s.jsonl", content)])
    assert texts(samples) == [TUNE_A, TUNE_B, TUNE_C]


def test_jsonl_without_text_field_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.jsonl", '{"text": "abc def ghi"}\n{"foo": 1}\n')
    with pytest.raises(CorpusError, match=r"bad\.jsonl: line 2: no text field"):
        read_samples([path])


def test_ids_are_stable_across_formats_and_x_numbers(tmp_path: Path) -> None:
    abc = read_samples([write(tmp_path, "a.abc", f"X:7\n{TUNE_A}\n\nX:8\n{TUNE_B}\n")])
    dump = read_samples([write(tmp_path, "d.txt", f"X:99\n{TUNE_A}\n===\n{TUNE_B}\r\n")])
    jsonl = read_samples(
        [write(tmp_path, "j.jsonl", "\n".join(json.dumps({"text": t}) for t in (TUNE_A, TUNE_B)))]
    )
    assert [s.id for s in abc] == [s.id for s in dump] == [s.id for s in jsonl]
    assert abc[0].id == sample_id(TUNE_A + "   \n\n") != sample_id(TUNE_B)
    assert len(abc[0].id) == 16 and int(abc[0].id, 16) >= 0


def test_duplicates_collapse_first_wins_order_kept(tmp_path: Path) -> None:
    first = write(tmp_path, "1.abc", f"X:1\n{TUNE_A}\n\nX:2\n{TUNE_B}\n\nX:3\n{TUNE_A}\n")
    second = write(tmp_path, "2.abc", f"{TUNE_C}\n\n{TUNE_B}\n")
    samples = read_samples([first, second])
    assert texts(samples) == [TUNE_A, TUNE_B, TUNE_C]
    assert samples[1].source == first and samples[2].source == second
    assert samples[2].number == 1


def test_directory_recurses_sorted_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path, "sub/b.abc", TUNE_B)
    write(tmp_path, "a.abc", TUNE_A)
    write(tmp_path, "LICENSE", "Permission is granted\n\nto do anything")
    write(tmp_path, "clip.mid", b"MThd\x00\x00\x00\x06")
    samples = read_samples([str(tmp_path)])
    assert texts(samples) == [TUNE_A, TUNE_B]


def test_text_kind_has_no_abc_logic(tmp_path: Path) -> None:
    poem = "X: marks the spot\nwhere the rain fell\n\nand stayed"
    content = f"{poem}\n===\nA second poem,\nshort.\n"
    samples = read_samples([write(tmp_path, "poems.txt", content)], kind="text")
    assert [s.text for s in samples] == [poem, "A second poem,\nshort."]
    assert all(s.kind == "text" and s.title == "" for s in samples)
    plain = read_samples([write(tmp_path, "p.txt", "one\ntwo\n\nthree\n")], kind="text")
    assert [s.text for s in plain] == ["one\ntwo", "three"]


def test_latin1_file_still_yields_tunes(tmp_path: Path) -> None:
    data = f"X:1\n{TUNE_A.replace('First', 'Café')}\n".encode("latin-1")
    samples = read_samples([write(tmp_path, "old.abc", data)])
    assert samples[0].title == "Café"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bin.abc", b"X:1\x00\x01\x02", r"bin\.abc: binary file"),
        ("empty.abc", "", r"no samples found in .*empty\.abc"),
        ("blank.abc", "\n \n\t\n", r"no samples found in .*blank\.abc"),
        ("pre.abc", "%just a comment\n", r"no samples found"),
    ],
)
def test_bad_files_get_one_line_errors(tmp_path: Path, name, content, message) -> None:
    with pytest.raises(CorpusError, match=message) as info:
        read_samples([write(tmp_path, name, content)])
    assert "\n" not in str(info.value)


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nope\.abc: no such file"):
        read_samples([str(tmp_path / "nope.abc")])
    (tmp_path / "d").mkdir()
    with pytest.raises(CorpusError, match=r"no samples found in .*d$"):
        read_samples([str(tmp_path / "d")])


def test_device_is_refused() -> None:
    with pytest.raises(CorpusError, match="/dev/zero: not a regular file"):
        read_samples(["/dev/zero"])


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rater.core.corpus

    monkeypatch.setattr(rater.core.corpus, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "big.abc", TUNE_A * 10)
    with pytest.raises(CorpusError, match=r"big\.abc: file too large"):
        read_samples([path])


def test_split_text_precedence() -> None:
    assert split_text('{"text": "x y z"}\n') == ["x y z"]
    assert split_text("a\n===\nb") == ["a", "b"]
    assert split_text("junk\nX:1\nK:C\nC\nX:2\nK:C\nD") == ["X:1\nK:C\nC", "X:2\nK:C\nD"]


def test_folk_rnn_files_read(folk_rnn_dir: Path) -> None:
    samples = read_samples([str(folk_rnn_dir)])
    assert len(samples) == 256
    assert all(s.text.startswith("M:") and "\nK:" in s.text for s in samples)


def test_lone_surrogate_in_jsonl_is_replaced_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "X:1\\nK:D\\nabc \\ud800 def|"}\n', encoding="utf-8")
    (sample,) = read_samples([str(path)])
    assert "\ufffd" in sample.text
    sample.text.encode("utf-8")  # writable to a journal
