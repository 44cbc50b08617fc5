"""The notes of each sample's clip, for the model: from the render cache when the sample was
rendered, else from the model's own notes cache, else parsed now ("cold").

The render cache holds `Render.notes` for every sample a rating session played, so fitting
from a journal normally parses nothing. Samples nobody rendered (a generator's 50,000 outputs
to score) are parsed with music21 in a few worker processes, without synthesising audio
(`render.parse_one`: same notes, same time limit), and their notes are kept under
`<cache dir>/notes-<key>/` so the next run is warm too. Both caches are keyed by content and
by what changes the notes (clip length and speed), never by a file name.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rater.core import scratch
from rater.core.files import read_regular
from rater.core.jsonread import loads
from rater.core.records import MACHINE_FAILURE, Render, Sample
from rater.core.settings import CheckSettings, NoteSettings, RenderSettings

SKIP_REASONS = frozenset({"too-long", "empty", "unparseable"})  # text checks: never parsed
# A machine failure (the OOM killer) is not the tune's: not kept. A timeout is: unlike the render
# cache, which must not fail a tune for good because the machine was busy, this cache would
# otherwise parse every tune that times out again on every run, 10 s each; a tune that
# parses in ~50 ms on an idle machine does not take 10 s on a busy one.
NOT_KEPT = frozenset({MACHINE_FAILURE})
_FIELDS = frozenset({"notes", "clip_seconds", "music_seconds", "error"})
DEFAULT_NOTES = NoteSettings()


@dataclass
class NoteStats:
    """Where the notes came from (the CLI reports it: the cold part is what costs time)."""

    render_cache: int = 0
    notes_cache: int = 0
    parsed: int = 0
    skipped: int = 0
    failed: int = 0  # the machine failed on them (`MACHINE_FAILURE`): notes unknown


def clip_notes(
    samples: Sequence[Sample],
    settings: NoteSettings = DEFAULT_NOTES,
    cache_root: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    stats: NoteStats | None = None,
) -> dict[str, Render]:
    """id -> a Render holding the clip's notes (or the reason there are none).

    `kind="text"` samples get no entry. `progress(n)` is called once before `n` samples are
    parsed, so a caller can say why it is slow.
    """
    return _gather(samples, settings, cache_root, progress, stats, load=True)


def ensure(
    samples: Sequence[Sample],
    settings: NoteSettings = DEFAULT_NOTES,
    cache_root: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    stats: NoteStats | None = None,
) -> None:
    """Make every sample's notes readable from a cache, parsing those in neither, without
    reading the cached ones: for callers that read them in several processes afterwards
    (`rater.rating.gather`)."""
    _gather(samples, settings, cache_root, progress, stats, load=False)


def _gather(
    samples: Sequence[Sample],
    settings: NoteSettings,
    cache_root: str | Path | None,
    progress: Callable[[int], None] | None,
    stats: NoteStats | None,
    load: bool,
) -> dict[str, Render]:
    from rater.audio import cache
    from rater.core import checks, paths

    root = Path(cache_root) if cache_root else paths.cache_dir()
    stats = stats if stats is not None else NoteStats()
    found: dict[str, Render] = {}
    todo: list[Sample] = []
    bucket = _render_bucket(settings)
    rendered = root / bucket.key() if bucket is not None else None
    folder = root / f"notes-{settings.key()}"
    plain_checks = CheckSettings()
    for s in {s.id: s for s in samples if s.kind == "abc"}.values():
        if rendered is not None and not load and (rendered / f"{s.id}.json").is_file():
            stats.render_cache += 1
            continue
        hit = cache.get(s.id, bucket, root) if bucket is not None and load else None
        if hit is not None:
            stats.render_cache += 1
            found[s.id] = hit
            continue
        if not load and (folder / f"{s.id}.json").is_file():
            stats.notes_cache += 1
            continue
        hit = _read(folder, s.id) if load else None
        if hit is not None:
            stats.notes_cache += 1
            found[s.id] = hit
            continue
        verdict = checks.text_verdict(s, plain_checks)
        skip = [r for r in verdict.reasons if r in SKIP_REASONS]
        if skip:
            stats.skipped += 1
            found[s.id] = Render(s.id, None, error=skip[0], detail="not parsed (text checks)")
            continue
        todo.append(s)
    if todo:
        if progress is not None:
            progress(len(todo))
        for r in _parse_all(todo, settings):
            if r.error in NOT_KEPT:
                stats.failed += 1  # left out: its notes are unknown, not absent
                continue
            stats.parsed += 1
            found[r.sample_id] = r
            _write(folder, r)
    return found


def _render_bucket(settings: NoteSettings) -> RenderSettings | None:
    """Render settings whose cache bucket holds these clips (None: no SoundFont, no bucket)."""
    from rater.audio.synth import find_soundfont
    from rater.core.errors import SetupError

    try:
        font = find_soundfont(settings.soundfont)
    except SetupError:
        return None
    return settings.render_settings(font)


def _read(folder: Path, sample_id: str) -> Render | None:
    """An entry exactly as `_write` makes it, else None (a miss: parsed again). The folder
    is untrusted like the render cache: a FIFO, a device or a symlink is never opened, and
    every number is checked (finite times, MIDI pitches, a known reason)."""
    from rater.audio.cache import CACHED_ERRORS, MAX_ENTRY_BYTES, note_event

    raw = read_regular(folder / f"{sample_id}.json", MAX_ENTRY_BYTES)
    if raw is None:
        return None
    try:
        data = loads(raw, MAX_ENTRY_BYTES)
        if not isinstance(data, dict) or set(data) != _FIELDS:
            return None
        seconds = [data["clip_seconds"], data["music_seconds"]]
        error = data["error"]
        if not all(type(x) in (int, float) and 0 <= x < float("inf") for x in seconds):
            return None
        if error is not None and error not in CACHED_ERRORS | {"timeout"}:
            return None
        if not isinstance(data["notes"], list):
            return None
        return Render(
            sample_id,
            None,
            clip_seconds=float(seconds[0]),
            music_seconds=float(seconds[1]),
            notes=tuple(note_event(n) for n in data["notes"]),
            error=error,
            cached=True,
        )
    except (ValueError, TypeError):
        return None


def _write(folder: Path, r: Render) -> None:
    """Best effort: a cache that cannot be written only costs the next run a parse."""
    data = {
        "notes": [[n.start, n.end, n.pitch] for n in r.notes],
        "clip_seconds": r.clip_seconds,
        "music_seconds": r.music_seconds,
        "error": r.error,
    }
    payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
    with contextlib.suppress(OSError):
        scratch.write_new(folder / f"{r.sample_id}.json", payload)


def _parse_all(samples: list[Sample], settings: NoteSettings) -> Iterable[Render]:
    """Parse in `settings.workers` processes of the render pool (0: in this one), which
    brings its time limit, watchdog and crash handling: a bad tune costs only itself."""
    rs = settings.render_settings()
    from rater.audio.pool import Pool, in_process

    if settings.workers <= 0:
        from rater.audio.render import parse_one

        yield from (in_process(s, lambda s: parse_one(s, rs)) for s in samples)
        return

    pool = Pool(rs, Path(), workers=settings.workers, parse_only=True)
    try:
        yield from pool.run(samples)
    finally:
        pool.close()
