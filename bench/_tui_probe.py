"""Child process of bench/journal_scale.py and bench/million.py: read a corpus, start the
rating app on a journal, decide one pair, press `u`; print the times as JSON (and how long
reading the corpus took). Run by each implementation's own Python, so it uses only what both
the old and the new code have (`read_samples`, `make_app`, `Pilot`).

    python bench/_tui_probe.py CORPUS JOURNAL [KIND]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def probe(corpus: str, journal: str, kind: str = "text") -> dict[str, float]:
    from rater.core.corpus import read_samples
    from rater.core.settings import RateSettings
    from rater.tui.build import make_app

    t = time.perf_counter()
    samples = read_samples([corpus], kind=kind)
    read = time.perf_counter() - t
    settings = RateSettings(rater="bench", min_view_seconds=0.0, autoplay=False, silent=True)
    start = time.perf_counter()
    app = make_app(samples, journal, settings)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.session.state != "showing":
            assert app.return_code is None, app.error
            await pilot.pause(0.005)
        shown = time.perf_counter() - start
        before = app.session.current
        t = time.perf_counter()
        app.action_decide(0)  # what the `1` key runs on the event loop
        decide = time.perf_counter() - t
        await pilot.pause()
        t = time.perf_counter()
        app.action_undo()  # what `u` runs on the event loop (the screen waits for it)
        undo = time.perf_counter() - t
        await pilot.pause()
        assert app.session.current == before, "u did not bring the pair back"
        await pilot.press("x")
    return {"start": shown, "decide": decide, "u": undo, "read": read, "samples": len(samples)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(*sys.argv[1:4]))))
