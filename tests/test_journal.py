"""The ratings journal: strict reading, torn tails set aside, undo, disk full, concurrency."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rater.core.errors import JournalError
from rater.core.records import Rating
from rater.rating.journal import Journal


def rating(i: int, best: int = 0, tie: bool = False, text: str = "") -> Rating:
    return Rating(
        query=[],
        sample0=[55, 25, i % 50000],
        sample1=[55, 25, 16],
        best=best,
        ids=(f"a{i:015d}", f"b{i:015d}"),
        texts=(text or f"X:{i}\nK:C\nCDEF|", "X:0\nK:G\nGABc|"),
        sources=("gen.abc", "ref.abc"),
        rater="ann",
        time="2026-11-23T12:00:00+00:00",
        tie=tie,
    )


def tie(i: int) -> list[Rating]:
    return [rating(i, 0, tie=True), rating(i, 1, tie=True)]


def strip(rs: list[Rating]) -> list[dict]:
    """Records without the journal-assigned decision id, for comparison with the input."""
    out = []
    for r in rs:
        d = r.to_json()
        d.pop("decision", None)
        d.pop("decision_lines", None)
        out.append(d)
    return out


def test_append_records_and_line_format(tmp_path: Path) -> None:
    j = Journal(tmp_path / "sub" / "dir" / "r.jsonl")  # parent dirs are created
    j.append([rating(1, text="Ünïcødé ⏎ X:1")])
    j.append(tie(2))
    lines = j.path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 4
    first = json.loads(lines[0])
    assert first["texts"][0] == "Ünïcødé ⏎ X:1"
    assert "Ünïcødé".encode() in lines[0]  # ensure_ascii=False
    assert b", " not in lines[0] and b": " not in lines[0]  # compact separators
    assert strip(j.records()) == strip([rating(1, text="Ünïcødé ⏎ X:1"), *tie(2)])
    recs = j.records()
    assert recs[1].extra["decision"] == recs[2].extra["decision"] != recs[0].extra["decision"]
    assert j.decided() == {
        frozenset(("a000000000000001", "b000000000000001")),
        frozenset(("a000000000000002", "b000000000000002")),
    }


def test_undo_removes_whole_decision(tmp_path: Path) -> None:
    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append(tie(2))
    removed = j.undo()
    assert len(removed) == 2 and all(r.tie for r in removed)
    assert strip(j.records()) == strip([rating(1)])
    assert len(j.undo()) == 1
    assert j.records() == [] and j.undo() == []
    j.append([rating(3, best=1)])
    assert strip(Journal(j.path).records()) == strip([rating(3, best=1)])


def test_undo_of_foreign_lines_without_decision_id(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    lines = [json.dumps(rating(i).to_json()) for i in range(3)]
    path.write_text("\n".join(lines) + "\n")
    j = Journal(path)
    assert len(j.undo()) == 1
    assert len(j.records()) == 2


@pytest.mark.parametrize("tail", [b'{"query":[],"sample0":[1,2', b"\x00\x00\x00"])
def test_torn_tail_is_set_aside_not_lost(tmp_path: Path, tail: bytes) -> None:
    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append([rating(2)])
    with open(j.path, "ab") as f:
        f.write(tail)
    j2 = Journal(j.path)
    assert j2.set_aside == 1
    assert strip(j2.records()) == strip([rating(1), rating(2)])
    assert j2.torn_path.read_bytes() == tail.rstrip(b"\n") + b"\n"
    j2.append([rating(3)])
    assert len(j2.records()) == 3
    assert j.path.read_bytes().endswith(b"\n")


def test_complete_invalid_last_line_is_an_error_not_a_torn_tail(tmp_path: Path) -> None:
    # A torn write never ends in a newline: a whole bad line was written by someone else,
    # and moving it (or the lines before it, one per start) would lose data silently.
    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    before = j.path.read_bytes() + b"{}\n"
    j.path.write_bytes(before)
    for _ in range(2):
        with pytest.raises(JournalError, match=r"r\.jsonl:2: "):
            Journal(j.path).records()
    assert j.path.read_bytes() == before
    assert not j.torn_path.exists()


def test_invalid_middle_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    good = json.dumps(rating(1).to_json())
    path.write_text(f"{good}\nnot json\n{good}\n")
    with pytest.raises(JournalError, match=r"r\.jsonl:2: not a rating record"):
        Journal(path).records()
    path.write_text(f'{good}\n{{"query": [], "best": 0}}\n{good}\n')
    with pytest.raises(JournalError, match=r":2: .*sample0"):
        Journal(path).records()
    path.write_text(
        good.replace('"best":0', '"best":5').replace('"best": 0', '"best": 5') + "\n" + good + "\n"
    )
    with pytest.raises(JournalError, match=r":1: .*best"):
        Journal(path).records()


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="directory"):
        Journal(tmp_path)


# -- disk full ---------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", ["write", "short-write", "fsync"])
@pytest.mark.parametrize("nth", [1, 2, 5])
def test_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str, nth: int) -> None:
    """ENOSPC at the n-th call: error the CLI can show, earlier records intact, no half line."""
    j = Journal(tmp_path / "r.jsonl")
    real_write, real_fsync = os.write, os.fsync
    calls = {"write": 0, "fsync": 0}
    jfd: set[int] = set()

    def is_journal(fd: int) -> bool:
        try:
            return os.path.samefile(f"/proc/self/fd/{fd}", j.path)
        except OSError:
            return False

    def write(fd: int, data: bytes) -> int:
        if is_journal(fd):
            calls["write"] += 1
            jfd.add(fd)
            if fail_on == "write" and calls["write"] == nth:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if fail_on == "short-write" and calls["write"] >= nth:
                if calls["write"] == nth:  # half the bytes land, then the disk is full
                    return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        if is_journal(fd):
            calls["fsync"] += 1
            if fail_on == "fsync" and calls["fsync"] == nth:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    saved: list[Rating] = []
    with pytest.raises(JournalError, match="NOT saved.*No space left"):
        for i in range(10):
            rs = tie(i) if i % 3 == 0 else [rating(i)]
            j.append(rs)
            saved.extend(rs)
    monkeypatch.undo()
    assert len(saved) >= 1 or nth == 1
    data = j.path.read_bytes() if j.path.exists() else b""
    assert data == b"" or data.endswith(b"\n")  # no half record
    assert strip(Journal(j.path).records()) == strip(saved)
    assert not j.torn_path.exists()
    j.append([rating(99)])  # space is back: appending resumes
    assert len(Journal(j.path).records()) == len(saved) + 1


# -- concurrency -------------------------------------------------------------------------


def _writer(path: str, who: int, n: int) -> None:
    j = Journal(path)
    for i in range(n):
        j.append(tie(who * 100000 + i) if i % 10 == 0 else [rating(who * 100000 + i)])


@pytest.mark.slow
def test_four_processes_500_appends_each(tmp_path: Path) -> None:
    path = str(tmp_path / "r.jsonl")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, w, 500)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    raw = Path(path).read_bytes().split(b"\n")
    assert raw[-1] == b""
    lines = [json.loads(x) for x in raw[:-1]]  # every line valid JSON
    decisions = {d["decision"] for d in lines}
    assert len(decisions) == 2000
    # 4 writers x 500 appends; every 10th append is a tie (two lines, adjacent)
    assert len(lines) == 2000 + 4 * 50
    for a, b in zip(lines, lines[1:], strict=False):
        if a["decision"] == b["decision"]:
            assert a["ids"] == b["ids"] and a.get("tie") and b.get("tie")
    assert len(Journal(path).records()) == 2200


# -- property: the journal behaves like a list of decisions ------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 999), st.booleans()),
        st.tuples(st.just("undo"), st.just(0), st.just(False)),
        st.tuples(st.just("torn"), st.integers(1, 300), st.just(False)),
        st.tuples(st.just("reopen"), st.just(0), st.just(False)),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=ops)
def test_journal_matches_model(tmp_path_factory: pytest.TempPathFactory, ops: list) -> None:
    path = tmp_path_factory.mktemp("prop") / "r.jsonl"
    j = Journal(path)
    model: list[list[Rating]] = []
    torn_pieces = 0
    for op, n, flag in ops:
        if op == "append":
            rs = tie(n) if flag else [rating(n, best=n % 2)]
            j.append(rs)
            model.append(rs)
        elif op == "undo":
            removed = j.undo()
            expected = model.pop() if model else []
            assert strip(removed) == strip(expected)
        elif op == "torn":
            line = json.dumps(rating(n).to_json()).encode()
            with open(path, "ab") as f:  # a crashed writer's partial line
                f.write(line[: n % len(line) or 1])
            torn_pieces += 1
        else:
            j = Journal(path)
        assert strip(j.records()) == strip([r for d in model for r in d])
    torn = j.torn_path.read_bytes().split(b"\n")[:-1] if j.torn_path.exists() else []
    assert len(torn) == torn_pieces


def test_read_only_journal_is_read_around_its_torn_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exporting someone else's read-only journal: the torn tail is skipped, file untouched.
    (Tests run as root, where chmod does not stop writes, so EACCES is injected.)"""
    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    with open(j.path, "ab") as f:
        f.write(b'{"query":[')
    before = j.path.read_bytes()
    real_open = os.open

    def ro_open(path: object, flags: int, *args: object) -> int:
        if str(path) == str(j.path) and flags & (os.O_RDWR | os.O_WRONLY):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", ro_open)
    ro = Journal(j.path)
    assert strip(ro.records()) == strip([rating(1)])
    assert j.path.read_bytes() == before and not j.torn_path.exists()
    with pytest.raises(JournalError, match="read-only"):
        ro.undo()
    with pytest.raises(JournalError, match="cannot open"):
        ro.append([rating(2)])


