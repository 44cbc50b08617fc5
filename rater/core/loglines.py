"""The lines a training run or a sampler prints around its samples, which are no part of any.

Each shape is named by what prints it:

- GPT-2 fine-tuning (nshepperd's `train.py` and its forks): step lines
  `[1 | 0.61] loss=2.50 avg=2.60`, `Generating samples...`, `Saving checkpoint/run1/model-100`,
  `Loading checkpoint ...`, `Loading dataset...`, `dataset has 123456 tokens`, `Training...`,
  `interrupted`, and TensorFlow's deprecation notices;
- the samplers' `==== SAMPLE 3 ====` headers and `====` rules, `Model prompt >>>` lines;
- progress bars (tqdm: `45%|████▌     | 9/20 [00:01<00:02,  4.51it/s]`);
- reinforcement-learning logs (PPO step, KL, score lines), logging and absl lines,
  timestamps, Python tracebacks, notebook `In [3]:` prompts.

`rater extract` drops them; the sampler-dump reader (`formats`) ends a sample at one.
"""

from __future__ import annotations

import re

# nshepperd's samplers print "=" * 40 + " SAMPLE 3 " + "=" * 40; its train.py "======== SAMPLE 3
# ========". Other forks put a different number of "=" around it, or "-".
SAMPLE_HEADER = re.compile(r"^\s*(?:={3,}|-{3,})\s*SAMPLE\s+\d+\s*(?:={3,}|-{3,})\s*$")
LOG_LINES = {
    "training step": re.compile(r"^\s*\[\d+\s*\|\s*[\d.]+(?:\s*\|[^\]]*)?\]"),
    "status": re.compile(
        r"^\s*(?:Generating samples|Saving checkpoint|Saving \S+/|Saved in|Loading checkpoint|"
        r"Loading dataset|dataset has \d+ tokens|Training\.\.\.|interrupted$|Restoring|"
        r"Calculating validation loss|Model prompt >>>|Instructions for updating:|"
        r"Use .* instead\.?$)"
    ),
    "metric": re.compile(
        r"\b(?:loss|avg|lr|learning_rate|epoch|step|kl|score|reward|perplexity|total)\s*"
        r"[=:]\s*-?[\d.]+(?:e-?\d+)?\b|\bppo\b",
        re.IGNORECASE,
    ),
    "progress bar": re.compile(r"\d+%\|.*\|\s*\d+/\d+|\d+(?:\.\d+)?\s*(?:it/s|s/it)\]?\s*$"),
    "logging": re.compile(
        r"^\s*(?:WARNING|INFO|ERROR|DEBUG|CRITICAL)[:\s]|^[WIEF]\d{4} \d\d:\d\d"
        r"|^\s*\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?"
    ),
    "traceback": re.compile(r"^\s*(?:Traceback \(most recent call last\)|File \".*\", line \d+)"),
    "notebook": re.compile(r"^\s*(?:In|Out)\s*\[\d*\]:"),
    "sampler header": SAMPLE_HEADER,
    "separator": re.compile(r"^\s*(?:={3,}|-{3,})\s*$"),
}


def is_log_line(line: str) -> bool:
    return any(p.search(line) for p in LOG_LINES.values())
