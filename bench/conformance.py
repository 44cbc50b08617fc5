"""rater's notes against abc2midi's (abcMIDI, the reference ABC player), tune by tune.

    nice -n 5 .venv/bin/python bench/conformance.py [--per-collection 250] [--seed 19]
        [--corpora real,examples,folkrnn] [--show CATEGORY] [--list]

Corpora:
- real: a seeded sample of up to `--per-collection` tunes from each of music21's ABC
  collections (O'Neill's 1850, Ryan's Mammoth, Aird's Airs, Essen, miscFolk, Josquin,
  the Nottingham sample): at least 1,000 tunes;
- examples: abcMIDI's own examples (/usr/share/doc/abcmidi/examples);
- folkrnn: the 256 folk-rnn samples (`../shared/data/folk-rnn`), read as the tune the model
  meant; the reference is abc2midi on the text with its tokens joined and `L:1/8`.

abc2midi (`-NGUI`: no chord-symbol accompaniment) is given each tune without decorations
(abc2midi plays trills and rolls as runs of notes and holds fermatas), without grace notes
(it takes their time from the next note), without the `R:` line (it swings hornpipes) and
without its own accompaniment directives (`%%MIDI drum`, `drone`, `gchord`: drums, drones
and chords that are not in the notes): rater leaves all of these out, as the reader says.
rater reads the text as written (decorations, grace notes and all).

Compared, for each tune: the tempo map, then the notes as (onset, pitch) - every voice
together, onsets in written time (abc2midi's ticks: the 1-tick delay it gives every note and
the 10-tick stagger it gives the notes of a chord are taken off; 2 ticks of rounding are
allowed) - in the heard window (the first 11 s of written time: a 10 s clip at speed 1.1
covers it) and over the whole tune. A tune that differs gets the first category that
applies: tempo, note count, onset, pitch; an example of each is printed.

Counted apart: tunes abc2midi cannot play (no MIDI file, or no notes), and tunes that differ
where abc2midi breaks a rule of ABC 2.1 (each listed with the rule, `DEVIATIONS`).

Measured on main (seed 19, 250 per collection; abcMIDI 4.84), heard window / whole tune:
- real, 1,212 tunes: 1,211/1,212 = 99.9% / 99.1%. The whole-tune differences are `:|`
  signs in tunes that use them in ways ABC 2.1 leaves open (abc2midi's choices are followed
  where they were measured: the section a `:|` without `|:` goes back to, a `:|` after the
  last variant ending, a second `|:`).
- abcMIDI's examples, 25 (6 abc2midi cannot play: drum and drone demos): 18/19; the one
  apart is `K: C^f^c^a`, where abc2midi drops the accidental glued to the key.
- folk-rnn, 256 samples read as intended: 256/256 = 100.0% / 252/256 = 98.4%.
- another seed (20, 400 per collection, 1,812 real tunes): 99.8% / 99.0%.
Broken rhythm between notes of unequal lengths (`D>D/`, `F>F3`) is undefined in ABC 2.1
(4.4: "will produce undefined results, and should be avoided"); rater plays it as abc2midi
does (both notes as written). Counted apart before that choice, it was 9 real tunes and 9
folk-rnn samples.
Before this reader (music21 rendering, the issue's figures): 56% of 322 real tunes and
25 of 256 folk-rnn samples in the heard window.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _shared_data import folk_rnn, missing_reason  # noqa: E402

from rater.core.abc import Dialect, parse, perform  # noqa: E402
from rater.core.corpus import read_samples  # noqa: E402
from rater.core.demo import music21_corpus_dir  # noqa: E402

WINDOW = 11.0  # seconds of written time: a 10 s clip at speed 1.1
TICKS = 1920  # abc2midi: 480 ticks per quarter note
TOLERANCE = 2  # ticks of rounding allowed in an onset
STAGGER = 10  # abc2midi starts the notes of a chord 10 ticks apart
COLLECTIONS = (
    "oneills1850", "ryansMammoth", "airdsAirs", "essenFolksong", "miscFolk", "josquin",
    "nottingham-dataset",
)  # fmt: skip
EXAMPLES = Path("/usr/share/doc/abcmidi/examples")
CATEGORIES = ("tempo", "note count", "onset", "pitch")


@dataclass(frozen=True)
class Case:
    corpus: str
    name: str
    text: str  # what rater reads
    reference: str  # what abc2midi is given
    dialect: str = Dialect.AUTO


@dataclass(frozen=True)
class Notes:
    notes: tuple[tuple[Fraction, int], ...]  # (onset in whole notes, pitch), sorted
    tempos: tuple[tuple[Fraction, float], ...]  # (whole notes, quarter notes per minute)
    end: Fraction

    def window(self, seconds: float) -> Fraction:
        """Written time (whole notes) `seconds` into the tune under its tempo map."""
        left = seconds
        for (t0, qpm), nxt in zip(self.tempos, [*self.tempos[1:], None], strict=True):
            span = float(nxt[0] - t0) * 240.0 / qpm if nxt else float("inf")
            if span >= left:
                return t0 + Fraction(left * qpm / 240.0).limit_denominator(10**6)
            left -= span
        return self.end

    def head(self, until: Fraction) -> tuple[tuple[Fraction, int], ...]:
        return tuple(n for n in self.notes if n[0] < until)

    def tempo_head(self, until: Fraction) -> tuple[tuple[Fraction, float], ...]:
        return tuple(t for t in self.tempos if t[0] < until)


@dataclass(frozen=True)
class Result:
    case: Case
    heard: str | None  # None: identical; else a category, or "abc2midi-failed"
    whole: str | None
    example: str = ""
    deviation: str = ""  # an abc2midi deviation from ABC 2.1 this tune shows


# --- the reference --------------------------------------------------------------------

_DECORATION = re.compile(r"![^!\n]*!|\+[^+\n]*\+")
_GRACE = re.compile(r"\{[^}\n]*\}")
_SHORTHAND = re.compile(r"[.~HIJKLMNOPQRSTUVWhijklmnopqrstuvw]")
_FIELD = re.compile(r"^\s*[A-Za-z]:")


_ACCOMPANIMENT = re.compile(r"^\s*%%MIDI\s+(?:drum|drone|gchord|bass|chord)", re.I)


def reference_text(text: str) -> str:
    """The tune as abc2midi is given it: decorations, grace notes, `R:` and abc2midi's own
    accompaniment (`%%MIDI drum...`, `drone...`, `gchord...`) left out."""
    out = []
    in_body = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if _ACCOMPANIMENT.match(line):
            continue
        if _FIELD.match(line):
            if line.lstrip().startswith("R:"):
                continue
            in_body = in_body or line.lstrip().startswith("K:")
            out.append(line)
            continue
        if not in_body or line.lstrip().startswith("%"):
            out.append(line)
            continue
        out.append(_strip_music(line))
    text = "\n".join(out)
    return text if text.lstrip().startswith("X:") else "X:1\n" + text


def _strip_music(line: str) -> str:
    """Decorations and grace notes out of a music line; quoted text and inline fields kept
    as they are (a decoration letter inside them is text)."""
    line = _DECORATION.sub("", _GRACE.sub("", line))
    kept: list[str] = []
    pos = 0
    for m in re.finditer(r'"[^"\n]*"|\[[A-Za-z]:[^\]\n]*\]|%.*$', line):
        kept.append(_SHORTHAND.sub("", line[pos : m.start()]))
        kept.append(m.group(0))
        pos = m.end()
    kept.append(_SHORTHAND.sub("", line[pos:]))
    return "".join(kept)


_BAR_TOKEN = re.compile(r"^(?::*\|[|\]:]*\d?|::|:?\[\d|\[\||:\|\d)$")


def joined_text(text: str) -> str:
    """folk-rnn's intended tune: tokens joined (bar lines kept apart), `L:1/8` added."""
    out = ["X:1", "L:1/8"] if "\nL:" not in "\n" + text else ["X:1"]
    for line in text.split("\n"):
        if _FIELD.match(line) or not line.strip():
            out.append(line.strip())
            continue
        pieces = [f" {t} " if _BAR_TOKEN.match(t) else t for t in line.split()]
        out.append(" ".join("".join(pieces).split()))
    return "\n".join(out)