def test_resume_skips_decided_pairs_with_same_seed(tmp_path: Path) -> None:
    """Same corpus + journal + seed: the seeded pairs come back minus those decided."""
    from rater.core.records import Sample
    from rater.core.settings import PairingSettings
    from rater.rating.outcome import decide
    from rater.rating.pairing import halves, source

    samples = [
        Sample(id=f"{i:016x}", text=f"X:{i}\nK:C\nC{i}|", source="s.abc", number=i + 1)
        for i in range(10)
    ]
    pairs = halves(samples, seed=7)
    assert [(p.a.id, p.b.id) for p in halves(list(reversed(samples)), seed=7)] == [
        (p.a.id, p.b.id) for p in pairs
    ]  # reproducible, whatever the input order
    j = Journal(tmp_path / "r.jsonl")
    j.append(decide(pairs[0], 0, "ann"))
    j.append(decide(pairs[2], "tie", "ann"))
    j.append(decide(pairs[3], 1, "ann"))
    j.undo()  # taken back: pair 3 must come again
    src = source(PairingSettings("halves", seed=7), samples, Journal(j.path).records())
    left = []
    while (p := src.next_pair()) is not None:
        left.append((p.a.id, p.b.id))
    assert left == [(p.a.id, p.b.id) for k, p in enumerate(pairs) if k not in (0, 2)]
    assert j.decided() == {frozenset((pairs[k].a.id, pairs[k].b.id)) for k in (0, 2)}


