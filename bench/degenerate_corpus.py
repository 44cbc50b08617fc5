"""A labelled corpus of degenerate samples, made here, seeded, in the shapes a diverged
ABC generator writes. Used by `bench/degenerate.py` (catch rates) and the tests.

Each family is a function `(rng, material) -> text`; `corpus(n, seed)` returns
`[(family, text), ...]` with `n` samples per family, the same bytes on every run with the
same music21 corpus. Real material (headers, bars, bodies for the Markov chains) comes from
O'Neill's 1850 and Ryan's Mammoth as shipped with music21, so loops are built from real bars
(chords, tuplets, decorations and all) rather than from toy notes.

Families (what a generator that has lost its way writes):
- markov-low / markov-mid / markov-high: order-3..7 character Markov chains over tune bodies
  at low (loops), medium (plausible notes, bars that do not add up) and high (noise)
  temperature.
- bar-loop: ~200-character bodies of 12-16 bars from 2-3 distinct bars of one real tune
  (under that tune's header), one of them written out 3-5 times in a row, cut off mid-bar
  (the generator's length limit); copies are respelled (`c/c/` vs `c/ c/`).
- phrase-loop: 2-4 consecutive bars of a real tune written out three to five times in a
  row, maybe after an intro bar, cut off mid-bar.
- bar-loop-whole, phrase-loop-whole: the same, ending on a bar line. Real songs write a
  phrase out three or more times too (Essen's children's songs), but almost always inside
  other bars: a phrase loop that makes up 80% or more of a sample is 3 of 4,308 Essen-dev
  songs and none of the other development tunes (`bench/signs.py`).
- truncation: a header and at most a bar and a bit of music (the generator stopped).
- header-music: a real tune whose K:, M:, L: or Q: line goes on with music.
- header-loop: header lines written over and over, little or no music.
- note-dump: folk-rnn-style space-separated notes without a meter's worth of structure:
  no bar lines at all, bar lines at random, or a few pitches over and over.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rater.core.corpus import read_samples
from rater.core.demo import Markov, music21_corpus_dir

SEED = 12
_BAR = re.compile(r"(?<=[^|:\[])\|(?![|:\]])")
_KEEP = ("M:", "L:", "K:", "Q:")
_TOKEN = re.compile(r"(\(\d|\[[^\]]*\][\d/]*|[_^=]*[A-Ga-gzx][,']*[\d/]*[<>]*|\S)")


@dataclass(frozen=True)
class Material:
    """Real headers, bodies and bars to build degenerate samples from."""

    headers: list[list[str]]
    bodies: list[str]
    bars: list[list[str]]  # the bars of one tune (text), per tune
    markov: dict[int, Markov]


def split_tune(text: str) -> tuple[list[str], str]:
    """(M:/L:/K:/Q: header lines, body) of a real tune."""
    headers, body, in_body = [], [], False
    for line in text.split("\n"):
        if not in_body and re.match(r"^[A-Za-z]:", line):
            if line.startswith(_KEEP):
                headers.append(line.replace(": ", ":", 1))
            in_body = line.startswith("K:")
        elif in_body and not line.startswith("%"):
            body.append(line)
    return headers, "\n".join(body).strip()


def material(limit: int = 1200, seed: int = SEED) -> Material:
    base = music21_corpus_dir()
    tunes = read_samples([str(base / "oneills1850"), str(base / "ryansMammoth")])
    rng = random.Random(seed)
    tunes = [t for t in tunes if "V:" not in t.text]
    rng.shuffle(tunes)
    tunes = tunes[:limit]
    headers, bodies, bars = [], [], []
    for t in tunes:
        h, b = split_tune(t.text)
        if not any(x.startswith("K:") for x in h) or len(b) < 100:
            continue
        headers.append(h)
        bodies.append(b)
        inner = [x.strip() for x in re.split(r"[|:\]\[]+\d?", b.replace("\n", " "))]
        bars.append([x for x in inner if len(x) >= 4])
    markov = {k: Markov(bodies[:400], order=k) for k in (3, 4, 5, 6)}
    return Material(headers, bodies, bars, markov)


def _head(rng: random.Random, mat: Material, n: int, tune: int | None = None) -> str:
    """A header: of tune `tune` (a loop keeps the meter its bars came with), else any."""
    headers = mat.headers[tune] if tune is not None else rng.choice(mat.headers)
    return f"X:{n}\nT:Generated {n}\n" + "\n".join(headers) + "\n"


def respell(bar: str, rng: random.Random) -> str:
    """The same notes with different spacing: `c/c/f/c/` <-> `c/ c/ f/ c/`."""
    tokens = [t for t in _TOKEN.findall(bar) if not t.isspace()]
    out = []
    for t in tokens:
        out.append(t)
        out.append(" " if rng.random() < 0.4 else "")
    return "".join(out).strip()


def _cut(body: str, rng: random.Random, p: float) -> str:
    """Stop inside the last bar (where the generator hit its length limit), with chance p."""
    if rng.random() >= p:
        return body
    body = body.rstrip("|\n ")
    last = body.rfind("|")
    head, tail = body[: last + 1], body[last + 1 :]
    lead = tail[: len(tail) - len(tail.lstrip())]  # a line break after the bar line
    core = tail[len(lead) :]
    if len(core) < 2:
        return body
    return head + lead + core[: rng.randrange(1, len(core))]


def _distinct_bars(
    rng: random.Random, mat: Material, k: int, consecutive: bool = False
) -> tuple[list[str], int]:
    """k different bars of one real tune (k bars in a row when `consecutive`: a phrase),
    and that tune's index."""
    for _ in range(100):
        t = rng.randrange(len(mat.bars))
        bars = mat.bars[t]
        if consecutive and len(bars) > k:
            at = rng.randrange(0, len(bars) - k)
            if len(set(bars[at : at + k])) > 1:
                return bars[at : at + k], t
        elif not consecutive and len(set(bars)) >= k:
            return rng.sample(sorted(set(bars)), k), t
    return ["GABc", "dedB", "AGFE", "G4"][:k], 0


