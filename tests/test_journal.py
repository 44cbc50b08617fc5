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

from rater.errors import JournalError
from rater.journal import Journal
from rater.records import Rating


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
    from rater.outcome import decide
    from rater.pairing import HalvesSource, halves
    from rater.records import Sample

    samples = [
        Sample(id=f"{i:016x}", text=f"X:{i}\nK:C\nC{i}|", source="s.abc", index=i)
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
    src = HalvesSource(samples, 7, Journal(j.path).records())
    left = []
    while (p := src.next_pair()) is not None:
        left.append((p.a.id, p.b.id))
    assert left == [(p.a.id, p.b.id) for k, p in enumerate(pairs) if k not in (0, 2)]
    assert j.decided() == {frozenset((pairs[k].a.id, pairs[k].b.id)) for k in (0, 2)}