# -- review fixes: repair only journals, only by writers; undo only your own; strict fields ----


def test_whole_last_record_missing_its_newline_is_kept(tmp_path: Path) -> None:
    """A write cut right before its newline still holds a whole decision: a writer adds the
    newline, a reader reads the record; nothing goes to the side file."""
    from rater.rating.reading import read_journals

    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append([rating(2)])
    data = j.path.read_bytes()
    j.path.write_bytes(data[:-1])
    warnings: list[str] = []
    assert strip(read_journals([j.path], warn=warnings.append)) == strip([rating(1), rating(2)])
    assert warnings == [] and j.path.read_bytes() == data[:-1]  # the reader changed nothing
    w = Journal(j.path)
    assert w.set_aside == 0 and not w.torn_path.exists()
    assert j.path.read_bytes() == data
    assert strip(w.records()) == strip([rating(1), rating(2)])


def test_half_a_tie_without_newline_is_still_set_aside(tmp_path: Path) -> None:
    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append(tie(2))
    data = j.path.read_bytes()
    lines = data.split(b"\n")
    # the whole second tie line minus its newline: complete, so kept
    j.path.write_bytes(data[:-1])
    assert len(Journal(j.path).records()) == 3 and j.path.read_bytes() == data
    # the first tie line minus its newline: a whole record, but half a decision
    j.path.write_bytes(lines[0] + b"\n" + lines[1])
    w = Journal(j.path)
    assert w.set_aside == 1 and strip(w.records()) == strip([rating(1)])
    assert w.torn_path.read_bytes() == lines[1] + b"\n"


