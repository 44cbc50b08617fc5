"""`rater cache`: how much the cache folder holds against its cap (`--size`, the default;
`--cache-size` names the cap a run keeps it under), or empty it (`--clear`). Only files
rater makes are counted or removed (`rater.audio.cachefolder`)."""

from __future__ import annotations

import argparse

from rater.audio import cachefolder


def run(args: argparse.Namespace) -> int:

    if args.clear:
        removed = cachefolder.clear()
        print(
            f"removed {removed.files} files ({cachefolder.human_size(removed.size)}, "
            f"{removed.clips} clips) from {removed.root}"
        )
        if removed.other:
            print(f"left {removed.other} files or folders rater did not make")
        return 0
    from rater.core.settings import RenderSettings

    cap = RenderSettings(cache_max_bytes=args.cache_size).cache_max_bytes  # its range checked
    held = cachefolder.usage()
    print(
        f"{held.root}: {cachefolder.human_size(held.size)} in {held.files} files "
        f"({held.clips} clips in {held.buckets} render "
        f"bucket{'' if held.buckets == 1 else 's'}: one per render settings)"
    )
    print(
        f"cap {cachefolder.human_size(cap)} ({held.size / cap:.0%} used): rendering past it "
        "removes the least recently used clips (--cache-size)"
    )
    if held.other:
        print(f"also {held.other} files or folders rater did not make (--clear leaves them)")
    return 0
