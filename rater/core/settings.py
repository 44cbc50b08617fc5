"""Every default in one place: one frozen settings dataclass per stage.

The command line reads its option defaults from these fields; `make_app`, the session, the
tests and the benches build them directly. Nothing else repeats a default. A value that
cannot work raises a SettingsError naming the field (the CLI shows its flag instead).

    CorpusSettings   reading samples files (kind, extract's minimum length)
    RenderSettings   ABC -> WAV clips: SoundFont, clip length, speed, time limit, workers
    CheckSettings    auto-fail thresholds and the blacklist snippets
    PairingSettings  which strategy chooses pairs, its seed and prefix length
    ExportOptions    training-file shapes: lengths, padding, long queries, batch cut, drops
    RateSettings     a rating sitting: rater, the four above it uses, and the screen's
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from rater.core.abc.dialect import DIALECTS
from rater.core.bpe import DEFAULT_PAD, ENDOFTEXT_ID, MAX_ID, N_VOCAB, check_pad_token
from rater.core.errors import ExportError, SettingsError


@dataclass(frozen=True)
class CorpusSettings:
    """How samples files are read. `dialect` is how an ABC sample's text is read as music
    (`rater.core.abc.dialect`: auto, abc, folkrnn); the checks, the renderer and the
    preference model each carry it in their settings, defaulting to this one."""

    kind: str = "abc"  # "abc" (rendered and played) or "text" (shown only)
    min_chars: int = 42  # extract: shorter samples are log noise, not samples
    text_field: str = ""  # JSON field / Parquet column holding the sample; "": found by name
    dialect: str = "auto"

    def __post_init__(self) -> None:
        check_dialect(self.dialect)


def check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise SettingsError(
            f"{{field}} must be one of {', '.join(DIALECTS)}, got {dialect!r}", field="dialect"
        )


# A clip is what a rater hears before deciding (10 s by default); 3 minutes holds a whole
# folk tune with its repeats, and keeps a clip under 8 MB (unbounded, 100000 gave 24 MB).
MAX_CLIP_SECONDS = 180.0
# Training rows of GPT-2 BPE ids: GPT-2's context is 1,024 tokens, models that share its
# vocabulary reach 2,048-8,192; past that a length only makes huge files (--query-length
# 3000000 wrote 504 MB for 28 records, 10**20 raised OverflowError).
MAX_TOKENS = 8192


def max_workers() -> int:
    """Processes a command may start: 4 per core (40 workers for one tune helped nobody)."""
    return 4 * (os.cpu_count() or 1)


@dataclass(frozen=True)
class Range:
    """The values a numeric setting, and the option that sets it, may take: checked where
    the settings are made (one line naming the option, exit status 2) and shown in
    `--help`. `high` may be a function of the machine (`max_workers`)."""

    low: float
    high: float | Callable[[], float]
    unit: str = ""

    def top(self) -> float:
        return self.high() if callable(self.high) else self.high

    def __str__(self) -> str:
        text = f"{_number(self.low)}..{_number(self.top())}"
        return text + (f" {self.unit}" if self.unit else "")

    def check(self, name: str, value: float | None) -> None:
        """SettingsError naming the field `name` when `value` is outside (None: unset)."""
        if value is None or (not isinstance(value, bool) and self.low <= value <= self.top()):
            return
        shown = f"{value:g}" if isinstance(value, float) else str(value)[:40]
        if not value >= self.low:  # below, or NaN
            raise SettingsError(
                f"{{field}} must be at least {_number(self.low)}, got {shown}", field=name
            )
        raise SettingsError(
            f"{{field}} must be at most {_number(self.top())}, got {shown}", field=name
        )


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# Every numeric option's range, by the settings field (or, for options that set no
# settings field, the option's own name) it sets. One home: the dataclasses below check
# their fields against it, the commands check theirs (`check_option`), `--help` shows it.
RANGES: dict[str, Range] = {
    "workers": Range(0, max_workers, "processes"),
    "clip_seconds": Range(0, MAX_CLIP_SECONDS, "seconds"),
    "speed": Range(0.1, 10),
    "time_limit": Range(0, 3600, "seconds (0: none)"),
    "seed": Range(0, 2**32 - 1),
    "prefix_chars": Range(1, 1000, "characters"),
    "recheck": Range(0, 1),
    "min_heard": Range(0, MAX_CLIP_SECONDS, "seconds (0: off)"),
    "query_length": Range(1, MAX_TOKENS, "tokens"),
    "response_length": Range(1, MAX_TOKENS, "tokens"),
    "length": Range(0, MAX_TOKENS, "tokens"),  # encode --length
    "batch_size": Range(1, 1_000_000),
    "pad_token": Range(0, MAX_ID),  # `bpe.check_pad_token`
    "empty_query_token": Range(0, N_VOCAB - 1),
    "min_chars": Range(1, 1_000_000, "characters"),  # extract --min-chars
    "top": Range(1, 10**9),  # rank --top, model score --top
    "best": Range(1, 10**6),  # rank --best, rate --best (the pairing's)
    "until": Range(0, 0.999, "(0: off)"),  # rate --until: how sure the best set must be
    "limit": Range(1, 10**9),  # play --limit
    "folds": Range(2, 100),
    "C": Range(1e-6, 1e6),
    "overlap": Range(1, 100, "raters"),
    "lease_seconds": Range(1, 7 * 86400, "seconds"),
    "cache_max_bytes": Range(10**6, 10**15, "bytes"),  # --cache-size: 1 MB .. 1 PB
}


TOP_ROWS = 20  # rows a ranked table shows unless --top says (`rank`, `model score`)


def check_option(name: str, value: float | None) -> None:
    """An option that sets no settings field, checked against its range (`RANGES`)."""
    RANGES[name].check(name, value)


def _check_ranges(settings: object, *names: str) -> None:
    for name in names:
        RANGES[name].check(name, getattr(settings, name))


# In every cache key. 2: entries validated, no machine failure stored; 3: renders made
# before workers stopped importing from the working folder are not reused; 4: failures
# carry a sentence (`core.failures`), never an exception's text; 5: notes from rater's own
# reader (repeats played out), no longer music21's; 6: broken rhythm between unequal notes
# plays both as written (abc2midi's choice where ABC 2.1 is undefined).
CACHE_FORMAT = 6


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
    dialect: str = CorpusSettings.dialect  # how the text is read (changes the notes)
    # the render cache's cap: least recently used clips go first (`audio.budget`); a 10 s
    # clip is ~0.45 MB, so 2 GB keeps ~4,400 of them
    cache_max_bytes: int = 2_000_000_000

    def __post_init__(self) -> None:
        check_dialect(self.dialect)
        if not self.clip_seconds > 0:
            raise SettingsError(
                f"{{field}} must be positive, got {self.clip_seconds:g}", field="clip_seconds"
            )
        if self.clip_seconds > MAX_CLIP_SECONDS:
            raise SettingsError(
                f"{{field}} must be at most {MAX_CLIP_SECONDS:g} seconds, "
                f"got {self.clip_seconds:g}",
                field="clip_seconds",
            )
        speed = RANGES["speed"]
        if not speed.low <= self.speed <= speed.top():
            raise SettingsError(
                f"{{field}} must be between {speed.low:g} and {speed.top():g}, got {self.speed:g}",
                field="speed",
            )
        if not 0 <= self.time_limit < float("inf"):
            raise SettingsError(
                f"{{field}} must be a number of seconds, 0 for no limit, got {self.time_limit:g}",
                field="time_limit",
            )
        _check_ranges(self, "time_limit", "workers", "cache_max_bytes")

    def key(self) -> str:
        """Cache key: settings plus the SoundFont's identity (path, size, mtime)."""
        try:
            st = os.stat(self.soundfont)
            sf_ident = f"{os.path.abspath(self.soundfont)}:{st.st_size}:{int(st.st_mtime)}"
        except OSError:
            sf_ident = self.soundfont
        payload = json.dumps(
            [sf_ident, self.clip_seconds, self.speed, self.sample_rate, self.program]
            + [self.dialect, CACHE_FORMAT]
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
    # Repetition is one rule at two scales: a unit of a few characters written out over and
    # over (`repetitive`, any kind of sample), and bars or phrases (`loop`, below, judged on
    # the notes as played).
    max_period_repeats: int = 12  # a unit of <= max_period chars repeated more: repetitive
    max_period: int = 24
    min_period_span: int = 48  # ... and the repeated run covers at least this many chars
    min_abc_fraction: float = 0.8  # share of body chars that are ABC symbols; less: unparseable
    # Not music (rater.core.prose): of the body's letters (rests aside) fewer than this share
    # are notes: unparseable. Real tunes >= 0.76, folk-rnn >= 0.98, prose and code <= 0.45.
    min_note_share: float = 0.6
    min_prose_letters: int = 12  # ... judged from this many letters on
    max_field_number: int = 256  # a number in L:/M: above this: unparseable
    max_note_length: int = 1024  # a note length multiplier above this: unparseable
    max_chars: int = 20_000  # longer samples: too-long (real tunes: < 2,500 chars)
    # Bar-level checks (rater.core.musiccheck), on the notes as played. Figures: "real" is the
    # tuning set (O'Neill's 1850 + 500 of Ryan's, 2,510 tunes) and half of Essen (4,308
    # songs, chosen by id); loops are bench/degenerate_corpus.py's.
    max_same_bars: int = 8  # one bar this many times in a row: loop (real max 6, an Essen canon)
    # (children's and cumulative songs write a 2-bar phrase out 6-8 times in a row - Essen,
    # The Twelve Days of Christmas - inside other bars; a whole sample that is one phrase
    # loop is rarer: whole_phrase_copies below)
    max_distinct_share: float = 0.15  # distinct bars / bars at most this: loop (real min 0.19)
    few_distinct_share: float = 0.25  # ... or at most this with a bar cut_same_bars in a row
    min_loop_bars: int = 8  # distinct shares are judged from this many bars on
    max_phrase_bars: int = 4
    whole_phrase_copies: float = 3.0  # a phrase this many times in a row, making up
    whole_phrase_share: float = 0.8  # ... this share of the bars: loop (real: 3 Essen songs)
    cut_same_bars: int = 3  # the text stops mid-bar (cut-off) and: one bar this many times
    cut_phrase_copies: float = 2.5  # ... or a phrase this many times in a row
    cut_distinct_share: float = 0.35  # ... or distinct bars / bars at most this: loop
    off_meter_fit: float = 0.7  # at most this share of inner bars add up (tuning 0.2%, Essen 3%)
    min_length_kinds: int = 4  # ... in this many lengths: off-meter (tuning 0.04%, Essen 0.05%)
    min_meter_bars: int = 3  # ... judged from this many inner bars on
    max_bar_fullness: float = 8.0  # a bar this many times the meter: off-meter (real max 2.25)
    max_unread_share: float = 0.05  # body chars the bar reader cannot read, more: unparseable
    min_unread_chars: int = 5  # ... and at least this many of them (real max share 3%)
    # incoherent: this many weak signs together (musiccheck.signs: rhythm - either half of
    # off-meter, bars that miss the meter itself, or a long bar -, truncated, unbalanced
    # slurs, repeat sections of 1-2 bars, a fragment); each alone occurs in real tunes, two
    # almost never (the figures: `musiccheck`; bench/signs.py)
    incoherent_signs: int = 2
    weak_bar_fullness: float = 2.5  # a bar this many times the meter: a rhythm sign
    weak_meter_share: float = 0.5  # at most this share of inner bars fit the meter: rhythm
    weak_notes: int = 16  # fewer notes than this: a sign (Essen: 18 of 4,308 songs)
    blacklist: tuple[str, ...] = field(default_factory=tuple)
    dialect: str = CorpusSettings.dialect  # how the text is read (`CorpusSettings`)

    def __post_init__(self) -> None:
        check_dialect(self.dialect)


@dataclass(frozen=True)
class PairingSettings:
    """Which pairs a person sees: a strategy of `rater.rating.pairing.STRATEGIES`."""

    strategy: str = "halves"
    seed: int = 0  # same seed, same pairs (resume depends on it)
    prefix_chars: int = 20  # prefix: samples sharing this many first characters are paired
    best: int = 10  # top: the size of the best set it races for
    until: float = 0.0  # top: stop the sitting once the best set is this sure; 0: never

    def __post_init__(self) -> None:
        _check_ranges(self, "seed", "prefix_chars", "best", "until")


LONG_QUERY = ("keep-end", "keep-start", "drop")  # ExportOptions.long_query


@dataclass(frozen=True)
class ExportOptions:
    """Shapes of the training files (`rater.analysis.export`).

    `empty_query_token` stands in for an empty query (halves, active and ab pairing have
    none) in oa files: lm-human-preferences masks padding and fails its
    `assert_none_equal(use_indices, -1)` on any row whose first token is padding, so a row
    must start with a real token. GPT-2's `<|endoftext|>` is what GPT-2 itself sees before a
    document starts.

    `long_query` says what happens to a query longer than `query_length`: "keep-end" (the
    default) keeps its last tokens, so the query still runs straight into the responses and
    no rating is lost; "keep-start" keeps its first tokens (the model then sees the start of
    the prompt, a gap, and the continuation); "drop" leaves such records out.
    """

    query_length: int = 64  # oa: query tokens
    response_length: int = 512  # oa: response tokens
    pad_token: int = DEFAULT_PAD  # oa: padding id (lm-human-preferences pads with 50259)
    empty_query_token: int = ENDOFTEXT_ID  # oa: the query of a row without one
    long_query: str = "keep-end"  # oa: one of LONG_QUERY
    batch_size: int | None = None  # oa: cut the record count to a multiple of this
    drop_broken: bool = False  # leave out auto-rated records (a broken sample)
    drop_ties: bool = False  # oa/text: leave out tie records
    keep_rechecks: bool = False  # keep hidden re-checks (duplicates of earlier decisions)

    def __post_init__(self) -> None:
        for name, length in (
            ("query_length", self.query_length),
            ("response_length", self.response_length),
        ):
            if length < 1:
                raise ExportError(f"{{field}} must be at least 1, got {length}", field=name)
            if length > RANGES[name].top():
                raise ExportError(
                    f"{{field}} must be at most {RANGES[name].top():g}, got {length}", field=name
                )
        check_pad_token(self.pad_token, ExportError)
        if not 0 <= self.empty_query_token < N_VOCAB:
            raise ExportError(
                f"{{field}} must be a GPT-2 token id (0..{N_VOCAB - 1}), "
                f"got {self.empty_query_token}",
                field="empty_query_token",
            )
        if self.empty_query_token == self.pad_token:
            raise ExportError(
                f"{{field}} and pad_token are both {self.pad_token}: a row that starts "
                "with padding crashes lm-human-preferences' reward model",
                field="empty_query_token",
            )
        if self.long_query not in LONG_QUERY:
            raise ExportError(
                f"{{field}} must be one of {', '.join(LONG_QUERY)}, got {self.long_query!r}",
                field="long_query",
            )
        if self.batch_size is not None and self.batch_size < 1:
            raise ExportError(
                f"{{field}} must be at least 1, got {self.batch_size}", field="batch_size"
            )
        _check_ranges(self, "batch_size")


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
    min_view_seconds: float = 0.3  # decide/skip keys this soon after a pair shows: "too soon"
    recheck: float = 0.05  # chance that the next pair re-asks an earlier one, sides swapped
    min_heard: float = 0.0  # deciding keys wait until both clips played this long; 0: off
    show_source: bool = False  # panels name each sample's file and number (the record says so)

    def __post_init__(self) -> None:
        if not 0.0 <= self.recheck <= 1.0:
            raise SettingsError(
                f"{{field}} must be between 0 and 1, got {self.recheck:g}", field="recheck"
            )
        if not 0.0 <= self.min_heard < float("inf"):
            raise SettingsError(
                f"{{field}} must be 0 (off) or a number of seconds, got {self.min_heard:g}",
                field="min_heard",
            )
        _check_ranges(self, "min_heard")


DEFAULT_C = 0.3  # best over 100-800 ratings in bench/model_sim.py
# What the preference model may read (`rater model fit --features`; `FeatureSettings`'s
# use_music and use_text): the first is the default.
FEATURE_BLOCKS = ("both", "music", "text")


@dataclass(frozen=True)
class FeatureSettings:
    """What the preference model reads; stored in the model file so scoring reads samples
    the same way as fitting did."""

    kind: str = "abc"  # "abc": body + notes; "text": the whole text, no notes
    ngram_max: int = 2  # BPE token n-grams of 1..ngram_max tokens
    hash_bits: int = 18
    text_weight: float = 1.0  # scale of the text block against the z-scored music block
    use_text: bool = True
    use_music: bool = True
    clip_seconds: float = RenderSettings.clip_seconds  # the clip a rater hears: its notes
    speed: float = RenderSettings.speed
    dialect: str = CorpusSettings.dialect  # how the music is read (`CorpusSettings`)

    def __post_init__(self) -> None:
        check_dialect(self.dialect)
        if all(type(x) in (int, float) for x in (self.clip_seconds, self.speed)):
            RenderSettings(clip_seconds=self.clip_seconds, speed=self.speed)  # the same bounds
        if not 1 <= self.ngram_max <= 8:
            raise SettingsError(
                f"{{field}} must be between 1 and 8, got {self.ngram_max}", field="ngram_max"
            )
        if not 4 <= self.hash_bits <= 24:
            raise SettingsError(
                f"{{field}} must be between 4 and 24, got {self.hash_bits}", field="hash_bits"
            )
        if not (self.use_text or self.use_music):
            raise SettingsError(
                "{field}: the model must read the text or the music", field="use_text"
            )

    @classmethod
    def of_clips(cls, render: RenderSettings, kind: str = "abc") -> FeatureSettings:
        """What the model reads of the clips `render` makes (the `model` pairing strategy:
        the notes of the clips the session plays)."""
        return cls(
            kind=kind,
            use_music=kind == "abc",
            clip_seconds=render.clip_seconds,
            speed=render.speed,
            dialect=render.dialect,
        )

    def clips(self) -> RenderSettings:
        """The render settings of the clip whose notes the model reads (`rater model score`
        judges that clip, read without audio)."""
        return RenderSettings(
            clip_seconds=self.clip_seconds, speed=self.speed, dialect=self.dialect
        )


@dataclass(frozen=True)
class FitSettings:
    """How the preference model is fitted and checked (`rater model fit`'s options)."""

    C: float = DEFAULT_C  # inverse L2 strength: the prior variance of a weight
    folds: int | None = None  # None: 5, or 3 from 10,000 games on (`analysis.model.fit`)
    seed: int = 0
    curve: tuple[float, ...] = (0.25, 0.5, 1.0)  # shares of the ratings for the learning curve
    workers: int = 2  # processes that read the tunes and compute features (`analysis.model.rows`)

    def __post_init__(self) -> None:
        if not 0 < self.C < float("inf"):
            raise SettingsError(f"{{field}} must be a positive number, got {self.C:g}", field="C")
        if self.folds is not None and self.folds < 2:
            raise SettingsError(f"{{field}} must be at least 2, got {self.folds}", field="folds")
        _check_ranges(self, "C", "folds", "seed", "workers")


@dataclass(frozen=True)
class TeamSettings:
    """Team rating on PostgreSQL (`--db URL`): how pairs are handed out and how long a
    client waits for the server before it rates on from its spool.

    `overlap` and `lease_seconds` are a project's own (stored with it by `rater db add`);
    the others are a client's.
    """

    overlap: int = 1  # distinct raters who decide each pair
    lease_seconds: float = 600.0  # a pair leased to a rater who vanished returns after this
    ahead: int = 2  # pairs a client holds leased beyond the one on screen (rated on offline)
    retry_seconds: float = 5.0  # while offline, how often the server is tried again
    connect_timeout: int = 5  # seconds to reach the server before going offline
    statement_timeout: float = 10.0  # seconds one request may take before going offline

    def __post_init__(self) -> None:
        if not 1 <= self.overlap <= 100:
            raise SettingsError(f"{{field}} must be 1..100, got {self.overlap}", field="overlap")
        _check_ranges(self, "lease_seconds")
        for name in ("lease_seconds", "retry_seconds", "statement_timeout"):
            if not getattr(self, name) > 0:
                raise SettingsError("{field} must be positive", field=name)
        if self.ahead < 0:
            raise SettingsError("{field} must not be negative", field="ahead")
        if self.connect_timeout < 1:
            raise SettingsError("{field} must be at least 1 second", field="connect_timeout")


MIN_PLOT_WIDTH = 40  # narrower, a chart's axis labels leave no room for the data


@dataclass(frozen=True)
class PlotSettings:
    """`--plot` charts (`rater.analysis.plot`): their size, and colour or plain characters.

    `width` is the terminal's (the CLI reads it; 80 when piped), at most `max_width`: a wide
    terminal's chart gets more detail, not longer lines than a reader's eye can follow.
    Plain (`color` False: piped, `NO_COLOR`, `--plot-out`) uses no escape sequences and no
    braille: ASCII markers inside the box-drawn frame, readable in any file viewer.
    """

    width: int = 80
    max_width: int = 120
    height: int = 18  # rows of a chart; a dot-and-whisker chart grows with its categories
    color: bool = False

    def __post_init__(self) -> None:
        if self.width < MIN_PLOT_WIDTH:
            raise SettingsError(
                f"{{field}} must be at least {MIN_PLOT_WIDTH} columns, got {self.width}",
                field="width",
            )
        if self.height < 8:
            raise SettingsError(
                f"{{field}} must be at least 8 rows, got {self.height}", field="height"
            )

    @property
    def columns(self) -> int:
        return min(self.width, self.max_width)
