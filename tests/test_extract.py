"""extract: samples out of a training log, log lines dropped, readable by read_samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from rater.cli import build_parser
from rater.cli.commands import extract as cmd
from rater.core.corpus import normalise, read_samples
from rater.core.errors import CorpusError
from rater.core.extract import extract_samples, format_samples

TUNE_A = "X:1\nT:A\nM:4/4\nL:1/8\nK:G\nGABc dedB|cBAG FGAB|]"
TUNE_B = "M:6/8\nK:D\nABc def|gfe dcB|ABc def|edc BAG|]"
LOG = f"""step 10 ppo loss 0.31
k = 3 score = 0.5
{TUNE_A}
kl = 0.02 total = 1.2
{TUNE_B}
<|endoftext|>short one
{TUNE_A}

===
{TUNE_B.replace(chr(10), "⏎")}
"""


def test_extract_drops_log_lines_short_and_duplicate_samples() -> None:
    samples = extract_samples([LOG]).samples
    assert [normalise(s) for s in samples] == [normalise(TUNE_A), normalise(TUNE_B)]
    assert "short one" in extract_samples([LOG], min_chars=1).samples


def test_tunes_without_blank_lines_between_are_split() -> None:
    log = TUNE_A + "\n" + TUNE_A.replace("X:1", "X:2").replace("T:A", "T:C")
    assert len(extract_samples([log]).samples) == 2


def test_output_reads_back_with_same_ids(tmp_path: Path) -> None:
    samples = extract_samples([LOG]).samples
    out = tmp_path / "out.txt"
    out.write_text(format_samples(samples), encoding="utf-8")
    back = read_samples([str(out)])
    assert tuple(s.text for s in back) == samples


def test_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "train.log"
    log.write_text(LOG, encoding="utf-8")
    out = tmp_path / "samples.txt"

    def parse(*logs: Path):
        return build_parser().parse_args(["extract", *map(str, logs), "--out", str(out)])

    assert cmd.run(parse(log)) == 0
    assert "found 2 unique samples" in capsys.readouterr().out
    assert len(read_samples([str(out)])) == 2
    empty = tmp_path / "empty.log"
    empty.write_text("ppo step 1\nkl = 0\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no samples of at least 42 chars"):
        cmd.run(parse(empty))
    with pytest.raises(CorpusError, match="missing.log: no such file"):
        cmd.run(parse(tmp_path / "missing.log"))


def test_a_tune_line_containing_ppo_inside_a_word_is_kept() -> None:
    tune = "X:1\nT:The Opposite Reel\nM:4/4\nK:D\nabcd efga|bagf edcB|AFDF A2dc|"
    log = f"ppo step 3 loss 0.1\n{tune}\n\nkl = 0.3\n"
    assert extract_samples([log], min_chars=10).samples == (tune,)


OUTPUTS = Path(__file__).parent / "outputs"


def test_gpt2_training_log_keeps_tunes_and_drops_the_log() -> None:
    """nshepperd's train.py output: checkpoint and dataset messages, a progress bar, step
    lines (`[1 | 7.47] loss=3.08 avg=3.19`), `Generating samples...`, sampler headers, a
    sample running on past <|endoftext|>, `Saving checkpoint/...`, `interrupted`."""
    from rater.core.loglines import is_log_line

    found = extract_samples([(OUTPUTS / "train.log").read_text(encoding="utf-8")])
    titles = [t.split("\n")[1] for t in found.samples]
    assert titles == ["T:Harbour Lights", "T:Stony Path", "T:Morning Slip", "T:Low Meadow"]
    assert (found.dropped_lines, found.short, found.duplicates) == (28, 1, 1)
    for sample in found.samples:
        assert not any(is_log_line(line) for line in sample.split("\n")), sample
        assert "SAMPLE" not in sample and "Saving" not in sample and "loss=" not in sample


def test_dump_headers_are_not_kept() -> None:
    found = extract_samples([(OUTPUTS / "gpt2_unconditional.txt").read_text(encoding="utf-8")])
    assert len(found.samples) == 6  # the 8-char fragment is under --min-chars
    assert not any("SAMPLE" in s or "=====" in s or "tensorflow" in s for s in found.samples)


def test_command_says_what_it_found_and_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "samples.txt"
    args = build_parser().parse_args(["extract", str(OUTPUTS / "train.log"), "--out", str(out)])
    assert cmd.run(args) == 0
    assert capsys.readouterr().out == (
        "found 4 unique samples of >= 42 chars; dropped 28 log, progress and header lines, "
        f"1 piece under 42 chars, 1 repeated sample; wrote {out}\n"
    )
    assert [s.title for s in read_samples([str(out)])] == [
        "Harbour Lights",
        "Stony Path",
        "Morning Slip",
        "Low Meadow",
    ]
