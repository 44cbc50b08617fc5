"""One exception family; the CLI prints any of them as a single line and exits 2."""

from __future__ import annotations


class RaterError(Exception):
    """Base class: a problem the user can fix (bad input, missing piece, full disk)."""


class CorpusError(RaterError):
    """A samples file cannot be read (missing, binary, wrong format)."""


class SetupError(RaterError):
    """A system piece is missing (libfluidsynth, a SoundFont); the message says how to fix it."""


class RenderError(RaterError):
    """Rendering cannot run at all (not: one tune failed - that is a broken verdict)."""


class JournalError(RaterError):
    """The ratings journal cannot be read or appended to."""


class ExportError(RaterError):
    """Ratings cannot be exported in the requested format."""


class RankError(RaterError):
    """Ratings cannot be ranked (no usable records)."""
