"""Generators' outputs, one file per shape (`tests/outputs/`, written like the real tools'
output), each read into exactly the samples it holds, none holding a separator or a log line.

The Hugging Face `datasets` exports are written by `datasets` itself (`to_json`,
`to_parquet`), so they are exactly what that library writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rater.core.corpus import read_samples
from rater.core.errors import CorpusError
from rater.core.formats import EOT, SEP_LINE
from rater.core.loglines import is_log_line

OUTPUTS = Path(__file__).parent / "outputs"
TITLES = ["Harbour Lights", "Stony Path", "Morning Slip", "Low Meadow", "Tin Roof", "Quiet Lane"]

# file -> (samples it holds, the titles of those that have one, in order)
FILES = {
    "gpt2_unconditional.txt": (7, [0, 1, 2, 3, 4, 5]),
    "gpt2_interactive.txt": (4, [0, 1, 3, 2]),
    "samples-1000": (4, [5, 4, 1]),
    "eot.txt": (3, [0, 1, 2]),
    "openai_completions.jsonl": (4, [0, 1, 2, 3]),
    "openai_chat.json": (3, [0, 1, 4]),
    "openai_batch.jsonl": (2, [2, 3]),
    "hf_pipeline.json": (3, [0, 1, 2]),
    "folkrnn.abc": (3, []),
    "tunes.abc": (4, [0, 1, 2, 3]),
}


def clean(texts: list[str]) -> None:
    """No sample holds a separator, a log or header line, or a piece of JSON."""
    for text in texts:
        assert EOT not in text and not text.lstrip().startswith(("{", "[{"))
        for line in text.split("\n"):
            assert not SEP_LINE.match(line) and not is_log_line(line), (line, text)
        assert '"choices"' not in text and "generated_text" not in text


@pytest.mark.parametrize("name", list(FILES))
def test_each_output_reads_into_its_samples(name: str) -> None:
    count, titles = FILES[name]
    samples = read_samples([str(OUTPUTS / name)])
    assert len(samples) == count, [s.text[:30] for s in samples]
    assert [s.title for s in samples if s.title] == [TITLES[i] for i in titles]
    assert [s.number for s in samples] == list(range(1, count + 1))
    clean([s.text for s in samples])


def test_a_dump_sample_running_past_endoftext_is_two() -> None:
    """The dump's third sample starts mid-tune (unconditional sampling) and runs on into two
    more tunes: three samples, the fragment first."""
    samples = read_samples([str(OUTPUTS / "gpt2_unconditional.txt")])
    assert samples[3].text == "FGA B2:|"
    assert samples[4].title == "Low Meadow" and samples[5].title == "Tin Roof"
    assert samples[0].text.startswith("X:12\nT:Harbour Lights") and "WARNING" not in samples[0].text


def test_the_directory_of_outputs_reads_every_file() -> None:
    samples = read_samples([str(OUTPUTS)], kind="abc")
    # duplicates across files collapse: the made-up tunes recur; each file's own count holds
    assert {Path(s.source).name for s in samples} <= set(FILES) | {"train.log"}
    assert all(s.number >= 1 for s in samples)
    clean([s.text for s in samples if Path(s.source).name != "train.log"])


def forty_sample_dump(tunes: list[str]) -> tuple[str, list[str]]:
    """A sampler dump of 40 samples, 12 of which run past `<|endoftext|>` into another tune
    (on the next line, or straight on as GPT-2 writes it); and the 52 samples it holds."""
    parts, want = [], []
    run_on = 0
    for n in range(40):
        first = tunes[n]
        text, held = first, [first]
        if n % 10 in (1, 4, 7):  # 12 of the 40 run on
            second = tunes[40 + run_on]
            eot = "\n<|endoftext|>\n" if run_on % 2 else "<|endoftext|>"
            text, held = f"{first}{eot}{second}", [first, second]
            run_on += 1
        parts.append(f"{'=' * 40} SAMPLE {n + 1} {'=' * 40}\n{text}\n")
        want.extend(held)
    return "".join(parts) + "=" * 80 + "\n", want


def test_forty_sample_dump(tmp_path: Path) -> None:
    """The issue's case: every sample read, and each of the 12 that run past <|endoftext|>
    gives two (it gave 20 samples, headers glued on, several merged)."""
    bars = ["ABcd efge", "dcBA GFED", "FAdf agfe", "d2fd e2ce", "B2AB GABG"]
    tunes = [
        f"X:{k}\nT:Tune {k}\nM:4/4\nL:1/8\nK:D\n"
        + "|".join(bars[(k * j + k) % 5] for j in range(6))
        + "|"
        for k in range(1, 53)
    ]
    text, want = forty_sample_dump(tunes)
    assert len(want) == 52 == len(set(want))
    path = tmp_path / "dump.txt"
    path.write_text(text, encoding="utf-8")
    samples = read_samples([str(path)])
    assert [s.text for s in samples] == want
    assert [s.number for s in samples] == list(range(1, 53))
    clean([s.text for s in samples])


def hf_dataset(columns: dict[str, list]):
    datasets = pytest.importorskip("datasets")
    return datasets.Dataset.from_dict(columns)


TUNE_A = "X:1\nT:Harbour Lights\nM:6/8\nL:1/8\nK:D\nA|dfa afd|gfe fdB|AFA dFA|BAG FED|"
TUNE_B = "X:2\nT:Stony Path\nM:4/4\nL:1/8\nK:G\n|:GABc dedB|cBAG FGAB|c2ec B2dB|ABAG FGAF|"


def test_hugging_face_jsonl_export_any_text_column(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    hf_dataset({"tune": [TUNE_A, TUNE_B], "score": [0.5, None]}).to_json(str(one))
    assert [s.title for s in read_samples([str(one)])] == ["Harbour Lights", "Stony Path"]
    two = tmp_path / "two.jsonl"
    hf_dataset({"prompt": ["X:1", "X:2"], "tune": [TUNE_A, TUNE_B]}).to_json(str(two))
    with pytest.raises(CorpusError, match=r"line 1: several text fields \(prompt, tune\)"):
        read_samples([str(two)])
    named = read_samples([str(two)], text_field="tune")
    assert [s.title for s in named] == ["Harbour Lights", "Stony Path"]
    with pytest.raises(CorpusError, match="no field 'abc'"):
        read_samples([str(two)], text_field="abc")


def test_hugging_face_parquet_export(tmp_path: Path) -> None:
    path = tmp_path / "gen.parquet"
    hf_dataset({"generated_text": [TUNE_A, TUNE_B, None], "step": [1, 2, 3]}).to_parquet(str(path))
    samples = read_samples([str(path)])
    assert [(s.title, s.number) for s in samples] == [("Harbour Lights", 1), ("Stony Path", 2)]
    (tmp_path / "d").mkdir()
    path.rename(tmp_path / "d" / "gen.parquet")
    assert len(read_samples([str(tmp_path / "d")])) == 2  # found in a directory too


def test_parquet_without_pyarrow_names_the_extra(tmp_path: Path) -> None:
    """Without the optional extra, one line that says what to install (pyarrow hidden from
    a fresh interpreter, as on a machine without it)."""
    path = tmp_path / "gen.parquet"
    hf_dataset({"text": [TUNE_A]}).to_parquet(str(path))
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from rater.cli import main\n"
        f"raise SystemExit(main(['check', {str(path)!r}, '--workers', '0']))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"rater: {path}: reading Parquet needs pyarrow, the optional extra 'parquet': "
        "pip install 'rater[parquet]'"
    ]


def test_json_that_breaks_off_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    full = json.dumps([{"text": TUNE_A}, {"text": TUNE_B}], indent=2)
    path.write_text(full[: len(full) // 2], encoding="utf-8")
    with pytest.raises(CorpusError, match=r"cut\.json: not valid JSON \(.* at line \d+\)"):
        read_samples([str(path)])
    path.write_text('{"choices": [{"index": 0}]}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="a choice without text or message.content"):
        read_samples([str(path)])
    path.write_text('{"text": 42}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="field 'text' holds a number, not text"):
        read_samples([str(path)])


def test_text_field_is_a_command_line_option(tmp_path: Path, capsys) -> None:
    from rater.cli import main

    path = tmp_path / "two.jsonl"
    path.write_text(
        "".join(json.dumps({"prompt": "X:1", "tune": t}) + "\n" for t in (TUNE_A, TUNE_B)),
        encoding="utf-8",
    )
    assert main(["check", str(path), "--workers", "0", "--json"]) == 2
    assert "name the sample's with --text-field" in capsys.readouterr().err
    assert main(["check", str(path), "--workers", "0", "--json", "--text-field", "tune"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["title"], x["number"]) for x in lines] == [("Harbour Lights", 1), ("Stony Path", 2)]