def abc2midi(text: str, work: Path) -> tuple[Notes | None, str]:
    """abc2midi's notes for one tune (None when it writes no MIDI file), and its messages."""
    import mido

    src, mid = work / "tune.abc", work / "tune.mid"
    mid.unlink(missing_ok=True)
    src.write_text(text + "\n", encoding="utf-8")
    proc = subprocess.run(
        ["abc2midi", str(src), "-o", str(mid), "-NGUI", "-quiet"],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
    )
    log = proc.stdout + proc.stderr
    if not mid.exists():
        return None, log
    midi = mido.MidiFile(mid)
    scale = Fraction(1, 4 * midi.ticks_per_beat)
    notes: list[tuple[int, int, int]] = []  # (tick, pitch, track)
    tempos: list[tuple[int, float]] = []
    end = 0
    for k, track in enumerate(midi.tracks):
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempos.append((max(0, tick - 1) if tick else 0, mido.tempo2bpm(msg.tempo)))
            elif msg.type == "note_on" and msg.velocity > 0:
                notes.append((tick - 1, msg.note, k))
            elif msg.type in ("note_off", "note_on"):
                end = max(end, tick + 1)
    notes = _unstagger(notes)
    snapped = tuple(sorted((Fraction(t) * scale, p) for t, p, _ in notes))
    tempo_map = _tempo_map([(Fraction(t, 4 * midi.ticks_per_beat), q) for t, q in tempos])
    return Notes(snapped, tempo_map, Fraction(end) * scale), log


