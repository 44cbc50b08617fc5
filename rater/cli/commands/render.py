"""`rater render`: precompile every clip into the cache, so rating sessions start warm;
with `--out DIR`, also each playable sample's MIDI and clip in DIR (`rater.audio.outdir`)."""

from __future__ import annotations

import argparse
import time
from collections import Counter

from rater.audio import outdir
from rater.audio.pipeline import judge_stream, not_judged
from rater.cli.options import render_and_checks, warn
from rater.core.corpus import read_samples
from rater.core.paths import cache_dir
from rater.core.records import Sample
from rater.core.settings import RenderSettings


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    render_settings, check_settings = render_and_checks(args, args.kind)  # checked first
    samples = read_samples(args.samples, kind=args.kind, text_field=args.text_field)
    folder = outdir.prepare(args.out) if args.out else None  # refused before any rendering
    err = Console(stderr=True)
    playable = []
    start = time.monotonic()
    reasons: Counter[str] = Counter()
    ok = cached = rendered = 0
    lost: list[str] = []

    def machine_failed(sample: Sample, why: str) -> None:
        lost.append(sample.id)
        warn(not_judged(sample, why))

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("rendering", total=len(samples))
        stream = judge_stream(
            samples, render_settings, check_settings, lost=machine_failed, audio=True
        )
        for judged in stream:
            progress.advance(task)
            if judged.render is not None:
                rendered += 1
                cached += judged.render.cached
            if judged.verdict.ok:
                ok += 1
                playable.append(judged)
            else:
                reasons.update(judged.verdict.reasons)
    written = outdir.write_all(folder, playable, render_settings) if folder else 0
    elapsed = time.monotonic() - start
    out = Console(highlight=False)
    broken = len(samples) - ok - len(lost)
    out.print(f"{len(samples)} samples: {ok} ok, {broken} broken")
    if lost:
        out.print(f"not judged: {len(lost)} (the machine failed, not the tunes; run again)")
    for reason, count in reasons.most_common():
        out.print(f"  {reason:<14} {count}")
    out.print(f"renders: {rendered} ({cached} from cache, {rendered - cached} new)")
    if len(samples) - len(lost) > rendered:
        out.print(
            f"not rendered: {len(samples) - len(lost) - rendered} (failed text checks, or text)"
        )
    out.print(f"elapsed: {elapsed:.1f} s; cache: {_bucket(render_settings)}", markup=False)
    if folder is not None:
        out.print(
            f"{written} MIDI files and clips in {folder} (index: {outdir.INDEX})", markup=False
        )
    return 0


def _bucket(settings: RenderSettings) -> str:

    return str(cache_dir() / settings.key())
