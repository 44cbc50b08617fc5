"""The built-in demo corpus: real tunes mixed with machine-made ones, good to broken.

`rater demo` must work on a fresh machine with nothing but the installed packages, and a
demo only shows the tool off if the pairs differ in quality. So the corpus mixes ~40 real
tunes from music21's bundled collections with ~40 tunes whose bodies come from an order-k
character Markov chain trained on other real tunes: at low temperature the chain falls
into loops (degenerate, auto-failed), around 1 it sounds plausible-ish, and at high
temperature it writes noise. Everything is seeded, so the file is the same bytes on every
machine with the same music21 corpus, and it is cached under `<cache dir>/demo/`.

Titles are "Demo tune N" so the origin is not revealed while rating; the origin of each
tune (corpus file + tune number, or Markov temperature) is kept in `origins.json` next to
the samples file, out of the sample text so it does not change ids or bias raters.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import stat
from collections import Counter, defaultdict
from pathlib import Path

from rater.core import scratch
from rater.core.corpus import read_samples, sample_id
from rater.core.errors import SetupError
from rater.core.paths import cache_dir
from rater.core.records import Reason, Sample

VERSION = 2
SEED = 20240601
N_REAL = 40
TEMPERATURES = (0.02, 0.05, 0.1, 0.3, 0.7, 1.0, 3.0, 12.0)  # 5 tunes each -> 40 generated
ORDER = 5
_KEEP_HEADERS = ("M:", "L:", "K:", "Q:")


def music21_corpus_dir() -> Path:
    """music21's bundled corpus folder, found without importing music21 (slow import)."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise SetupError("music21 is not installed: pip install music21")
    return Path(next(iter(spec.submodule_search_locations))) / "corpus"


def _split(text: str) -> tuple[list[str], str]:
    """(kept header lines, body) of a tune."""
    headers, body = [], []
    in_body = False
    for line in text.split("\n"):
        if not in_body and re.match(r"^[A-Za-z]:", line):
            if line.startswith(_KEEP_HEADERS):
                headers.append(line.replace(": ", ":", 1))
            if line.startswith("K:"):
                in_body = True
        elif in_body and not line.startswith("%"):
            body.append(line)
    return headers, "\n".join(body).strip()


def _pool() -> list[Sample]:
    base = music21_corpus_dir()
    tunes = read_samples([str(base / "oneills1850"), str(base / "ryansMammoth")])
    return [t for t in tunes if 120 <= len(_split(t.text)[1]) <= 420 and "V:" not in t.text]


class Markov:
    """Order-k character model over tune bodies; sampling with a temperature."""

    def __init__(self, bodies: list[str], order: int = ORDER) -> None:
        self.order = order
        self.table: dict[str, Counter[str]] = defaultdict(Counter)
        self.alphabet: Counter[str] = Counter()
        for b in bodies:
            text = "^" * order + b + "$"
            self.alphabet.update(b)
            for i in range(order, len(text)):
                self.table[text[i - order : i]][text[i]] += 1

    def generate(self, rng: random.Random, temperature: float, max_len: int = 500) -> str:
        ctx = "^" * self.order
        out: list[str] = []
        for _ in range(max_len):
            counts = self.table.get(ctx) or self.alphabet
            chars = sorted(counts)
            weights = [counts[c] ** (1.0 / temperature) for c in chars]
            if temperature > 4:  # very hot: mix in any character seen anywhere
                chars += sorted(self.alphabet)
                weights += [temperature / 4] * len(self.alphabet)
            c = rng.choices(chars, weights)[0]
            if c == "$":
                break
            out.append(c)
            ctx = (ctx + c)[-self.order :]
        return "".join(out).strip()


def _build() -> tuple[str, dict[str, str]]:
    rng = random.Random(SEED)
    pool = _pool()
    rng.shuffle(pool)
    real, training = pool[:N_REAL], pool[N_REAL : N_REAL + 400]
    model = Markov([_split(t.text)[1] for t in training])
    entries: list[tuple[list[str], str, str]] = []
    for t in real:
        headers, body = _split(t.text)
        entries.append(
            (
                headers,
                body,
                f"{Path(t.source).parent.name}/{Path(t.source).name} #{t.number} {t.title}",
            )
        )
    for temperature in TEMPERATURES:
        for _ in range(5):
            headers = _split(rng.choice(training).text)[0]
            body = model.generate(rng, temperature) or "z4|"
            entries.append((headers, body, f"markov order {ORDER} temperature {temperature}"))
    rng.shuffle(entries)
    parts, origins = [], {}
    for n, (headers, body, origin) in enumerate(entries, 1):
        text = "\n".join([f"X:{n}", f"T:Demo tune {n}", *headers, body])
        parts.append(text + "\n")
        origins[sample_id(text)] = origin
    return "\n".join(parts), origins


def demo_corpus(dest_dir: str | Path | None = None) -> Path:
    """Path of the demo samples file, built on first use (a second or so) then cached."""
    if dest_dir is None:
        dest = cache_dir() / "demo"
    else:
        dest = Path(dest_dir)
    path = dest / f"demo-v{VERSION}.abc"
    if _regular(path) and _real_folder(dest):
        return path
    text, origins = _build()
    try:
        if dest_dir is None and dest.is_symlink():  # out of the cache: never written through
            raise OSError("the demo folder is a symlink")
        _write(dest, origins, text)
    except OSError:
        if dest_dir is not None:
            raise
        # an unwritable cache costs a second per run, not the demo
        dest = scratch.private_dir() / "demo"
        _write(dest, origins, text)
    return dest / path.name


def _regular(path: Path) -> bool:
    """A non-empty regular file, not a symlink (one planted in the cache would make the demo
    read, and a session journal, someone else's file)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > 0


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def _write(dest: Path, origins: dict[str, str], text: str) -> None:
    origins_json = json.dumps(origins, indent=1, sort_keys=True) + "\n"
    scratch.write_new(dest / "origins.json", origins_json.encode("utf-8"))
    scratch.write_new(dest / f"demo-v{VERSION}.abc", text.encode("utf-8"))


def degenerate_examples() -> dict[str, tuple[str, Reason]]:
    """Hand-made broken tunes, name -> (text, the reason the checks must give)."""
    head = "X:1\nT:Degenerate\nM:4/4\nL:1/8\nK:G\n"
    rng = random.Random(7)
    noise = bytes(rng.randrange(1, 256) for _ in range(600)).decode("latin-1")
    return {
        "one bar x30": (head + "GABc dedB|" * 30 + "\n", Reason.REPETITIVE),
        "one note x200": (head + "G" * 200 + "\n", Reason.REPETITIVE),
        "random bytes": (noise, Reason.UNPARSEABLE),
        "empty body": (head, Reason.EMPTY),
        "header, rests only": (head + "z8|x8|z8|]\n", Reason.EMPTY),
        # what a diverged GPT-2 ABC model wrote: a short loop stopping mid-bar, music in K:
        "short loop, cut": (
            head + "GABc dedB|" * 4 + "AGFG A2D2|" + "GABc dedB|" * 3 + "c2ec BcdB|GAB",
            Reason.LOOP,
        ),
        "music in K:": (
            head.replace("K:G", "K:d/d/aae/d/|^cA(B/^c/)") + "GABc dedB|]\n",
            Reason.BAD_HEADER,
        ),
    }