def _unstagger(notes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The notes of a chord back on their chord's onset (abc2midi staggers them 10 ticks)."""
    out: list[tuple[int, int, int]] = []
    by_track: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for n in sorted(notes):
        by_track[n[2]].append(n)
    for track in by_track.values():
        group_start, prev = None, None
        for tick, pitch, k in track:
            if prev is not None and group_start is not None and tick - prev == STAGGER:
                out.append((group_start, pitch, k))
            else:
                group_start = tick
                out.append((tick, pitch, k))
            prev = tick
    return out


def _tempo_map(tempos: list[tuple[Fraction, float]]) -> tuple[tuple[Fraction, float], ...]:
    out: list[tuple[Fraction, float]] = []
    for at, qpm in sorted(tempos, key=lambda t: t[0]):
        if out and out[-1][0] == at:
            out[-1] = (at, qpm)
        elif not out or abs(out[-1][1] - qpm) > 1e-3 * qpm:
            out.append((at, qpm))
    if not out or out[0][0] > 0:
        out.insert(0, (Fraction(0), 120.0))
    return tuple(out)


def rater_notes(case: Case) -> Notes:
    perf = perform(parse(case.text, case.dialect))
    notes = tuple(sorted((n.start, n.pitch) for n in perf.notes if 0 <= n.pitch <= 127))
    return Notes(notes, _tempo_map([(t.at, t.qpm) for t in perf.tempos]), perf.end)


# --- comparing ------------------------------------------------------------------------


def difference(ours: Notes, theirs: Notes, seconds: float | None) -> tuple[str | None, str]:
    """(the first category that differs, or None; an example) within `seconds` of written
    time (None: the whole tune)."""
    until_ours = ours.window(seconds) if seconds else ours.end + 1
    until_theirs = theirs.window(seconds) if seconds else theirs.end + 1
    a_tempo, b_tempo = ours.tempo_head(until_ours), theirs.tempo_head(until_theirs)
    if not _same_tempos(a_tempo, b_tempo):
        return "tempo", f"rater {_tempos(a_tempo)} / abc2midi {_tempos(b_tempo)}"
    # tempo maps alike: one window for both (abc2midi's tempo is whole microseconds a beat)
    a, b = ours.head(until_ours), theirs.head(until_ours)
    tol = Fraction(TOLERANCE, TICKS)
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if abs(x[0] - y[0]) > tol:
            if len(a) != len(b):
                return "note count", f"{len(a)} / {len(b)} notes; first apart: {_at(x, y, k)}"
            return "onset", _at(x, y, k)
        if x[1] != y[1]:
            if len(a) != len(b):
                return "note count", f"{len(a)} / {len(b)} notes; first apart: {_at(x, y, k)}"
            return "pitch", _at(x, y, k)
    if len(a) != len(b):
        return "note count", f"{len(a)} / {len(b)} notes (one is the other's start)"
    return None, ""


def _same_tempos(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    tol = Fraction(TOLERANCE, TICKS)
    return all(
        abs(x[0] - y[0]) <= tol and abs(x[1] - y[1]) <= 1e-3 * x[1]
        for x, y in zip(a, b, strict=True)
    )


def _tempos(t: tuple) -> str:
    return ", ".join(f"{float(at):g}:{qpm:.4g}" for at, qpm in t[:3]) + (
        " ..." if len(t) > 3 else ""
    )


def _at(x: tuple, y: tuple, k: int) -> str:
    return (
        f"note {k + 1}: rater {float(x[0]):.4g} wn pitch {x[1]}, "
        f"abc2midi {float(y[0]):.4g} wn pitch {y[1]}"
    )


# --- where abc2midi breaks ABC 2.1 ------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    name: str
    rule: str  # the rule of ABC 2.1 abc2midi does not follow, with its example
    shows: Callable[[str, str], bool]  # (reference text, abc2midi's messages)


_MULTI_BEAT_TEMPO = re.compile(r"^Q:[^=\n]*\d+/\d+\s+\d+/\d+[^=\n]*=", re.M)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "tempo of several beats",
        "3.1.8 Q: tempo: `Q:1/4 3/8 1/4 3/8=40` - the beat is the sum of the lengths; "
        "abc2midi stops at 'Expecting = in tempo' and plays 1/4=120",
        lambda text, log: bool(_MULTI_BEAT_TEMPO.search(text)),
    ),
)