@pytest.mark.parametrize(
    "content",
    [
        b"X:1\nT:Tune\nK:D\nabc|def|\nfed|cba|",  # a tune file without its final newline
        bytes(range(1, 256)).replace(b"\n", b"") * 4,  # a binary file with no newline at all
        b'{"not": "a record"}\n{"query":[1',  # JSON, but line 1 is not a rating record
    ],
)
def test_a_file_that_is_not_a_journal_is_never_cut(tmp_path: Path, content: bytes) -> None:
    from rater.rating.reading import read_journals

    path = tmp_path / "tune.abc"
    path.write_bytes(content)
    for open_it in (lambda: Journal(path), lambda: Journal(path).append([rating(1)])):
        with pytest.raises(JournalError, match=r"tune\.abc: not a ratings journal \(line 1 "):
            open_it()
    with pytest.raises(JournalError, match="not a ratings journal"):
        read_journals([path], warn=lambda m: None)
    assert path.read_bytes() == content
    assert not (tmp_path / "tune.abc.torn").exists()


def test_a_torn_first_write_is_still_set_aside(tmp_path: Path) -> None:
    """A journal whose very first append was torn holds only a prefix of a record line."""
    path = tmp_path / "r.jsonl"
    line = json.dumps(rating(1).to_json(), separators=(",", ":")).encode()
    for cut in (1, 5, 10, 200):
        path.write_bytes(line[:cut])
        j = Journal(path)
        assert j.set_aside == 1 and j.records() == [] and path.read_bytes() == b""


def test_readers_never_modify_a_journal_and_warn_once(tmp_path: Path) -> None:
    from rater.rating.reading import read_journals

    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append(tie(2))
    data = j.path.read_bytes()
    torn = data + b'{"query":[],"sample0":[1,'
    half_tie = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]  # the tie's last line lost
    for content, want in ((torn, [rating(1), *tie(2)]), (half_tie, [rating(1)])):
        j.path.write_bytes(content)
        warnings: list[str] = []
        got = read_journals([j.path, j.path], warn=warnings.append)
        assert strip(got) == strip(want)  # the same journal twice: each decision once
        torn_line = f"{j.path}: torn last line ignored (it is set aside when rating resumes)"
        assert warnings[:2] == [torn_line] * 2
        assert warnings[2:] == [
            f"{len(want)} duplicate records dropped: decisions read before (the same "
            "decision id, from a copy of a journal or a repeated line) count once"
        ]
        assert j.path.read_bytes() == content and not j.torn_path.exists()
        ro = Journal(j.path, read_only=True)
        assert strip(ro.records()) == strip(want) and ro.torn_ignored
        with pytest.raises(JournalError, match="read-only"):
            ro.undo()
        with pytest.raises(JournalError, match="read-only"):
            ro.append([rating(9)])
        assert j.path.read_bytes() == content
    # the next writer sets the tail aside
    w = Journal(j.path)
    assert w.set_aside == 1 and strip(w.records()) == strip([rating(1)])


