"""The command-line edge: every command turns bad input into one line on stderr and exit 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rater.audio.synth import find_soundfont
from rater.cli import build_parser, options
from rater.core.errors import SetupError
from rater.core.settings import RenderSettings

COMMANDS = [
    "demo",
    "rate",
    "render",
    "play",
    "check",
    "autorate",
    "export",
    "encode",
    "extract",
    "rank",
    "ab-report",
    "stats",
    "cache",
    "model",
]


def run_cli(*args: str, cwd: Path, env_extra: dict[str, str] | None = None, stdin: str = ""):
    env = dict(os.environ)
    env["RATER_CACHE_DIR"] = str(cwd / "cache")
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "rater", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_command() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert re.search(rf"^    {command}\s", text, re.M), command


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from rater.cli import build_parser\n"
        "build_parser().format_help()\n"
        "heavy = [m for m in ('music21', 'fluidsynth', 'textual', 'tiktoken', 'numpy') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    binary = tmp_path / "binary.abc"
    binary.write_bytes(bytes(range(256)) * 10)
    empty = tmp_path / "empty.abc"
    empty.write_text("")
    torn = tmp_path / "torn.jsonl"
    torn.write_text('{"query": [], "sample0": [1]\n{"query": [], "sample0"')
    return {"missing": tmp_path / "nope.abc", "binary": binary, "empty": empty, "torn": torn}


@pytest.mark.parametrize("command", ["check", "render", "autorate"])
@pytest.mark.parametrize("kind", ["missing", "binary", "empty"])
def test_corpus_commands_reject_bad_input_in_one_line(
    command: str, kind: str, bad_files: dict[str, Path], tmp_path: Path
) -> None:
    extra = ["--ratings", str(tmp_path / "r.jsonl")] if command == "autorate" else []
    result = run_cli(command, str(bad_files[kind]), *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rater: ")
    assert bad_files[kind].name in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["rank", "stats", "ab-report"])
def test_journal_commands_reject_a_missing_file(command: str, tmp_path: Path) -> None:
    result = run_cli(command, str(tmp_path / "none.jsonl"), cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "none.jsonl" in result.stderr


def test_export_rejects_a_corrupt_middle_line(tmp_path: Path) -> None:
    journal = tmp_path / "bad.jsonl"
    journal.write_text("not json at all\n" + "{}\n")
    result = run_cli("export", str(journal), "--format", "oa", "--out", "o.json", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bad.jsonl" in result.stderr
    assert not (tmp_path / "o.json").exists()


def test_encode_known_answer_through_the_cli(tmp_path: Path) -> None:
    result = run_cli("encode", cwd=tmp_path, stdin="X:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[55, 25]"


def test_render_options_become_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI edge: parsed options -> settings (defaults are the settings' own)."""
    monkeypatch.delenv("RATER_SOUNDFONT", raising=False)
    words = tmp_path / "words.txt"
    words.write_text("Bad Snippet\n")

    def parse(*extra: str):
        return build_parser().parse_args(["check", "x.abc", *extra])

    rs, cs = options.render_and_checks(
        parse(
            "--clip-seconds", "5", "--speed", "1.25", "--time-limit", "3", "--blacklist", str(words)
        ),
        "abc",
    )
    assert rs == RenderSettings(
        soundfont=find_soundfont(), clip_seconds=5.0, speed=1.25, time_limit=3.0
    )
    assert cs.blacklist == ("bad snippet",)
    _, cs = options.render_and_checks(parse("--blacklist", "none"), "abc")
    assert cs.blacklist == ()
    with pytest.raises(SetupError, match="apt-get install"):
        options.render_and_checks(parse("--soundfont", str(tmp_path / "missing.sf2")), "abc")
    rs, _ = options.render_and_checks(parse(), "abc")
    assert (rs.clip_seconds, rs.speed, rs.workers) == (10.0, 1.1, 2)  # RenderSettings' defaults


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "x.abc", "--clip-seconds", "0"],
            "rater: --clip-seconds must be positive, got 0",
        ),
        (["check", "x.abc", "--speed", "50"], "rater: --speed must be between 0.1 and 10, got 50"),
        (
            ["check", "x.abc", "--clip-seconds", "100000"],
            "rater: --clip-seconds must be at most 180 seconds, got 100000",
        ),
        (
            ["render", "x.abc", "--time-limit", "-1"],
            "rater: --time-limit must be a number of seconds, 0 for no limit, got -1",
        ),
        (
            ["autorate", "x.abc", "--ratings", "r.jsonl", "--time-limit", "nan"],
            "rater: --time-limit must be a number of seconds, 0 for no limit, got nan",
        ),
        (
            ["export", "r.jsonl", "--format", "oa", "--out", "o.json", "--query-length", "0"],
            "rater: --query-length must be at least 1, got 0",
        ),
    ],
)
def test_setting_errors_name_the_option(args: list[str], message: str, tmp_path: Path) -> None:
    """Library errors name settings fields; the CLI shows the option a person typed."""
    (tmp_path / "x.abc").write_text("X:1\nT:t\nK:C\nCDEF|\n")
    (tmp_path / "r.jsonl").write_text(
        '{"query":[],"sample0":[1],"sample1":[2],"best":0,"ids":["a","b"]}\n'
    )
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == message + "\n"


def test_an_unusable_pairing_names_the_option(tmp_path: Path) -> None:
    (tmp_path / "poems.txt").write_text("one poem\n===\nanother poem\n")
    result = run_cli(
        "rate", "poems.txt", "--kind", "text", "--pairing", "ab", "--silent", cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.startswith("rater: --pairing ab: ab pairing needs samples from exactly")
