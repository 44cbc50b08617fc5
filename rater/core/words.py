"""How a count reads in a sentence: one plural rule for every line that counts things."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and its noun, thousands grouped: "1 rater", "0 raters", "1,024 decisions".

    `plural`: for a noun that does not just take an "s" ("1 query", "2 queries")."""
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n:,} {word}"