def test_stats_cli_reads_around_a_torn_tail_and_leaves_files_alone(tmp_path: Path) -> None:
    import subprocess
    import sys

    j = Journal(tmp_path / "r.jsonl")
    j.append([rating(1)])
    j.append([rating(2, best=1)])
    whole = j.path.read_bytes()
    j.path.write_bytes(whole[:-1])  # valid journal, final newline missing
    tune = tmp_path / "tune.abc"
    tune.write_bytes(b"X:1\nT:Tune\nK:D\nabc|def|\nfed|cba|")
    run = [sys.executable, "-m", "rater", "stats"]
    p = subprocess.run([*run, str(j.path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == ""
    row = next(line for line in p.stdout.splitlines() if line.startswith("│ decisions"))
    assert [c.strip() for c in row.split("│") if c.strip()] == ["decisions", "2", "2"]
    assert j.path.read_bytes() == whole[:-1]
    j.path.write_bytes(whole + b'{"query":[')
    p = subprocess.run([*run, str(j.path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert (
        p.stderr
        == f"rater: {j.path}: torn last line ignored (it is set aside when rating resumes)\n"
    )
    assert j.path.read_bytes() == whole + b'{"query":[' and not j.torn_path.exists()
    p = subprocess.run([*run, str(tune)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "not a ratings journal" in p.stderr
    assert tune.read_bytes() == b"X:1\nT:Tune\nK:D\nabc|def|\nfed|cba|"
    assert not (tmp_path / "tune.abc.torn").exists()


def test_undo_refuses_another_raters_decision(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    ann, bob = Journal(path), Journal(path)
    mine = ann.append([rating(1)])
    ann_id = mine[0].extra["decision"]
    theirs = bob.append(tie(2))
    assert theirs[0].extra["decision"] == theirs[1].extra["decision"] != ann_id
    before = path.read_bytes()
    with pytest.raises(JournalError, match=r"the last decision in .*shared\.jsonl is not yours"):
        ann.undo(expect_decision=ann_id)
    assert path.read_bytes() == before
    removed = bob.undo(expect_decision=theirs[0].extra["decision"])
    assert strip(removed) == strip(tie(2))
    assert strip(ann.undo(expect_decision=ann_id)) == strip([rating(1)])
    assert ann.records() == []


def _line_with(**changes: object) -> str:
    d = rating(2).to_json()
    d["decision"] = "0123456789abcdef"
    for k, v in changes.items():
        if v is _DROP:
            d.pop(k, None)
        else:
            d[k] = v
    return json.dumps(d)


_DROP = object()

BAD_FIELDS = [
    ({"reasons": [[]], "broken": 1}, "reasons"),
    ({"reasons": [["a"], [1]], "broken": 1}, "reasons"),
    ({"decision_lines": "two"}, "decision_lines"),
    ({"decision_lines": True}, "decision_lines"),
    ({"ids": ["a"]}, "ids"),
    ({"ids": [1, 2]}, "ids"),
    ({"ids": _DROP}, "ids"),
    ({"ids": None}, "ids"),
    ({"texts": ["a", "b", "c"]}, "texts"),
    ({"texts": "ab"}, "texts"),
    ({"sources": [None, "x"]}, "sources"),
    ({"best": 0.7}, "best"),
    ({"best": 1.0}, "best"),
    ({"best": True}, "best"),
    ({"best": "1"}, "best"),
    ({"sample0": [1, 2.5]}, "sample0"),
    ({"query": [True]}, "query"),
    ({"sample1": "12"}, "sample1"),
    ({"decision": ["x"]}, "decision"),
    ({"broken": 0.5}, "broken"),
    ({"tie": "no"}, "tie"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_FIELDS)
def test_malformed_fields_are_one_error_naming_the_line(
    tmp_path: Path, changes: dict, field: str
) -> None:
    from rater.cli import main

    path = tmp_path / "r.jsonl"
    good = json.dumps(rating(1).to_json())
    path.write_text(f"{good}\n{_line_with(**changes)}\n{good}\n")
    with pytest.raises(JournalError, match=rf"r\.jsonl:2: not a rating record \(.*{field}"):
        Journal(path).records()
    for command in (["export", "--format", "oa", "--out", str(tmp_path / "o.json")], ["rank"]):
        assert main([command[0], str(path), *command[1:]]) == 2


def test_missing_or_null_texts_and_sources_default(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        _line_with(texts=None, sources=_DROP) + "\n" + _line_with(texts=_DROP, reasons=None) + "\n"
    )
    recs = Journal(path).records()
    assert [r.texts for r in recs] == [("", ""), ("", "")] and recs[0].sources == ("", "")


def test_decisions_groups_ties_by_id_and_legacy_ties_by_pair() -> None:
    from dataclasses import replace

    from rater.core.rules import decisions

    def tag(rs: list[Rating], d: str | None) -> list[Rating]:
        return [replace(r, extra={} if d is None else {"decision": d}) for r in rs]

    recs = [
        *tag([rating(1)], "d1"),
        *tag(tie(2), "d2"),
        *tag(tie(3), None),  # written before decision ids: consecutive tie records pair up
        *tag(tie(3), None),  # the same pair tied again: a second decision
        *tag([rating(4, tie=True)], None),  # a lone tie record stays alone
        *tag([rating(5)], "d1"),  # a reused id that is not adjacent is a new decision
    ]
    groups = decisions(recs)
    assert [len(g) for g in groups] == [1, 2, 2, 2, 1, 1]
    assert [r for g in groups for r in g] == recs
    assert decisions([]) == []


def test_a_name_that_was_not_utf8_is_saved_and_read_back(tmp_path: Path) -> None:
    """`--rater $'\\xff'` or a corpus path with a Latin-1 byte arrives as a lone surrogate
    (surrogateescape): writing it must not fail (the rating would be lost) and it must read
    back the same."""
    from dataclasses import replace

    j = Journal(tmp_path / "r.jsonl")
    odd = replace(rating(1), rater="ann\udcff", sources=("caf\udce9.abc", "ref.abc"))
    j.append([odd])
    j.path.read_bytes().decode("utf-8")  # valid UTF-8 on disk
    (back,) = j.records()
    assert back.rater == "ann\udcff" and back.sources == ("caf\udce9.abc", "ref.abc")
