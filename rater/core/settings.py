"""Every default in one place: one frozen settings dataclass per stage.

The command line reads its option defaults from these fields; `make_app`, the session, the
tests and the benches build them directly. Nothing else repeats a default. A value that
cannot work raises a SettingsError naming the field (the CLI shows its flag instead).

    CorpusSettings   reading samples files (kind, extract's minimum length)
    RenderSettings   ABC -> WAV clips: SoundFont, clip length, speed, time limit, workers
    CheckSettings    auto-fail thresholds and the blacklist snippets
    PairingSettings  which strategy chooses pairs, its seed and prefix length
    ExportOptions    training-file shapes: lengths, padding, batch cut, what to drop
    RateSettings     a rating sitting: rater, the four above it uses, and the screen's
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

from rater.core.bpe import DEFAULT_PAD
from rater.core.errors import SettingsError


@dataclass(frozen=True)
class CorpusSettings:
    """How samples files are read."""

    kind: str = "abc"  # "abc" (rendered and played) or "text" (shown only)
    min_chars: int = 42  # extract: shorter samples are log noise, not samples


@dataclass(frozen=True)
class RenderSettings:
    """Everything that changes the rendered audio (`key` names its cache bucket), plus how
    rendering runs (time limit, worker processes), which does not change the audio.

    `soundfont` is "" until resolved (`rater.audio.synth.resolve_soundfont` finds one).
    """

    soundfont: str = ""
    clip_seconds: float = 10.0
    speed: float = 1.1  # tempo factor, pitch unchanged
    sample_rate: int = 22050
    time_limit: float = 10.0  # seconds one sample may take to render; 0: no limit
    program: int = 0  # General MIDI program (0 = acoustic grand piano)
    workers: int = 2  # render processes; 0 renders in this process

    def __post_init__(self) -> None:
        if not self.clip_seconds > 0:
            raise SettingsError(
                f"{{field}} must be positive, got {self.clip_seconds:g}", field="clip_seconds"
            )
        if not 0.1 <= self.speed <= 10:
            raise SettingsError(
                f"{{field}} must be between 0.1 and 10, got {self.speed:g}", field="speed"
            )

    def key(self) -> str:
        """Cache key: settings plus the SoundFont's identity (path, size, mtime)."""
        try:
            st = os.stat(self.soundfont)
            sf_ident = f"{os.path.abspath(self.soundfont)}:{st.st_size}:{int(st.st_mtime)}"
        except OSError:
            sf_ident = self.soundfont
        payload = json.dumps(
            [sf_ident, self.clip_seconds, self.speed, self.sample_rate, self.program, 1]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds of the auto-fail checks; defaults tuned on real tunes (see `checks`).

    `blacklist` holds the snippets themselves; `checks.default_settings()` loads the
    built-in lists (what the CLI uses unless told `--blacklist none`).
    """

    min_seconds: float = 2.0  # whole tune shorter than this (at the played speed): too-short
    silent_peak: float = 0.005  # clip peak |amplitude| below this: silent
    silent_rms: float = 0.0005  # clip RMS below this: silent
    max_compress_ratio: float = 6.0  # len(body) / len(zlib(body)) above this: compressible
    min_compress_chars: int = 200  # shorter bodies are not judged on compressibility
    max_period_repeats: int = 12  # a unit of <= max_period chars repeated more: repetitive
    max_period: int = 24
    min_period_span: int = 48  # ... and the repeated run covers at least this many chars
    max_bar_run: int = 8  # the same bar this many times in a row: repetitive
    min_distinct_bars: float = 0.15  # distinct bars / bars below this (>= 16 bars): repetitive
    min_abc_fraction: float = 0.8  # share of body chars that are ABC symbols; less: unparseable
    max_field_number: int = 256  # a number in L:/M: above this: unparseable
    max_note_length: int = 1024  # a note length multiplier above this: unparseable
    max_chars: int = 20_000  # longer samples: too-long (real tunes: < 2,500 chars)
    blacklist: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PairingSettings:
    """Which pairs a person sees: a strategy of `rater.rating.pairing.STRATEGIES`."""

    strategy: str = "halves"
    seed: int = 0  # same seed, same pairs (resume depends on it)
    prefix_chars: int = 20  # prefix: samples sharing this many first characters are paired


@dataclass(frozen=True)
class ExportOptions:
    """Shapes of the training files (`rater.analysis.export`)."""

    query_length: int = 64  # oa: query tokens
    response_length: int = 512  # oa: response tokens
    pad_token: int = DEFAULT_PAD  # oa: padding id (lm-human-preferences pads with 50259)
    batch_size: int | None = None  # oa: cut the record count to a multiple of this
    drop_broken: bool = False  # leave out auto-rated records (a broken sample)
    drop_ties: bool = False  # oa/text: leave out tie records


AUTO_RATER = "auto"  # the rater of `rater autorate`'s records: no person decided them


@dataclass(frozen=True)
class RateSettings:
    """One rating sitting (`rater rate`, `rater demo`): read by `make_app` and `Session`."""

    rater: str = "anonymous"  # stored in every record
    pairing: PairingSettings = field(default_factory=PairingSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    silent: bool = False  # never play audio
    autoplay: bool = True  # play A then B as each pair is shown
    gap_seconds: float = 1.0  # silence between clip A and clip B
    min_view_seconds: float = 0.3  # decide/skip keys are ignored this long after a pair shows
