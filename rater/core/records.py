"""The record types that flow through the pipeline, one per stage, in one direction.

    Sample ──render──> Render ──checks──> Verdict ──pairing──> Pair ──rating──> Rating

Every stage takes the previous stage's record and returns its own; nothing goes back.
All records are frozen so they can cross process boundaries and sit in caches safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Sample:
    """One tune (or text) as read from a samples file.

    `id` is derived from the normalised content, so the same tune read from two files, or
    twice from one file, has one id; caches and journals key on it. `number` is where it is
    in `source`, counting from 1 (`rater.core.corpus` gives it; everything shows it as is).
    """

    id: str
    text: str
    source: str
    number: int
    title: str = ""
    kind: str = "abc"  # "abc" (rendered and played) or "text" (shown only)


@dataclass(frozen=True)
class NoteEvent:
    """A note of the played clip, in clip seconds (after the speed-up); for the piano roll."""

    start: float
    end: float
    pitch: int


@dataclass(frozen=True)
class Render:
    """The result of rendering one sample: a WAV clip on disk, or the reason it failed.

    `error` is a `Reason` (unrenderable, timeout, no-notes) when rendering failed, else
    None (unparseable is the reading's verdict, given before any render); a timeout may be
    the machine's fault, so it is never cached. `MACHINE_FAILURE`
    is no reason at all: the machine failed twice (a render process killed, out of memory),
    so the sample has no verdict this run; it is never cached, and never becomes a verdict
    or a journal record. `music_seconds` is the length of the whole tune at the sped-up
    tempo, to its last note (the clip is at most `clip_seconds` of it).
    """

    sample_id: str
    wav_path: str | None
    clip_seconds: float = 0.0
    music_seconds: float = 0.0
    peak: float = 0.0  # max |amplitude| of the clip, 0..1
    rms: float = 0.0
    notes: tuple[NoteEvent, ...] = ()
    error: str | None = None
    detail: str = ""
    cached: bool = False
    bars: tuple[float, ...] = ()  # where the tune's own bars start in the clip (clip seconds)

    @property
    def ok(self) -> bool:
        return self.error is None and self.wav_path is not None


MACHINE_FAILURE = "machine"  # a Render.error that is not the sample's (see `Render`)


class Reason(StrEnum):
    """Why a sample is broken: the machine-readable codes of `Verdict.reasons`, each with
    its meaning in `REASONS` (`rater check --help` lists them; tests/test_reasons.py holds
    the README to them). A failed `Render.error` is one of them too (or `MACHINE_FAILURE`,
    which is none). The bar-level ones (loop, off-meter, bad-header, incoherent) are
    `rater.core.musiccheck`'s; reader and renderer failures are put in words by
    `rater.core.failures`."""

    EMPTY = "empty"
    TOO_LONG = "too-long"
    BLACKLIST = "blacklist"
    UNPARSEABLE = "unparseable"
    COMPRESSIBLE = "compressible"
    REPETITIVE = "repetitive"
    LOOP = "loop"
    OFF_METER = "off-meter"
    BAD_HEADER = "bad-header"
    INCOHERENT = "incoherent"
    UNRENDERABLE = "unrenderable"
    TIMEOUT = "timeout"
    NO_NOTES = "no-notes"
    SILENT = "silent"
    TOO_SHORT = "too-short"


class Note(StrEnum):
    """Observations that do not fail a sample: each of `Verdict.notes` starts with one
    (`cut-off: the text stops inside a bar`); their meanings are in `NOTES`."""

    CUT_OFF = "cut-off"
    DIALECT = "dialect"


@dataclass(frozen=True)
class Verdict:
    """Whether a sample may be shown to a person.

    `reasons` are `Reason` codes; `details` carries a human-readable note per reason (e.g.
    the blacklist snippet hit); `notes` are `Note`s, observations that do not fail the
    sample (a text cut off inside a bar, as good generators' often are: `musiccheck`).
    """

    sample_id: str
    ok: bool
    reasons: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


REASONS: dict[Reason, str] = {
    Reason.EMPTY: "no notes in the body, or no text",
    Reason.TOO_LONG: "longer than any real tune",
    Reason.BLACKLIST: "contains a known-bad snippet",
    Reason.UNPARSEABLE: "not ABC (prose, code), absurd field values, or a body that cannot be read",
    Reason.COMPRESSIBLE: "the body compresses like a loop",
    Reason.REPETITIVE: "one short stretch of text repeated many times in a row",
    Reason.LOOP: "a bar or short phrase written out over and over, on the notes as played",
    Reason.OFF_METER: "most bars miss the meter in many different lengths, or a bar runs on",
    Reason.BAD_HEADER: "a K:, M:, L: or Q: field holds music, or is malformed and the tune fails",
    Reason.INCOHERENT: "two or more weak signs of a text pieced together from fragments",
    Reason.UNRENDERABLE: "the renderer could not turn it into sound",
    Reason.TIMEOUT: "rendering took longer than the time limit",
    Reason.NO_NOTES: "no playable notes",
    Reason.SILENT: "the clip is (nearly) silent",
    Reason.TOO_SHORT: "shorter than the minimum music length",
}
NOTES: dict[Note, str] = {
    Note.CUT_OFF: "the text stops inside a bar (a generator's length limit; does not fail)",
    Note.DIALECT: "read in a generator's dialect (folkrnn: tokens joined, L:1/8), not as written",
}


@dataclass(frozen=True)
class Judged:
    """A sample with its render and verdict: what the render stream yields to its consumers."""

    sample: Sample
    render: Render | None
    verdict: Verdict


@dataclass(frozen=True)
class Pair:
    """Two samples to compare. `query` is the shared context (prompt/prefix), often empty."""

    a: Sample
    b: Sample
    query: str = ""
    swapped: bool = False  # True when left/right were randomised away from (first, second)
    recheck_of: str = ""  # a hidden re-check: the decision id of the earlier decision it repeats


@dataclass(frozen=True)
class Rating:
    """One journal line: a best_of_2 record plus metadata that training code ignores.

    `query`, `sample0`, `sample1` are GPT-2 BPE ids; `best` is 0 or 1.
    """

    query: list[int]
    sample0: list[int]
    sample1: list[int]
    best: int
    ids: tuple[str, str]
    texts: tuple[str, str]
    sources: tuple[str, str] = ("", "")
    numbers: tuple[int, int] = (0, 0)  # each sample's number in its source; 0: not known
    rater: str = ""
    time: str = ""
    broken: int = 0
    tie: bool = False
    reasons: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "query": list(self.query),
            "sample0": list(self.sample0),
            "sample1": list(self.sample1),
            "best": self.best,
            "ids": list(self.ids),
            "texts": list(self.texts),
            "sources": list(self.sources),
            **({"numbers": list(self.numbers)} if any(self.numbers) else {}),
            "rater": self.rater,
            "time": self.time,
        }
        if self.broken:
            d["broken"] = 1
            d["reasons"] = [list(r) for r in self.reasons]
        if self.tie:
            d["tie"] = True
        d.update(self.extra)
        return d

    def head(self) -> Rating:
        """The record as `Journal.follow` gives it: no token ids, no texts (what a reader
        that counts and fits keeps of a decision)."""
        return replace(self, query=[], sample0=[], sample1=[], texts=("", ""))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Rating:
        known = {
            "query",
            "sample0",
            "sample1",
            "best",
            "ids",
            "texts",
            "sources",
            "numbers",
            "rater",
            "time",
            "broken",
            "tie",
            "reasons",
        }
        reasons = d.get("reasons") or [[], []]
        return cls(
            query=list(d["query"]),
            sample0=list(d["sample0"]),
            sample1=list(d["sample1"]),
            best=int(d["best"]),
            ids=tuple(d.get("ids") or ("", "")),  # type: ignore[arg-type]
            texts=tuple(d.get("texts") or ("", "")),  # type: ignore[arg-type]
            sources=tuple(d.get("sources") or ("", "")),  # type: ignore[arg-type]
            numbers=tuple(d.get("numbers") or (0, 0)),  # type: ignore[arg-type]
            rater=str(d.get("rater", "")),
            time=str(d.get("time", "")),
            broken=int(d.get("broken", 0)),
            tie=bool(d.get("tie", False)),
            reasons=(tuple(reasons[0]), tuple(reasons[1])),
            extra={k: v for k, v in d.items() if k not in known},
        )
