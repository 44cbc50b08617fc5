"""The one rule for reading JSON that someone else may have written: journals, model files,
cache entries, samples files.

Python's `json` accepts what rater must not: `NaN` and `Infinity`, `1e400` (read as
infinity, so a pitch overflows and a weight poisons every score), integers of hundreds of
digits (OverflowError wherever one becomes a float), and nesting deep enough to raise
RecursionError (`'[' * 100000`) in the parser or in whatever walks the value next. So every
reader goes through `loads`: at most `max_bytes`, nested at most `MAX_DEPTH` deep, every
number finite and every integer within 64 bits. A text that breaks the rule is a ValueError
with the reason, which each reader turns into its own one-line error (file:line for a
journal) or a cache miss.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # rater's own files nest 4 deep at most
MAX_BYTES = 64 << 20  # the default size limit of one JSON text (a journal line, say)
INT_LIMIT = 1 << 63


class NotJSON(ValueError):
    """The text is not JSON at all (rather than JSON that breaks the rule): a samples file
    reader then tries other shapes. `msg` and `lineno` say where the parser stopped."""

    def __init__(self, error: json.JSONDecodeError) -> None:
        super().__init__(f"invalid JSON: {error}")
        self.msg, self.lineno = error.msg, error.lineno


class _Broken(ValueError):
    """A number the rule refuses, found while parsing."""


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Broken(f"number {text[:40]} is not finite")
    return value


def _constant(name: str) -> Any:
    raise _Broken(f"{name} is not a number")


def loads(data: bytes | str, max_bytes: int = MAX_BYTES, walk: bool = True) -> Any:
    """The value of one JSON text, by the rule above; ValueError naming what is wrong.

    `walk=False` leaves the depth and integer checks (`check`) to a caller that checks its
    fields one by one (a journal line's token lists are long and flat: their ids are checked
    against the vocabulary instead); the parser's own limit on nesting still holds.
    """
    if len(data) > max_bytes:
        raise ValueError(f"longer than {max_bytes} bytes")
    try:
        value = json.loads(data, parse_float=_number, parse_constant=_constant)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} deep") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise NotJSON(exc) from None
    except _Broken:
        raise
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise ValueError("an integer too long to read") from None
    if walk:
        check(value)
    return value


def check(value: Any, limit: int = MAX_DEPTH) -> None:
    """ValueError when lists and objects inside `value` nest deeper than `limit`, or an
    integer in it needs more than 64 bits; found without recursion (a deep value must not be
    what breaks the check)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if type(item) is int and not -INT_LIMIT <= item < INT_LIMIT:
            raise ValueError(f"integer {str(item)[:20]}... is too large")
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if level > limit:
            raise ValueError(f"nested more than {limit} deep")
        stack.extend((x, level + 1) for x in item if type(x) in (list, dict, int))
