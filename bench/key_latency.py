"""Key press -> next pair on screen, in-process with Pilot, with every clip rendered ahead.

What a person feels between pressing `1` and seeing the next pair: the decision record is
built (BPE-encoded), appended and fsync'd to the journal, the next pair is chosen and both
panels (ABC text, piano rolls) are redrawn. Rendering is not part of it: the corpus is
rendered into the cache first, as it would be by the background worker in a real session.

Two figures per press, both from the moment the key event is handed to the app: `handler`
(key handled, journal fsync'd, widgets updated: the app's `shown_at` stamp) and
`press->painted` (the first frame composed after that, i.e. the new pair on screen), plus
the event-loop thread's CPU time over the same span (what the work costs, whatever else
the machine is doing: wall times on a shared, loaded machine include waiting for a core).
Pilot's own `press()` is not used for timing: it sleeps in 20 ms steps until the process
looks idle, which would measure the harness, not the app.
The baseline printed beside them is a bare fsync'd append of the same bytes to a file, the
part of the latency no UI work can remove.

`--pairing halves model` measures each strategy on the same corpus in the same run (the
first is the baseline the others are compared with); `--gap` is the pause between a frame
and the next key. The idle jobs (`model`: features, refit, next batch) run on a worker and
its child process meanwhile; every press made while one ran is reported apart.

Measured on branch i15b, `--pairing halves model` (240 tunes, 120 presses each, gap 50 ms,
nice -n 10): press -> painted p95 model / halves 1.12x (34.7 vs 31.1 ms, load 1.2) and
1.04x (35.4 vs 33.9 ms, load 2.5); handler medians 3.4 vs 3.5 ms; the model's settle
(features, refit, next batch; after the frame) median 39 ms, p95 44 ms, the first one
1.4 s (imports, the first 240 samples' features).

Measured on branch i21 (issue 21: the model's features, refits and next batch in a niced
child process, off the event loop; nice -n 5, 2 cores shared with other work), presses 50 ms
apart, so a refit job is running at almost every press:
- 240 tunes, load 3.4: press -> painted p95 model 47.5 ms (47.4 ms over the 93 of 120
  presses made while a refit ran) vs halves 51.5 ms in the same run (0.92x); event-loop CPU
  p95 17.8 vs 19.9 ms; jobs median 147 ms.
- 5,000 tunes (--presses 400), load 7.9 falling to 3.6: p95 model 48.8 ms (399 of 400
  presses during a refit) vs halves 44.4 ms (1.10x); event-loop CPU p95 20.3 vs 19.0 ms;
  jobs median 517 ms, the first (child start + 1,024 samples' features) 4.3 s.
- At load 8-9 the same 240-tune runs gave model p95 58-80 ms and halves 47-87 ms: beyond
  the cores, the machine's other work sets the wall times (the CPU figures stay put).
- Before (refit in a thread of the app, same session): 5,000 tunes p95 106 ms vs halves 47
  ms (load 7): the refit's pure-Python work held the interpreter lock the keys needed.

`--stats-screen N` opens the live stats screen (`s`) for every other block of N presses in the
same sitting and compares press -> painted with it open (its charts redrawn after the
decisions, counted and drawn on their worker; what a key changes at once is the status line
above them) against closed (the next pair), and how long a decision takes to reach them.
Measured on branch polish (the counting and plotext's drawing moved from a thread of the app
to the niced child of rating/offload.py; 240 tunes, 60 presses open and 60 closed, nice -n 5,
load 8-10 on 2 cores), each against the thread version in a run just before it:
- run 1: open / closed p95 0.72x (77.8 vs 108.7 ms; the thread: 2.07x, 155.7 vs 75.3 ms);
  decision -> charts median 442 ms, p95 811 ms (the thread: 333, 634 ms).
- run 2: 1.36x (42.0 vs 31.0 ms; the thread: 1.44x, 66.7 vs 46.4 ms); decision -> charts
  median 257 ms, p95 530 ms (the thread: 301, 520 ms).
What is left open is the event loop's own: painting four panels of plotext text (event-loop
CPU p95 25 ms open against 14 ms closed, in both versions).

Run: .venv/bin/python bench/key_latency.py [--tunes 240] [--pairing halves model] [--gap 0.05]
     [--presses N] [--cache DIR] [--stats-screen 10]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # fakes.RecordingPlayer
sys.path.insert(0, str(REPO / "bench"))  # model_corpus


def tunes_file(dest: Path, n: int) -> Path:
    """`n` real tunes: O'Neill's first (the 240-tune runs measured before used only those),
    then the other music21 collections of bench/model_corpus.py (up to ~8,700 tunes)."""
    from model_corpus import COLLECTIONS, human_pool

    texts = [s.text for s in human_pool(COLLECTIONS, max_body=2000)[:n]]
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} tunes available, asked for {n}")
    out = dest / "tunes.abc"
    out.write_text("\n\n".join(texts) + "\n")
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(
    path: Path,
    journal: Path,
    presses: int,
    strategy: str = "halves",
    gap: float = 0.05,
    stats_block: int = 0,
    opened: list[bool] | None = None,
) -> tuple[list[float], list[float], list[float], list[bool]]:
    """`stats_block` N > 0: the live stats screen (`s`) is opened and closed every N presses,
    and `opened` gets, per measured press, whether it was open (charts updating after the
    decisions): both kinds of press in one sitting, under the same load."""
    from fakes import RecordingPlayer  # tests/fakes.py: the audio device is not timed

    from rater.audio import pipeline
    from rater.audio.synth import resolve_soundfont
    from rater.core import checks, corpus
    from rater.core.settings import PairingSettings, RateSettings, RenderSettings
    from rater.tui.build import make_app

    samples = corpus.read_samples([str(path)])
    settings = RateSettings(  # what `rater rate` runs with (built-in blacklist), except:
        rater="bench",
        pairing=PairingSettings(strategy),
        render=resolve_soundfont(RenderSettings()),
        checks=checks.default_settings(),
        min_view_seconds=0.0,  # keys come 50 ms apart here; the double-press guard would drop them
    )
    print(f"pre-rendering {len(samples)} tunes into the cache (not timed)...")
    t = time.perf_counter()
    for _ in pipeline.judge_stream(samples, settings.render, settings.checks):
        pass
    print(f"  done in {time.perf_counter() - t:.1f} s")
    app = make_app(samples, journal, settings, player=RecordingPlayer())
    handler: list[float] = []
    painted: list[float] = []
    cpu: list[float] = []
    frames: list[float] = []
    cpu_frames: list[float] = []
    jobs: list[tuple[float, float]] = []  # (start, end) of every idle job (refits...)
    during: list[bool] = []  # per measured press: a job was running when it was pressed
    async with app.run_test(size=(160, 48)) as pilot:
        # Stamp every composed frame: `_display` is where Textual hands a frame to the
        # terminal (headless: composed, then dropped), so this is "the next pair is shown".
        display = app._display

        def stamped(screen, renderable) -> None:  # type: ignore[no-untyped-def]
            if renderable is not None:
                frames.append(time.perf_counter())
                cpu_frames.append(time.thread_time())
            display(screen, renderable)

        app._display = stamped  # type: ignore[method-assign]
        idle_job = app.session.idle_job
        running: list[float] = []  # start of the job out now

        def timed_job():  # type: ignore[no-untyped-def]
            job = idle_job()
            if job is None:
                return None

            def run():  # type: ignore[no-untyped-def]  # on the worker thread
                t = time.perf_counter()
                running.append(t)
                try:
                    return job()
                finally:
                    jobs.append((t, time.perf_counter()))
                    running.clear()

            return run

        app.session.idle_job = timed_job  # type: ignore[method-assign]
        while not app.session.judging_done.is_set() or app.session.state == "waiting":
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        from textual import events

        from rater.tui.stats import StatsScreen

        stats_open = False
        updates = 0
        counts: list[tuple[float, float]] = []  # (count started, its charts on screen)
        pressed: list[float] = []  # when each key was pressed with the stats screen open
        closed: list[float] = []  # when the stats screen was closed
        start, ready = StatsScreen._start, StatsScreen.on_stats_ready

        def timed_start(screen: StatsScreen) -> None:
            counts.append((time.perf_counter(), math.inf))
            start(screen)

        def timed_ready(screen: StatsScreen, message) -> None:  # type: ignore[no-untyped-def]
            ready(screen, message)
            counts[-1] = (counts[-1][0], time.perf_counter())

        StatsScreen._start = timed_start  # type: ignore[method-assign]
        StatsScreen.on_stats_ready = timed_ready  # type: ignore[method-assign]
        for i in range(presses):
            if app.session.state != "showing":
                break
            if stats_block and i % stats_block == 0:
                if stats_open:
                    updates += app.screen.updates  # type: ignore[attr-defined]
                    closed.append(time.perf_counter())
                await pilot.press("s")  # opens or closes it
                stats_open = isinstance(app.screen, StatsScreen)
                await pilot.pause(0.3)  # its first charts, then keys again
            key = "12"[i % 2]
            shown_before = app.shown_at
            busy = bool(running)
            c0 = time.thread_time()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, key))
            if stats_open:
                pressed.append(t0)
            deadline = t0 + 5.0
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
                if app.shown_at != shown_before and frames and frames[-1] > app.shown_at:
                    break
            if app.session.state == "showing" and app.shown_at != shown_before:
                handler.append(app.shown_at - t0)
                k = next(i for i, f in enumerate(frames) if f > app.shown_at)
                painted.append(frames[k] - t0)
                cpu.append(cpu_frames[k] - c0)
                during.append(busy or bool(running))
                if opened is not None:
                    opened.append(stats_open)
            await asyncio.sleep(gap)
        if stats_open:
            updates += app.screen.updates  # type: ignore[attr-defined]
        await pilot.pause(1.0)  # the last decision's charts
        await pilot.press("x")
    if stats_block:
        print(f"  live stats: charts drawn {updates} times over {sum(opened or [])} presses")
        # a decision's charts: those of the first count started after its key, while the
        # screen stayed open (the last presses of a block are closed on before they show)
        closed.append(math.inf)
        delays = []
        for t in pressed:
            end = next((end for began, end in counts if began > t), math.inf)
            if end <= next(c for c in closed if c > t):
                delays.append(end - t)
        ms = 1000.0
        print(
            f"  decision -> its charts on screen ({len(delays)} of {len(pressed)} presses; the "
            f"rest were closed on first): median {statistics.median(delays) * ms:.0f} ms, "
            f"p95 {pct(delays, 0.95) * ms:.0f} ms, max {max(delays) * ms:.0f} ms"
        )
    if jobs:
        ms = 1000.0
        took = [end - start for start, end in jobs]
        print(
            f"  idle jobs (features, refit, next batch; worker thread): {len(took)}, median "
            f"{statistics.median(took) * ms:.1f} ms, p95 {pct(took, 0.95) * ms:.1f} ms, "
            f"max {max(took) * ms:.1f} ms; the first {took[0] * ms:.0f} ms"
        )
    return handler, painted, cpu, during


def fsync_baseline(dest: Path, n: int = 50) -> float:
    line = b'{"query":[],"sample0":[' + b"1," * 300 + b'1],"best":0}\n'
    path = dest / "baseline.jsonl"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, line)
            os.fsync(fd)
            times.append(time.perf_counter() - t)
    finally:
        os.close(fd)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tunes", type=int, default=240)
    parser.add_argument("--pairing", nargs="+", default=["halves"], help="strategies to time")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds from a frame to a key")
    parser.add_argument(
        "--presses", type=int, default=None, help="keys per strategy (default: tunes / 2)"
    )
    parser.add_argument(
        "--cache", metavar="DIR", help="render cache to keep between runs (default: a temp one)"
    )
    parser.add_argument(
        "--stats-screen",
        type=int,
        default=0,
        metavar="N",
        help="open and close the live stats screen every N presses; compare the two",
    )
    args = parser.parse_args()
    runs = {}
    with tempfile.TemporaryDirectory(prefix="rater-bench-") as tmp:
        tmpdir = Path(tmp)
        os.environ["RATER_CACHE_DIR"] = args.cache or str(tmpdir / "cache")
        path = tunes_file(tmpdir, args.tunes)
        for strategy in args.pairing:
            print(f"--pairing {strategy}")
            journal = tmpdir / f"r-{strategy}.jsonl"
            opened: list[bool] = []
            presses = args.presses or args.tunes // 2
            runs[strategy] = asyncio.run(
                measure(path, journal, presses, strategy, args.gap, args.stats_screen, opened)
            )
            if args.stats_screen:
                compare_stats_screen(strategy, runs[strategy], opened)
        base = fsync_baseline(tmpdir)
    for strategy, (handler, painted, cpu, during) in runs.items():
        print(f"== --pairing {strategy}, {args.tunes} tunes (gap {args.gap:g} s) ==")
        report(handler, painted, cpu, base)
        busy = [p for p, d in zip(painted, during, strict=True) if d]
        if busy:
            print(
                f"  presses while a refit job ran: {len(busy)} of {len(painted)}, press -> "
                f"painted median {statistics.median(busy) * 1000:.1f} ms, "
                f"p95 {pct(busy, 0.95) * 1000:.1f} ms"
            )
    if len(runs) > 1:
        first = args.pairing[0]
        p95 = {k: pct(v[1], 0.95) for k, v in runs.items()}
        for strategy in args.pairing[1:]:
            print(
                f"press -> painted p95, {strategy} / {first}: {p95[strategy] / p95[first]:.2f}x "
                f"({p95[strategy] * 1000:.1f} vs {p95[first] * 1000:.1f} ms)"
            )


def compare_stats_screen(
    strategy: str, run: tuple[list[float], list[float], list[float], list[bool]], opened: list[bool]
) -> None:
    """Press -> painted with the live stats screen open against closed, in one sitting."""
    handler, painted, cpu, _ = run
    for name, keep in (("closed", False), ("open", True)):
        mine = [k for k, o in enumerate(opened) if o == keep]
        print(f"== --pairing {strategy}, live stats screen {name} ({len(mine)} presses) ==")
        report(*([xs[k] for k in mine] for xs in (handler, painted, cpu)), base=None)
    p95 = {o: pct([painted[k] for k, x in enumerate(opened) if x == o], 0.95) for o in (0, 1)}
    print(
        f"press -> painted p95, stats screen open / closed: {p95[1] / p95[0]:.2f}x "
        f"({p95[1] * 1000:.1f} vs {p95[0] * 1000:.1f} ms)"
    )


def report(
    handler: list[float], painted: list[float], cpu: list[float], base: float | None
) -> None:
    ms = 1000.0
    print(f"key presses measured:           {len(handler)}")
    print(
        f"handler (record+fsync+redraw):  median {statistics.median(handler) * ms:.1f} ms, "
        f"p95 {pct(handler, 0.95) * ms:.1f} ms"
    )
    print(
        f"press -> painted frame:         median {statistics.median(painted) * ms:.1f} ms, "
        f"p95 {pct(painted, 0.95) * ms:.1f} ms   (target p95 <= 50 ms)"
    )
    print(
        f"event-loop CPU per press:       median {statistics.median(cpu) * ms:.1f} ms, "
        f"p95 {pct(cpu, 0.95) * ms:.1f} ms   (the work itself, independent of machine load)"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average (1 min):   {load:.1f} on {os.cpu_count()} cores")
    if base is not None:
        print(
            f"baseline: bare fsync'd append:  median {base * ms:.2f} ms "
            f"(handler median = {statistics.median(handler) / base:.1f}x the baseline)"
        )


if __name__ == "__main__":
    main()
