"""Every failure of a reader or renderer as a verdict: a reason and a sentence, in one place.

Readers and renderers fail with whatever their code raises: a ValueError from a header that
splits into too many parts, a library's own exception class, a ZeroDivisionError from a
meter of 0. A person deciding what to do about a sample needs to know what is wrong with the
tune, not which class was raised, and a library's messages change with its version. So the
sentence is made from the tune's text (which header field is not a value of its kind, which
chord, annotation or decoration is never closed) and, failing that, from the kind of
failure; the exception's class and message are never shown.

A failure of the machine rather than the tune is never a verdict on a sample: the
`errors.MACHINE_ERRORS` (out of memory, a library that cannot be imported, the disk) are
raised again as they are, and a library that lacks what rater calls (a broken or
mismatched install) as `SetupError`.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from types import ModuleType
from typing import NamedTuple

from rater.core.abc import fields
from rater.core.errors import MACHINE_ERRORS, SetupError
from rater.core.records import Reason


class Stage(StrEnum):
    """What was being done when it failed: reading the notes, or making their sound."""

    READ = "read"
    SOUND = "sound"


class Failure(NamedTuple):
    reason: Reason
    detail: str  # one sentence, no exception class or message


HEADER_KINDS = {"K": "key", "M": "meter", "L": "unit note length", "Q": "tempo"}
SETUP_HINT = "reinstall with scripts/setup (or pip install -e .)"
_FIELD = re.compile(r"^\s*([A-Za-z]):(.*)$")
_QUOTED = re.compile(r'"[^"]*"')
_DECORATION = re.compile(r"![^!]*!")
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]]*\]")
_BAR_BRACKET = re.compile(r"\[(?=[|\d])|(?<=[|:])\]")  # `[|`, `[1` endings, `|]`, `:]`


def failure(exc: BaseException, text: str, stage: Stage = Stage.READ) -> Failure:
    """The verdict for `text` whose reading (or sound, `stage`) raised `exc`.

    Raises `SetupError` when the failure is the machine's (see the module docstring).
    """
    _raise_if_machine(exc)
    header = invalid_header(text)
    if header:
        return Failure(Reason.BAD_HEADER, header)
    unclosed = unclosed_problem(text)
    if unclosed:
        return Failure(Reason.UNPARSEABLE, unclosed)
    reason = Reason.UNPARSEABLE if stage is Stage.READ else Reason.UNRENDERABLE
    if isinstance(exc, RecursionError):
        return Failure(reason, "nested too deeply to read")
    if isinstance(exc, ZeroDivisionError | OverflowError):
        return Failure(reason, "a note length, meter or tempo comes to zero or to infinity")
    if stage is Stage.READ:
        return Failure(reason, "its notes could not be read as ABC")
    return Failure(reason, "its notes could not be turned into sound")


def _raise_if_machine(exc: BaseException) -> None:
    if isinstance(exc, MACHINE_ERRORS):
        raise exc  # out of memory, a library that cannot be loaded, the disk: see errors
    if isinstance(exc, AttributeError) and isinstance(exc.obj, ModuleType):
        module, name = exc.obj.__name__, exc.name or "?"
        raise SetupError(
            f"the installed {module} has no {name!r} (a broken or mismatched install): {SETUP_HINT}"
        ) from None


def machine_failure(exc: BaseException) -> str:
    """What the machine did (one of `errors.MACHINE_ERRORS`), in words, for the line that says
    a sample was not judged: never the exception's class or its message."""
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, ImportError):
        library = f"the library {exc.name}" if exc.name else "a library"
        return f"{library} could not be loaded: {SETUP_HINT}"
    if isinstance(exc, OSError):
        words = exc.strerror or (os.strerror(exc.errno) if exc.errno else "")
        if not words:
            return "an operating-system error"
        return f"an operating-system error: {words[:1].lower()}{words[1:]}"
    return "the machine failed"


def invalid_header(text: str) -> str | None:
    """A sentence naming the first K:, M:, L: or Q: field whose value is not of its kind."""
    for line in text.split("\n"):
        m = _FIELD.match(line)
        if m is None:
            if line.strip() and not line.lstrip().startswith("%"):
                break  # the body has started
            continue
        letter, value = m.group(1), m.group(2).strip()
        if letter in HEADER_KINDS and not fields.valid(letter, value):
            shown = value if len(value) <= 30 else value[:29] + "…"
            return f"{letter}:{shown} is not a {HEADER_KINDS[letter]}"
    return None


def unclosed_problem(text: str) -> str | None:
    """A sentence naming the first chord, annotation, decoration, grace group or inline field
    of the body that is opened on a line and never closed there."""
    for line in text.split("\n"):
        if _FIELD.match(line) or line.lstrip().startswith("%"):
            continue
        music = line.split("%", 1)[0]
        if music.count('"') % 2:
            return 'an annotation or chord symbol ("...) is never closed'
        music = _QUOTED.sub("", music)
        if music.count("!") % 2:
            return "a decoration (!...) is never closed"
        music = _DECORATION.sub("", music)
        if music.count("{") != music.count("}"):
            return "a group of grace notes ({...) is never closed"
        if re.search(r"\[[A-Za-z]:[^\]]*$", music):
            return "an inline field ([K:...) is never closed"
        music = _BAR_BRACKET.sub("", _INLINE_FIELD.sub("", music))
        if music.count("[") != music.count("]"):
            return "a chord ([...) is never closed"
    return None
