"""Run by test_cache_reads.py in a child process (with a memory limit and a time limit):
read one sample's notes through `audio.notes.clip_notes` from a cache folder someone has
tampered with, and print what came back, or the exception that escaped. Not a test module.

    python notes_probe.py CACHE_ROOT
"""

from __future__ import annotations

import sys

from rater.audio.notes import NoteStats, clip_notes
from rater.core.records import Sample
from rater.core.settings import NoteSettings

TUNE = "X:1\nT:Probe\nM:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA|\n"


def main() -> None:
    sample = Sample("probe0000000000a", TUNE, "probe.abc", 0)
    stats = NoteStats()
    try:
        found = clip_notes([sample], NoteSettings(workers=0), sys.argv[1], stats=stats)
    except BaseException as exc:  # what the test looks for: anything that escapes
        print(f"escaped {type(exc).__name__}")
        return
    r = found[sample.id]
    print(f"notes {len(r.notes)} error {r.error} parsed {stats.parsed}")


if __name__ == "__main__":
    main()
