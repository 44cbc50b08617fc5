"""Untrusted text never reaches a terminal as escape sequences or markup (issue 14, item 5).

The one rule is `core.printable`; these tests put hostile titles, texts, sources and rater
names through every command that prints them (check, rank, stats, ab-report, export text)
and through the rating screen, and look at what would be written to the terminal.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from rater.cli import main
from rater.core.records import Pair, Sample, Verdict
from rater.rating.outcome import auto_decide, decide

UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # what a terminal acts on (core.printable's rule)
ESC_TITLE = "T:esc \x1b[31mRED\x1b[0m \x1b]2;TITLE-PWNED\x07"


def unsafe(text: str, allow: str = "\n") -> list[str]:
    """The characters of `text` a terminal would act on (newlines allowed where asked)."""
    return [repr(ch) for ch in text if ch not in allow and unicodedata.category(ch) in UNSAFE]


def test_printable_keeps_text_and_drops_controls() -> None:
    from rater.core.printable import printable

    assert printable("Tune\tNo. 5 \u00e9\u00e8 \u266b") == "Tune No. 5 \u00e9\u00e8 \u266b"
    assert printable("a\x1b[31mb\x00c\u200fd") == "a[31mbcd"
    assert printable("esc \x1b]2;TITLE-PWNED\x07 \x9b31m") == "esc ]2;TITLE-PWNED 31m"
    assert printable("\u202eevil\u2066 \ud800x\u2028y") == "evil x y"
    assert printable("a\r\nb\rc\nd") == "a b c d"
    assert printable("a\r\nb\rc\nd\x0be", lines=True) == "a\nb\nc\nd e"
    assert printable("Polka [b] [/]") == "Polka [b] [/]"  # markup is the printer's business


def test_json_text_escapes_without_losing_anything() -> None:
    from rater.core.printable import json_text

    value = {"title": "e\x1b]2;X\x07 \x9b \u202e é ♫ \U0001f3b5 \ud800 \x7f"}
    line = json_text(value)
    assert unsafe(line, allow="") == [] and line.isascii() is False  # é and ♫ stay readable
    assert "\\u001b" in line and "\\u009b" in line and "\\u202e" in line and "\\u007f" in line
    assert json.loads(line) == value


def tunes_file(path: Path, titles: list[str]) -> Path:
    body = "M:4/4\nL:1/8\nK:C\n"  # no notes: broken by the text checks, never rendered
    path.write_text(
        "".join(f"X:{i}\nT:{t}\n{body}\n" for i, t in enumerate(titles, 1)), encoding="utf-8"
    )
    return path


def journal_with(path: Path, names: list[str]) -> Path:
    """A journal whose texts (titles), sources, reasons and rater names are the hostile
    `names`, written as ASCII JSON (so lone surrogates, as a hand-made file may hold, stay)."""
    lines: list[str] = []
    samples = [
        Sample(
            id=f"{i:016x}",
            text=f"X:1\nT:{name}\nK:C\nCDEF GABc|\n",
            source=f"gen/{name[:12]}.abc" if i % 2 else "ref.abc",
            number=i + 1,
        )
        for i, name in enumerate(names)
    ]
    for k in range(0, len(samples) - 1, 2):
        pair = Pair(a=samples[k], b=samples[k + 1])
        if k % 6 == 4:
            bad = Verdict(samples[k].id, False, (names[k][:20],))  # a reason from the file
            records = auto_decide(pair, bad, Verdict(samples[k + 1].id, True), names[k + 1])
        else:
            records = decide(pair, (0, 1, "tie")[k % 3], names[k])
        for r in records:
            lines.append(json.dumps({**r.to_json(), "decision": f"{k:016x}"}))
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_issue_reproductions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`T:esc ...` retitled the terminal under `check`; `rank` read titles as markup."""
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for the whole title in check's table
    corpus = tunes_file(tmp_path / "esc.abc", [ESC_TITLE[2:], "Tune [/]", "Polka [b]"])
    code, out = run_cli(capsys, ["check", str(corpus), "--blacklist", "none", "--workers", "0"])
    assert code == 0 and unsafe(out) == [] and "[31mRED" in out and "TITLE-PWNED" in out
    code, out = run_cli(capsys, ["check", str(corpus), "--json", "--workers", "0"])
    assert code == 0 and unsafe(out) == []
    assert [json.loads(line)["title"] for line in out.splitlines()][0] == ESC_TITLE[2:]

    journal = journal_with(tmp_path / "r.jsonl", ["Tune [/]", "Polka [b]", ESC_TITLE, "x"])
    for command in (["rank"], ["stats"], ["ab-report"], ["rank", "--by-source"]):
        code, out = run_cli(capsys, [command[0], str(journal), *command[1:]])
        assert code == 0, out
        assert unsafe(out) == [], (command, out)
    code, out = run_cli(capsys, ["rank", str(journal)])
    assert "Tune [/]" in out and "Polka [b]" in out  # shown as written, not as markup


# -- fuzz: generated hostile text through check, rank, stats, ab-report, export, the TUI ----

NASTY = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b]2;PWNED\x07",
    "\x1b]52;c;Y2xpcA==\x07",
    "\x1bP+q\x1b\\",
    "\x1b[2J",
    "\x1b[?1049l",
    "\x9b31m",
    "\x9d0;x\x9c",
    "\x07",
    "\x08",
    "\r",
    "\t",
    "\x00",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200f",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\ud800",
    "[b]",
    "[/]",
    "[/b]",
    "[red]",
    "[link=https://x]",
    "[@click=app.quit]",
    "\\[",
    "[",
    "]",
    ":smile:",
    "é",
    "♫",
    "漢",
    "Reel",
    " ",
]