def _lines(bars: list[str], rng: random.Random) -> str:
    """Bars joined by bar lines, broken into lines of 4 (sometimes 2 or 8) bars."""
    per = rng.choice([4, 4, 4, 2, 8])
    out = ""
    for i, b in enumerate(bars):
        out += b + ("|\n" if (i + 1) % per == 0 else "|")
    return out


def generate(model: Markov, rng: random.Random, temperature: float, length: int) -> str:
    """`length` characters from an order-k chain, never stopping early: a generator that
    has diverged runs to its length limit (that is where it falls into loops)."""
    ctx = "^" * model.order
    out: list[str] = []
    while len(out) < length:
        counts = model.table.get(ctx)
        if not counts or set(counts) == {"$"}:
            counts = model.alphabet
        chars = sorted(c for c in counts if c != "$")
        weights = [counts[c] ** (1.0 / temperature) for c in chars]
        if temperature > 4:  # very hot: mix in any character seen anywhere
            chars += sorted(model.alphabet)
            weights += [temperature / 4] * len(model.alphabet)
        c = rng.choices(chars, weights)[0]
        out.append(c)
        ctx = (ctx + c)[-model.order :]
    return "".join(out).strip()


def markov(
    temperature: tuple[float, float], orders: tuple[int, ...]
) -> Callable[[random.Random, Material, int], str]:
    def make(rng: random.Random, mat: Material, n: int) -> str:
        model = mat.markov[rng.choice(orders)]
        t = rng.uniform(*temperature)
        body = generate(model, rng, t, rng.choice([150, 200, 300, 500]))
        return _head(rng, mat, n) + body + "\n"

    return make


def bar_loop(rng: random.Random, mat: Material, n: int, cut: float = 1.0) -> str:
    pool, tune = _distinct_bars(rng, mat, rng.choice([2, 3, 3]))
    target = rng.randint(12, 16)
    bars: list[str] = []
    while len(bars) < target:
        if rng.random() < 0.5:
            bars += [rng.choice(pool)] * rng.randint(3, 5)
        else:
            bars.append(rng.choice(pool))
    bars = bars[:target]
    if not any(bars[i] == bars[i + 1] == bars[i + 2] for i in range(len(bars) - 2)):
        at = rng.randrange(0, target - 3)
        bars[at : at + 3] = [bars[at]] * 3
    bars = [respell(b, rng) if rng.random() < 0.5 else b for b in bars]
    return _head(rng, mat, n, tune) + _cut(_lines(bars, rng), rng, cut) + "\n"


def phrase_loop(rng: random.Random, mat: Material, n: int, cut: float = 1.0) -> str:
    size = rng.choice([2, 3, 4, 4])
    phrase, tune = _distinct_bars(rng, mat, size, consecutive=True)
    bars = [rng.choice(mat.bars[tune])] if rng.random() < 0.3 else []
    bars += phrase * rng.randint(3, 5 if size <= 2 else 4)
    bars = [respell(b, rng) if rng.random() < 0.3 else b for b in bars]
    return _head(rng, mat, n, tune) + _cut(_lines(bars, rng), rng, cut) + "\n"


