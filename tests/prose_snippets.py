"""Generated text that is not music, the way a language model asked for a tune may answer:
refusals, chat answers, Python code and Markdown, each kind built from parts by a seeded
random generator (`snippets(n, seed)`), so the same call gives the same snippets."""

from __future__ import annotations

import random
from collections.abc import Callable

OPENERS = [
    "I'm sorry, but",
    "Sorry,",
    "As an AI language model,",
    "Unfortunately,",
    "I apologize, but",
    "Thanks for asking!",
    "The model said: I am sorry,",
    "Great question.",
]
REFUSALS = [
    "I cannot write music.",
    "I can't compose a tune for you.",
    "I am not able to produce sheet music or audio.",
    "I don't have the ability to create songs in ABC notation.",
    "writing melodies is outside what I can do.",
    "I won't generate that content.",
    "I'm unable to help with this request.",
]
OFFERS = [
    "Here is a poem instead.",
    "Would you like a short story about a fiddler instead?",
    "I could describe how a reel is usually structured, if that helps.",
    "Perhaps try a dedicated composition tool.",
    "Let me know if there is anything else I can help with.",
    "You might enjoy listening to some traditional sessions online.",
]
SUBJECTS = ["A jig", "The reel", "An Irish hornpipe", "A slow air", "This polka", "Your tune"]
VERBS = ["usually has", "often uses", "is built from", "tends to repeat", "is played with"]
OBJECTS = [
    "two eight-bar parts, each played twice",
    "a lively rhythm in six-eight time",
    "phrases that answer each other",
    "a strong pulse on the first beat",
    "ornaments such as cuts, rolls and slides",
    "a key like D major or G major",
]
POEM = [
    "The fiddle sings beneath the moon,",
    "and dancers turn to an old tune;",
    "the night is long, the floor is wide,",
    "with friends and music side by side.",
    "O river run and river roam,",
    "the whistle calls the wanderer home.",
]
NAMES = ["parse", "render", "load", "count", "score", "tokenize", "sample", "play", "split"]
ARGS = ["text", "path", "notes", "items", "tune", "values", "data"]
BODIES = [
    "result = []\nfor item in {a}:\n    result.append(item.strip())\nreturn result",
    "with open({a}) as handle:\n    return handle.read().splitlines()",
    "if not {a}:\n    raise ValueError('empty input')\nreturn len({a})",
    "total = 0\nfor value in {a}:\n    total += value * 2\nprint(total)\nreturn total",
    "import json\nreturn json.loads({a})['choices'][0]['text']",
    "counts = {{}}\nfor word in {a}.split():\n    counts[word] = counts.get(word, 0) + 1\n"
    "return counts",
]
HEADINGS = ["Overview", "How to play a reel", "Installation", "Usage", "Notes on the tune"]
BULLETS = [
    "Start slowly and keep a steady beat",
    "Practise each part on its own",
    "Listen to recordings of good players",
    "Install the package with pip",
    "Run the tests before you commit",
    "Keep the bow arm relaxed",
]


def refusal(rng: random.Random) -> str:
    return f"{rng.choice(OPENERS)} {rng.choice(REFUSALS)} {rng.choice(OFFERS)}"


def chat_answer(rng: random.Random) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
        for _ in range(rng.randint(2, 5))
    ]
    lines = [" ".join(sentences[: len(sentences) // 2 + 1]), " ".join(sentences[1:])]
    if rng.random() < 0.5:
        lines.append("")
        lines.extend(rng.sample(POEM, rng.randint(2, 4)))
    return f"Sure! {lines[0]}\n" + "\n".join(lines[1:])


def python_code(rng: random.Random) -> str:
    name, arg = rng.choice(NAMES), rng.choice(ARGS)
    body = rng.choice(BODIES).format(a=arg)
    indented = "\n".join("    " + line for line in body.split("\n"))
    doc = f'    """{rng.choice(NAMES).capitalize()} the {arg} and return the result."""\n'
    code = f"def {name}_{arg}({arg}):\n{doc if rng.random() < 0.5 else ''}{indented}\n"
    if rng.random() < 0.5:
        code = "```python\n" + code + "```"
    return code


def markdown(rng: random.Random) -> str:
    parts = [f"# {rng.choice(HEADINGS)}", ""]
    parts += [f"- {b}" for b in rng.sample(BULLETS, rng.randint(2, 4))]
    if rng.random() < 0.5:
        parts += ["", "| Key | Mode |", "|-----|------|", "| D | major |", "| E | dorian |"]
    parts += ["", f"**Note:** {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} "
              f"{rng.choice(OBJECTS)}."]  # fmt: skip
    return "\n".join(parts)


KINDS: dict[str, Callable[[random.Random], str]] = {
    "refusal": refusal,
    "chat answer": chat_answer,
    "python": python_code,
    "markdown": markdown,
}


def snippets(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """`n` (kind, text) pairs, the kinds in turn."""
    rng = random.Random(seed)
    kinds = list(KINDS.items())
    return [(kinds[i % len(kinds)][0], kinds[i % len(kinds)][1](rng)) for i in range(n)]
