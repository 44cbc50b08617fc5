"""Run by test_cache_reads.py in a child process (with a memory limit and a time limit):
read one sample's render through `audio.pipeline.render_stream` from a cache folder someone
has tampered with, and print what came back, or the exception that escaped. Not a test
module.

    python cache_probe.py CACHE_ROOT
"""

from __future__ import annotations

import sys

from rater.audio.pipeline import render_stream
from rater.audio.synth import find_soundfont
from rater.core.records import Sample
from rater.core.settings import RenderSettings

TUNE = "X:1\nT:Probe\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA|\n"


def main() -> None:
    sample = Sample("probe0000000000a", TUNE, "probe.abc", 0)
    settings = RenderSettings(soundfont=find_soundfont())
    try:
        (r,) = render_stream([sample], settings, workers=0, cache_dir=sys.argv[1])
    except BaseException as exc:  # what the test looks for: anything that escapes
        print(f"escaped {type(exc).__name__}")
        return
    print(f"notes {len(r.notes)} error {r.error} cached {r.cached}")


if __name__ == "__main__":
    main()
