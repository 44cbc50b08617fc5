"""Journals -> the files training code loads.

Formats are a registry of frozen dataclasses, so adding one is one function and one entry.
Each export reads its records once, as a stream, and writes each row as it goes, so a journal
of hundreds of MB is never held in memory; cutting to a batch size reads them twice (count,
then write), so `ratings` must then be re-iterable (a list, or `rating.reading.JournalRecords`).
Every file is written to a temporary name and renamed into place (`core.files.write_output`:
never over a device or a FIFO), so a crash or a full disk never leaves a half-written
training file where a loader would pick it up. Every export
reports what it cut and how long the longest pair is, because both consumers lose data
silently: lm-human-preferences trains on fixed-length cuts, TRL's RewardTrainer drops pairs
longer than its `max_length`. A record whose broken sample was too long to keep in the journal
(`core.rules.elided`) has no text or tokens for that side, so training formats leave it out
and say so; the text format shows it without the text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from rater.core import bpe
from rater.core.errors import ExportError
from rater.core.files import write_output
from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.rules import continuation, elided, iter_decisions, recheck_of
from rater.core.settings import ExportOptions

TRL_MAX_LENGTH = 1024  # TRL's RewardConfig.max_length default; longer pairs are filtered out
ELIDED = "a broken sample too long to keep in the journal (no text or tokens)"
RECHECK_DROP = "hidden re-check (repeats an earlier decision; --keep-rechecks keeps it)"


@dataclass
class ExportResult:
    """What was written, what was cut, and why anything was left out (the CLI prints this).

    Lengths are GPT-2 tokens of the rows written, before any cut: `longest_pair` is the
    longest query + response, which is what TRL compares with its `max_length`.
    """

    written: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    unit: str = "records"  # what `written` counts (text shows a tie once: "decisions")
    queries_truncated: int = 0  # rows whose query was cut to query_length (oa)
    responses_truncated: int = 0  # responses cut to response_length, two per row (oa)
    longest_query: int = 0
    longest_response: int = 0
    longest_pair: int = 0
    over_trl_max_length: int = 0  # trl rows that TRL's default max_length would drop
    automatic: int = 0  # of `written`: automatic (a broken sample lost), the rest people's

    def drop(self, why: str, n: int = 1) -> None:
        if n:
            self.dropped[why] = self.dropped.get(why, 0) + n

    def measure(self, r: Rating) -> None:
        """Called once per row written."""
        self.automatic += bool(r.broken)
        response = max(len(r.sample0), len(r.sample1))
        self.longest_query = max(self.longest_query, len(r.query))
        self.longest_response = max(self.longest_response, response)
        self.longest_pair = max(self.longest_pair, len(r.query) + response)


def _select(
    ratings: Iterable[Rating],
    result: ExportResult | None,
    drop_broken: bool,
    drop_ties: bool,
    keep_elided: bool = False,
    keep_rechecks: bool = False,
) -> Iterator[Rating]:
    """The records an export keeps, counting the others in `result` (None: not counted,
    for a first pass). Hidden re-checks repeat an earlier decision of the same rater (sides
    swapped): as training rows they would count that pair twice, so they stay out unless
    `keep_rechecks`."""
    for r in ratings:
        if not keep_rechecks and recheck_of(r) is not None:
            why = RECHECK_DROP
        elif drop_broken and r.broken:
            why = "broken"
        elif drop_ties and r.tie:
            why = "tie"
        elif elided(r) and not keep_elided:
            why = ELIDED
        else:
            yield r
            continue
        if result is not None:
            result.drop(why)


def _cut_groups(sizes: Sequence[int], batch: int) -> set[int]:
    """Which decisions (by index; `sizes` are their record counts) to drop, newest first,
    so the record count becomes a multiple of `batch`.

    Half a tie would train as a plain win, so a tie is kept or dropped whole; when only ties
    would fit the cut, the cut grows to the next multiple down.
    """
    total = sum(sizes)
    need = total % batch
    while need and need <= total:
        drop: set[int] = set()
        left = need
        for i in range(len(sizes) - 1, -1, -1):
            if sizes[i] <= left:
                drop.add(i)
                left -= sizes[i]
                if not left:
                    break
        if not left:
            return drop
        need += batch
    return set(range(len(sizes))) if need else set()


def _cut_to_multiple(ratings: Sequence[Rating], batch: int) -> list[Rating]:
    """`_cut_groups` applied to a list of records."""
    groups = list(iter_decisions(ratings))
    drop = _cut_groups([len(g) for g in groups], batch)
    return [r for i, g in enumerate(groups) if i not in drop for r in g]


def export_oa(
    ratings: Iterable[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """lm-human-preferences best_of_2 labels: one JSON array of fixed-length int lists.

    The loader wants exactly query/sample0/sample1/best with fixed lengths, and the reward
    model trains in whole batches, so with `batch_size` the newest records beyond the last
    full batch are dropped (they stay in the journal for the next export). No row starts
    with padding (see `ExportOptions.empty_query_token`).
    """
    result = ExportResult()
    q, n, pad = opts.query_length, opts.response_length, opts.pad_token
    drop: set[int] = set()
    if opts.batch_size:  # a first pass counts the decisions that would be written
        sizes = [len(g) for g in iter_decisions(_oa_rows(ratings, None, opts))]
        drop = _cut_groups(sizes, opts.batch_size)
    queries: dict[tuple[int, ...], str] = {}

    def ints(ids: Sequence[int], length: int) -> str:
        return bpe.pad_to_text(ids, length, pad)

    def write(f: IO[str]) -> None:
        # Hand-built JSON: the ints are the whole file and str() of an int is already JSON.
        f.write("[")
        cut = 0
        for i, group in enumerate(iter_decisions(_oa_rows(ratings, result, opts))):
            if i in drop:
                cut += len(group)
                continue
            for r in group:
                key = tuple(r.query)
                if key not in queries:
                    queries[key] = _oa_query(key, opts)
                result.measure(r)
                result.queries_truncated += len(r.query) > q
                result.responses_truncated += (len(r.sample0) > n) + (len(r.sample1) > n)
                f.write(
                    f'{"," if result.written else ""}\n{{"query":[{queries[key]}],'
                    f'"sample0":[{ints(r.sample0, n)}],"sample1":[{ints(r.sample1, n)}],'
                    f'"best":{int(r.best)}}}'
                )
                result.written += 1
        result.drop(f"newest, beyond a multiple of batch size {opts.batch_size}", cut)
        if not result.written:
            raise ExportError(f"nothing to export to {out} (dropped: {_describe(result.dropped)})")
        f.write("\n]\n")

    write_output(out, write, ExportError)
    return result


def _oa_rows(
    ratings: Iterable[Rating], result: ExportResult | None, opts: ExportOptions
) -> Iterator[Rating]:
    """The records an oa export writes, before the batch cut."""
    q = opts.query_length
    for r in _select(
        ratings, result, opts.drop_broken, opts.drop_ties, keep_rechecks=opts.keep_rechecks
    ):
        if opts.long_query == "drop" and len(r.query) > q:
            if result is not None:
                result.drop(f"query longer than {q} tokens")
            continue
        yield r


def _oa_query(ids: tuple[int, ...], opts: ExportOptions) -> str:
    """The query of an oa row as JSON ints: cut by `long_query`, `empty_query_token` when
    empty, right-padded (`bpe.pad_to_text`). The one place the leading-padding rule is kept."""
    q, pad = opts.query_length, opts.pad_token
    if len(ids) > q:
        ids = ids[-q:] if opts.long_query == "keep-end" else ids[:q]
    row = list(ids) or [opts.empty_query_token]
    if row[0] == pad:
        raise ExportError(
            f"a query starts with token {pad}, which is also {{field}}; lm-human-preferences "
            "would read it as padding and fail: choose another {field}",
            field="pad_token",
        )
    return bpe.pad_to_text(row, q, pad)


def export_trl(
    ratings: Iterable[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """Hugging Face TRL preference JSONL (prompt/chosen/rejected texts); ties carry no
    preference, so they are always dropped, and so are records without both texts (an
    empty chosen/rejected pair would train on nothing).

    TRL concatenates prompt + chosen, so chosen/rejected are the continuations: the full text
    minus the prompt when it starts with it (prefix pairing), else the full text.
    """
    result = ExportResult()
    prompts: dict[tuple[int, ...], str] = {}

    def write(f: IO[str]) -> None:
        for r in _select(
            ratings, result, opts.drop_broken, drop_ties=True, keep_rechecks=opts.keep_rechecks
        ):
            if not (r.texts[0] and r.texts[1]):
                result.drop("without both texts")
                continue
            result.measure(r)
            # RewardTrainer appends an EOS token to chosen and rejected before it compares.
            longest = len(r.query) + max(len(r.sample0), len(r.sample1)) + 1
            result.over_trl_max_length += longest > TRL_MAX_LENGTH
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
            result.written += 1
        if not result.written:
            raise ExportError(f"nothing to export to {out} (dropped: {_describe(result.dropped)})")

    write_output(out, write, ExportError)
    return result


def export_text(
    ratings: Iterable[Rating], out: str | os.PathLike[str], opts: ExportOptions = ExportOptions()
) -> ExportResult:
    """A readable version for people checking what was rated: one entry per decision (a tie
    is shown once), so `written` counts decisions. It is read in terminals and pagers, so
    texts and names are written printable (`core.printable`: no escape sequences)."""
    result = ExportResult(unit="decisions")

    def write(f: IO[str]) -> None:
        kept = _select(
            ratings,
            result,
            opts.drop_broken,
            opts.drop_ties,
            keep_elided=True,
            keep_rechecks=opts.keep_rechecks,
        )
        for i, group in enumerate(iter_decisions(kept), start=1):
            r = group[0]
            result.measure(r)
            outcome = "tie" if r.tie else ("A wins" if r.best == 0 else "B wins")
            if r.broken:
                outcome += " (auto: broken sample)"
            f.write(
                f"=== #{i}  {outcome}  rater={printable(r.rater) or '-'}  {printable(r.time)}\n"
            )
            f.writelines(f"{printable(line)}\n" for line in _text_notes(r))
            for side, k in (("A", 0), ("B", 1)):
                why = f"  broken: {', '.join(r.reasons[k])}" if r.reasons[k] else ""
                f.write(printable(f"--- {side} {r.ids[k]}  {r.sources[k]}{why}") + "\n")
                text = "(left out of the journal: too long)" if k in elided(r) else r.texts[k]
                f.write(printable(text.rstrip("\n"), lines=True) + "\n")
            f.write("\n")
            result.written += 1

    write_output(out, write, ExportError)
    return result


def _text_notes(r: Rating) -> list[str]:
    """The text export's lines about how a decision was made: re-check, listening, note."""
    lines = []
    if recheck_of(r) is not None:
        lines.append(f"re-check of decision {recheck_of(r)} (sides swapped)")
    heard, seconds = r.extra.get("heard"), r.extra.get("decide_seconds")
    if heard is not None and seconds is not None:
        lines.append(
            f"heard A {heard[0]:.1f} s, B {heard[1]:.1f} s; decided after {seconds:.1f} s; "
            f"{r.extra.get('replays', 0)} replays"
        )
    elif seconds is not None:
        lines.append(f"decided after {seconds:.1f} s")
    note = r.extra.get("note")
    if note:
        lines.append("note: " + " ".join(str(note).split()))
    return lines


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    export: Callable[[Iterable[Rating], str | os.PathLike[str], ExportOptions], ExportResult]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("oa", "lm-human-preferences best_of_2 JSON array", export_oa),
        Format("trl", "Hugging Face TRL prompt/chosen/rejected JSONL", export_trl),
        Format("text", "readable text", export_text),
    )
}


def _describe(dropped: dict[str, int]) -> str:
    return ", ".join(f"{n} {why}" for why, n in dropped.items()) or "none"