def deviation(case: Case, log: str) -> str:
    for d in DEVIATIONS:
        if d.shows(case.reference, log):
            return d.name
    return ""


# --- corpora --------------------------------------------------------------------------


def real_cases(per_collection: int, seed: int) -> list[Case]:
    base = music21_corpus_dir()
    rng = random.Random(seed)
    cases: list[Case] = []
    for name in COLLECTIONS:
        folder = base / name
        files = sorted(str(p) for p in folder.rglob("*.abc")) if folder.is_dir() else []
        if not files:
            continue
        samples = read_samples(files)
        picked = rng.sample(samples, min(per_collection, len(samples)))
        for s in sorted(picked, key=lambda s: (s.source, s.number)):
            label = f"{name}/{Path(s.source).name}#{s.number}"
            cases.append(Case("real", label, s.text, reference_text(s.text)))
    return cases


def example_cases() -> list[Case]:
    if not EXAMPLES.is_dir():
        return []
    samples = read_samples([str(p) for p in sorted(EXAMPLES.glob("*.abc"))])
    return [
        Case("examples", f"{Path(s.source).name}#{s.number}", s.text, reference_text(s.text))
        for s in samples
    ]


def folkrnn_cases() -> list[Case]:
    folder = folk_rnn()
    if folder is None:
        print(f"folkrnn: {missing_reason('folk-rnn')}")
        return []
    samples = read_samples([str(folder)])
    return [
        Case("folkrnn", f"{Path(s.source).name}#{s.number}", s.text, joined_text(s.text))
        for s in samples
    ]


