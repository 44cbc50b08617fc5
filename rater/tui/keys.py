"""The rating screen's keys, in one place: the app's bindings (and so its footer and help
screen) and `rater --help`'s epilog are made from this table; the README lists the same
keys (tests/test_keys.py checks all four agree).

Kept free of textual, so the command line can print the keys without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One key: Textual's key name(s), the action it runs, and what it does in words;
    `bar`: shown in the key bar (every key is in the help and `rater --help`)."""

    key: str
    action: str
    description: str
    bar: bool = True


KEYS: tuple[Key, ...] = (
    Key("1", "decide(0)", "A wins"),
    Key("2", "decide(1)", "B wins"),
    Key("3", "decide('tie')", "equal"),
    Key("enter", "skip", "skip"),
    Key("space", "replay", "replay"),
    Key("a", "play('a')", "play A"),
    Key("b", "play('b')", "play B"),
    Key("c", "note", "note"),
    Key("u", "undo", "undo"),
    Key("s", "stats", "stats"),
    Key("r", "autorate", "auto-rate rest"),
    Key("x", "exit", "exit"),
    Key("question_mark", "help", "help"),
    Key("pagedown", "scroll(1)", "scroll both tunes down", bar=False),
    Key("pageup", "scroll(-1)", "scroll both tunes up", bar=False),
)

LABELS = {
    "question_mark": "?",
    "space": "space",
    "enter": "Enter",
    "escape": "Esc",
    "pagedown": "PgDn",
    "pageup": "PgUp",
}


def key_label(key: str) -> str:
    """How a person types it: `question_mark` is `?`, `enter,space` is `Enter / space`."""
    return " / ".join(LABELS.get(k, k) for k in key.split(","))


def keys_text(width: int = 90) -> str:
    """Every key in a few lines, for `rater --help` (lines break between keys only)."""
    lines = ["keys in the rating screen:"]
    for k in KEYS:
        item = f"{key_label(k.key)} {k.description}" + ("." if k is KEYS[-1] else ",")
        if len(lines[-1]) + 1 + len(item) > width:
            lines.append(item)
        else:
            lines[-1] += " " + item
    return "\n".join(lines)