def hostile():
    from hypothesis import strategies as st

    piece = st.one_of(st.sampled_from(NASTY), st.text(max_size=4))
    return st.lists(piece, min_size=1, max_size=12).map("".join)


def one_line(text: str) -> str:
    """A title as a tunes file can hold it: no line breaks (they would end the T: field)."""
    out = "".join(" " if ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else ch for ch in text)
    return out.encode("utf-8", "replace").decode("utf-8").strip() or "t"


FUZZ_BATCH = 20  # titles per example; 60 examples: 1,200 titles through every command


@pytest.mark.slow
def test_fuzz_titles_through_the_commands(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import io

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    monkeypatch.setenv("COLUMNS", "400")
    seen = {"titles": 0}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(hostile(), min_size=FUZZ_BATCH, max_size=FUZZ_BATCH))
    def run(names: list[str]) -> None:
        base = tmp_path_factory.mktemp("fuzz")
        titles = [one_line(n) for n in names]
        corpus = tunes_file(base / "t.abc", titles)
        journal = journal_with(base / "r.jsonl", names)
        for argv in (
            ["check", str(corpus), "--blacklist", "none", "--workers", "0"],
            ["check", str(corpus), "--json", "--blacklist", "none", "--workers", "0"],
            ["rank", str(journal), "--by-source"],
            ["stats", str(journal)],
            ["ab-report", str(journal)],
            ["export", str(journal), "--format", "text", "--out", str(base / "t.txt")],
        ):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            text = out.getvalue() + err.getvalue()
            assert code in (0, 2), (argv, text)  # ab-report: 2 when no cross-source game
            assert unsafe(text) == [], (argv[0], text)
        exported = (base / "t.txt").read_text(encoding="utf-8")
        assert unsafe(exported) == []
        seen["titles"] += len(titles)

    run()
    assert seen["titles"] >= 1000


def screen_problems(app) -> list[str]:
    """What the rating screen would write that a terminal acts on, and rows whose width is
    not the screen's (a broken layout)."""
    width = app.screen.size.width
    problems = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if strip.cell_length != width:
            problems.append(f"row {y} is {strip.cell_length} cells wide")
        for segment in strip:
            bad = unsafe(segment.text, allow="")
            if bad:
                problems.append(f"row {y}: {bad} in {segment.text!r}")
    return problems


def as_read(text: str) -> str:
    """Lone surrogates as `read_samples` leaves them (U+FFFD): no sample file yields one."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


TUI_BATCH = 40  # samples per app; 25 examples: 1,000 titles and texts drawn


@pytest.mark.slow
def test_fuzz_titles_and_texts_through_the_rating_screen(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import asyncio

    from fakes import RecordingPlayer
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from rater.core.settings import RateSettings
    from rater.tui.build import make_app

    drawn = {"samples": 0}

    async def rate_all(samples: list[Sample], journal: Path) -> None:
        settings = RateSettings(rater="fuzz", min_view_seconds=0.0, autoplay=False)
        app = make_app(samples, journal, settings, player=RecordingPlayer())
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(len(samples)):
                while app.session.state == "waiting" and app.return_code is None:
                    await pilot.pause(0.02)
                assert app.error == ""
                if app.session.state == "done":
                    break
                await pilot.pause()
                assert screen_problems(app) == []
                drawn["samples"] += 2
                await pilot.press("1")
            await pilot.press("x")

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(st.tuples(hostile(), hostile()), min_size=TUI_BATCH, max_size=TUI_BATCH))
    def run(items: list[tuple[str, str]]) -> None:
        base = tmp_path_factory.mktemp("tui")
        items = [(as_read(title), as_read(text)) for title, text in items]
        samples = [
            Sample(
                id=f"{i:016x}",
                title=title,
                text=f"{title}\nverse {i} of a poem {text}\n{text} and the end",
                source=f"{base}/{text[:10]}.txt",
                number=i + 1,
                kind="text",
            )
            for i, (title, text) in enumerate(items)
        ]
        asyncio.run(rate_all(samples, base / "r.jsonl"))

    run()
    assert drawn["samples"] >= 1000


def test_the_notice_row_draws_warnings_as_plain_text() -> None:
    """The rating screen's notice row shows the machine's warnings (an unwritable cache),
    which name a path from `$RATER_CACHE_DIR`: a path may hold escapes and markup."""
    from rater.audio.player import ScheduledPlayer
    from rater.tui.widgets import notice_text

    warning = "render cache /tmp/c\x1b]2;PWNED\x07[b]x cannot be written\r(read-only)"
    text = notice_text(ScheduledPlayer(notice="no sound \x1b[31m"), [warning])
    assert unsafe(text.plain) == [] and text.spans == []
    assert "[b]x" in text.plain and "]2;PWNED" in text.plain


def test_notes_in_the_text_export_are_printable(tmp_path: Path) -> None:
    """A note (`c` in the rating screen; any string in a hand-made journal) is written into
    the text export, which people read in terminals and pagers."""
    journal = journal_with(tmp_path / "r.jsonl", ["a", "b", "c", "d"])
    note = "n\x1b]2;PWNED\x07 \x1b[2J\u202e[b]"
    lines = journal.read_text(encoding="ascii").splitlines()
    first = {**json.loads(lines[0]), "note": note}
    journal.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="ascii")
    out = tmp_path / "t.txt"
    assert main(["export", str(journal), "--format", "text", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert unsafe(text) == [] and "note: n]2;PWNED [2J[b]" in text