def bar_loop_whole(rng: random.Random, mat: Material, n: int) -> str:
    return bar_loop(rng, mat, n, cut=0.0)


def phrase_loop_whole(rng: random.Random, mat: Material, n: int) -> str:
    return phrase_loop(rng, mat, n, cut=0.0)


def truncation(rng: random.Random, mat: Material, n: int) -> str:
    body = rng.choice(mat.bodies)
    first = body.find("|", 1)
    stop = rng.randrange(0, max(1, first + rng.randrange(0, 6)))
    return _head(rng, mat, n) + body[:stop] + "\n"


def header_music(rng: random.Random, mat: Material, n: int) -> str:
    headers = list(rng.choice(mat.headers))
    body = rng.choice(mat.bodies)
    bars = rng.choice(mat.bars)
    music = "|".join(rng.sample(bars, min(len(bars), rng.randint(1, 6)))) + rng.choice(["|", ""])
    names = [h[:2] for h in headers if h[:2] in ("M:", "L:", "K:", "Q:")]
    name = "K:" if rng.random() < 0.6 or not names else rng.choice(names)
    value = next((h[2:] for h in headers if h.startswith(name)), "")
    style = rng.random()
    if style < 0.4:
        line = name + music  # the value itself is music
    elif style < 0.8:
        line = name + value + music  # a value, then music on the same line
    else:
        line = name + value + " " + music
    headers = [line if h.startswith(name) else h for h in headers]
    if name not in names:
        headers.append(line)
    text = f"X:{n}\nT:Generated {n}\n" + "\n".join(headers) + "\n"
    return text + (body if rng.random() < 0.7 else "") + "\n"


def header_loop(rng: random.Random, mat: Material, n: int) -> str:
    head = rng.choice(mat.headers)
    out = [f"X:{n}", f"T:Generated {n}"]
    for _ in range(rng.randint(3, 20)):
        out += rng.sample(head, len(head)) if rng.random() < 0.3 else head
        if rng.random() < 0.3:
            out.append(f"T:Generated {n}")
    text = "\n".join(out) + "\n"
    if rng.random() < 0.3:
        text += rng.choice(rng.choice(mat.bars)) + "|\n"
    return text


def note_dump(rng: random.Random, mat: Material, n: int) -> str:
    style = rng.choice(["no-bars", "random-bars", "few-pitches"])
    pitches = list("CDEFGABcdefgab") + ["G,", "A,", "B,", "c'", "d'"]
    count = rng.randint(40, 160)
    if style == "few-pitches":
        pitches = rng.sample(pitches, rng.randint(1, 3))
    lengths = ["", "", "", "2", "/2", "3", "4"]
    notes = [rng.choice(pitches) + (" " + rng.choice(lengths)).rstrip() for _ in range(count)]
    out = []
    for note in notes:
        out.append(note)
        if style == "random-bars" and rng.random() < 0.25:
            out.append("|")
        elif style == "few-pitches" and rng.random() < 0.12:
            out.append("|")
    return _head(rng, mat, n) + " ".join(out) + "\n"


FAMILIES: dict[str, Callable[[random.Random, Material, int], str]] = {
    "markov-low": markov((0.05, 0.3), (3, 4, 5)),
    "markov-mid": markov((0.8, 1.2), (4, 5, 6)),
    "markov-high": markov((3.0, 10.0), (3, 4, 5)),
    "bar-loop": bar_loop,
    "phrase-loop": phrase_loop,
    "bar-loop-whole": bar_loop_whole,
    "phrase-loop-whole": phrase_loop_whole,
    "truncation": truncation,
    "header-music": header_music,
    "header-loop": header_loop,
    "note-dump": note_dump,
}


def corpus(n: int = 200, seed: int = SEED, mat: Material | None = None) -> list[tuple[str, str]]:
    """`n` samples of every family, as (family, text)."""
    mat = mat or material(seed=seed)
    out = []
    for name, make in FAMILIES.items():
        rng = random.Random(f"{seed}:{name}")
        out += [(name, make(rng, mat, i + 1)) for i in range(n)]
    return out


if __name__ == "__main__":
    family = sys.argv[1] if len(sys.argv) > 1 else None
    for name, text in corpus(3):
        if family in (None, name):
            print(f"=== {name}\n{text}")