def check(case: Case, work: Path) -> Result:
    theirs, log = abc2midi(case.reference, work)
    if theirs is None or not theirs.notes:
        return Result(case, "abc2midi-failed", "abc2midi-failed", log.strip()[:120])
    ours = rater_notes(case)
    heard, example = difference(ours, theirs, WINDOW)
    whole, whole_example = difference(ours, theirs, None)
    found = deviation(case, log) if heard or whole else ""
    return Result(case, heard, whole, example or whole_example, found)


def run(cases: list[Case], workers: int = 2) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="rater-conformance-") as tmp:
        folders = [Path(tmp) / str(k) for k in range(len(cases))]

        def one(k: int) -> Result:
            folders[k].mkdir()
            return check(cases[k], folders[k])

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(len(cases))))


def report(results: list[Result], show: str | None = None, listing: bool = False) -> None:
    by_corpus: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_corpus[r.case.corpus].append(r)
    for corpus, rs in by_corpus.items():
        failed = [r for r in rs if r.heard == "abc2midi-failed"]
        apart = [r for r in rs if r.deviation and r not in failed]
        judged = [r for r in rs if r not in failed and r not in apart]
        n = len(judged)
        heard_ok = sum(1 for r in judged if r.heard is None)
        whole_ok = sum(1 for r in judged if r.whole is None)
        print(f"\n{corpus}: {len(rs)} tunes; {len(failed)} abc2midi cannot play; "
              f"{len(apart)} counted apart (abc2midi breaks ABC 2.1)")  # fmt: skip
        if not n:
            continue
        print(
            f"  identical in the heard window ({WINDOW:g} s): {heard_ok}/{n} = {heard_ok / n:.1%}"
        )
        print(f"  identical over the whole tune:          {whole_ok}/{n} = {whole_ok / n:.1%}")
        print(f"  {'category':<12} {'heard':>6} {'whole':>6}  example (heard window, else whole)")
        heard = Counter(r.heard for r in judged if r.heard)
        whole = Counter(r.whole for r in judged if r.whole)
        for cat in CATEGORIES:
            ex = next((r for r in judged if r.heard == cat), None)
            ex = ex or next((r for r in judged if r.whole == cat), None)
            text = f"{ex.case.name}: {ex.example}" if ex else ""
            print(f"  {cat:<12} {heard[cat]:>6} {whole[cat]:>6}  {text[:150]}")
        if apart:
            heard_apart = sum(1 for r in apart if r.heard)
            same = heard_ok + len(apart) - heard_apart
            print(
                f"  counted apart: {len(apart)} ({heard_apart} differ in the heard window); "
                f"counting them: {same}/{n + len(apart)} = {same / (n + len(apart)):.1%} "
                "identical in the heard window"
            )
        for r in apart[:5]:
            print(f"  apart: {r.case.name}: {r.deviation}")
        if listing or show:
            for r in judged:
                if (r.heard or r.whole) and (show is None or show in (r.heard, r.whole)):
                    print(f"    {r.case.name}: heard {r.heard}, whole {r.whole}: {r.example}")
    print("\nabc2midi's deviations from ABC 2.1 counted apart:")
    for d in DEVIATIONS:
        print(f"  {d.name}: {d.rule}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-collection", type=int, default=250)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--corpora", default="real,examples,folkrnn")
    ap.add_argument("--show", choices=CATEGORIES, help="list every tune of this category")
    ap.add_argument("--list", action="store_true", help="list every tune that differs")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    wanted = args.corpora.split(",")
    cases: list[Case] = []
    if "real" in wanted:
        cases += real_cases(args.per_collection, args.seed)
    if "examples" in wanted:
        cases += example_cases()
    if "folkrnn" in wanted:
        cases += folkrnn_cases()
    print(f"{len(cases)} tunes; load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    results = run(cases, args.workers)
    print(f"compared in {time.perf_counter() - t0:.0f} s")
    report(results, args.show, args.list)


if __name__ == "__main__":
    main()
