"""Journals -> the files training code loads.

Formats are a registry of frozen dataclasses, so adding one is one function and one entry.
Every file is written to a temporary name and renamed into place, so a crash or a full disk
never leaves a half-written training file where a loader would pick it up.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rater.core import bpe
from rater.core.errors import ExportError
from rater.core.records import Rating
from rater.core.rules import continuation, decisions
from rater.core.settings import ExportOptions


@dataclass
class ExportResult:
    """What was written and why anything was left out (the CLI prints this)."""

    written: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    unit: str = "records"  # what `written` counts (text shows a tie once: "decisions")

    def drop(self, why: str, n: int = 1) -> None:
        if n:
            self.dropped[why] = self.dropped.get(why, 0) + n


def _atomic_write(out: str | os.PathLike[str], write: Callable[[IO[str]], None]) -> None:
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror})") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _select(
    ratings: Iterable[Rating], result: ExportResult, drop_broken: bool, drop_ties: bool
) -> list[Rating]:
    kept = []
    for r in ratings:
        if drop_broken and r.broken:
            result.drop("broken")
        elif drop_ties and r.tie:
            result.drop("tie")
        else:
            kept.append(r)
    return kept


def _cut_to_multiple(ratings: Sequence[Rating], batch: int) -> list[Rating]:
    """Drop the newest whole decisions until the count is a multiple of `batch`.

    Half a tie would train as a plain win, so a tie is kept or dropped whole; when only ties
    would fit the cut, the cut grows to the next multiple down.
    """
    groups = decisions(ratings)
    need = len(ratings) % batch
    while need and need <= len(ratings):
        drop: set[int] = set()
        left = need
        for i in range(len(groups) - 1, -1, -1):
            if len(groups[i]) <= left:
                drop.add(i)
                left -= len(groups[i])
                if not left:
                    break
        if not left:
            return [r for i, g in enumerate(groups) if i not in drop for r in g]
        need += batch
    return [] if need else list(ratings)


def export_oa(
    ratings: Sequence[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """lm-human-preferences best_of_2 labels: one JSON array of fixed-length int lists.

    The loader wants exactly query/sample0/sample1/best with fixed lengths, and the reward
    model trains in whole batches, so with `batch_size` the newest records beyond the last
    full batch are dropped (they stay in the journal for the next export).
    """
    for name, length in (
        ("query_length", opts.query_length),
        ("response_length", opts.response_length),
    ):
        if length < 1:
            raise ExportError(f"{{field}} must be at least 1, got {length}", field=name)
    if not 0 <= opts.pad_token < 2**31:
        raise ExportError(
            f"{{field}} must be a non-negative token id, got {opts.pad_token}", field="pad_token"
        )
    if opts.batch_size is not None and opts.batch_size < 1:
        raise ExportError(
            f"{{field}} must be at least 1, got {opts.batch_size}", field="batch_size"
        )
    result = ExportResult()
    kept = _select(ratings, result, opts.drop_broken, opts.drop_ties)
    if opts.batch_size:
        before = len(kept)
        kept = _cut_to_multiple(kept, opts.batch_size)
        result.drop(
            f"newest, beyond a multiple of batch size {opts.batch_size}", before - len(kept)
        )
    if not kept:
        raise ExportError(f"nothing to export to {out} (dropped: {_describe(result.dropped)})")
    q, n, pad = opts.query_length, opts.response_length, opts.pad_token

    def ints(ids: Sequence[int], length: int) -> str:
        return bpe.fit_text(ids, length, pad)

    def write(f: IO[str]) -> None:
        # Hand-built JSON: the ints are the whole file and str() of an int is already JSON.
        f.write("[")
        for i, r in enumerate(kept):
            f.write(
                f'{"," if i else ""}\n{{"query":[{ints(r.query, q)}],'
                f'"sample0":[{ints(r.sample0, n)}],"sample1":[{ints(r.sample1, n)}],'
                f'"best":{int(r.best)}}}'
            )
        f.write("\n]\n")

    _atomic_write(out, write)
    result.written = len(kept)
    return result


def export_trl(
    ratings: Sequence[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """Hugging Face TRL preference JSONL (prompt/chosen/rejected texts); ties carry no
    preference, so they are always dropped, and so are records without both texts (an
    empty chosen/rejected pair would train on nothing).

    TRL concatenates prompt + chosen, so chosen/rejected are the continuations: the full text
    minus the prompt when it starts with it (prefix pairing), else the full text.
    """
    result = ExportResult()
    kept = []
    for r in _select(ratings, result, opts.drop_broken, drop_ties=True):
        if r.texts[0] and r.texts[1]:
            kept.append(r)
        else:
            result.drop("without both texts")
    if not kept:
        raise ExportError(f"nothing to export to {out} (dropped: {_describe(result.dropped)})")
    prompts: dict[tuple[int, ...], str] = {}

    def write(f: IO[str]) -> None:
        for r in kept:
            key = tuple(r.query)
            if key not in prompts:
                prompts[key] = bpe.decode(r.query) if r.query else ""
            prompt = prompts[key]
            row = {
                "prompt": prompt,
                "chosen": continuation(r.texts[r.best], prompt),
                "rejected": continuation(r.texts[1 - r.best], prompt),
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    _atomic_write(out, write)
    result.written = len(kept)
    return result


def export_text(
    ratings: Sequence[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """A readable version for people checking what was rated: one entry per decision (a tie
    is shown once), so `written` counts decisions."""
    result = ExportResult(unit="decisions")
    kept = _select(ratings, result, opts.drop_broken, opts.drop_ties)
    shown = [group[0] for group in decisions(kept)]

    def write(f: IO[str]) -> None:
        for i, r in enumerate(shown, start=1):
            outcome = "tie" if r.tie else ("A wins" if r.best == 0 else "B wins")
            if r.broken:
                outcome += " (auto: broken sample)"
            f.write(f"=== #{i}  {outcome}  rater={r.rater or '-'}  {r.time}\n")
            for side, k in (("A", 0), ("B", 1)):
                why = f"  broken: {', '.join(r.reasons[k])}" if r.reasons[k] else ""
                f.write(f"--- {side} {r.ids[k]}  {r.sources[k]}{why}\n")
                f.write(r.texts[k].rstrip("\n") + "\n")
            f.write("\n")

    _atomic_write(out, write)
    result.written = len(shown)
    return result


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    export: Callable[[Sequence[Rating], str | os.PathLike[str], ExportOptions], ExportResult]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("oa", "lm-human-preferences best_of_2 JSON array", export_oa),
        Format("trl", "Hugging Face TRL prompt/chosen/rejected JSONL", export_trl),
        Format("text", "readable text", export_text),
    )
}


def overwrites_input(
    out: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]
) -> str | None:
    """The input that `out` names (same file, through links or `..`), else None: writing
    the output would destroy what is being read."""
    target = Path(out)
    for p in inputs:
        src = Path(p)
        try:
            if target.exists() and src.exists() and os.path.samefile(target, src):
                return str(p)
        except OSError:
            pass
        if target.resolve() == src.resolve():
            return str(p)
    return None


def _describe(dropped: dict[str, int]) -> str:
    return ", ".join(f"{n} {why}" for why, n in dropped.items()) or "none"
