"""One exception family; the CLI prints any of them as a single line and exits 2."""

from __future__ import annotations


class RaterError(Exception):
    """Base class: a problem the user can fix (bad input, missing piece, full disk).

    The library knows settings by their field names, not by command-line flags, so an error
    about one setting is raised with `field=` and a message in which `{field}` marks where
    the setting is named ("{field} must be positive" reads "clip_seconds must be positive");
    the CLI puts the flag there instead (`named`).
    """

    def __init__(self, message: str = "", *, field: str = "") -> None:
        self.field = field
        self.template = message
        super().__init__(message.replace("{field}", field) if field else message)

    def named(self, name: str) -> str:
        """The message with `name` (a flag, say) where the setting's field name stands."""
        return self.template.replace("{field}", name) if self.field else str(self)


class SettingsError(RaterError):
    """A setting has a value that cannot work (a clip of 0 s, a speed of 100x)."""


class CorpusError(RaterError):
    """A samples file cannot be read (missing, binary, wrong format)."""


class SetupError(RaterError):
    """A system piece is missing (libfluidsynth, a SoundFont); the message says how to fix it."""


class RenderError(RaterError):
    """Rendering cannot run at all (not: one tune failed - that is a broken verdict)."""


class StorageError(RenderError):
    """The machine, not the input: a full disk, a read-only or unwritable folder.

    Never a verdict on a sample: whoever catches it reports it (and may carry on without the
    cache); nothing about it is written to the cache or the journal.
    """


# Python's own exceptions that are about the machine, never about a tune: out of memory, a
# library that will not import (a broken install), the operating system refusing (no file
# descriptors, no temporary folder). A render that raises one is retried, then reported as a
# machine failure (`core.records.MACHINE_FAILURE`), never given a verdict.
MACHINE_ERRORS: tuple[type[BaseException], ...] = (MemoryError, ImportError, OSError)


class PairingError(RaterError):
    """The samples cannot be paired the way the strategy asks (e.g. `ab` without two sources)."""


class JournalError(RaterError):
    """The ratings journal cannot be read or appended to."""


class ExportError(RaterError):
    """Ratings cannot be exported in the requested format."""


class RankError(RaterError):
    """Ratings cannot be ranked (no usable records)."""


class ModelError(RaterError):
    """A preference model cannot be fitted, read or used (no usable ratings, bad model file)."""


class PlotError(RaterError):
    """A chart cannot be drawn or kept (`--plot-out` names a device, a FIFO, a folder)."""


class StoreError(RaterError):
    """The team store (PostgreSQL) refused a request or cannot be used (no such project,
    a schema too new, a write as another rater)."""


class OfflineError(StoreError):
    """The team server cannot be reached: the machine's or network's fault, never the
    decision's; a decision made meanwhile waits in the local spool."""
