"""The command line's edge: parsed options -> the library's settings, and back for errors.

argparse reads every default from the settings dataclasses (`rater.core.settings`), and these
functions turn a parsed Namespace into those settings; nothing past this module sees a
Namespace. Library errors name settings by field; `flag_of` gives the option that sets one,
so the one-line error a person reads names what they typed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import replace

from rater.audio.synth import resolve_soundfont
from rater.core.checks import default_settings
from rater.core.errors import ModelError, SettingsError
from rater.core.settings import (
    FEATURE_BLOCKS,
    CheckSettings,
    ExportOptions,
    FeatureSettings,
    FitSettings,
    PairingSettings,
    RateSettings,
    RenderSettings,
    TeamSettings,
)

# Fields whose option is not simply `--field-name`.
FLAGS = {"strategy": "--pairing", "C": "--c", "cache_max_bytes": "--cache-size"}
_UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9,
          "GB": 10**9, "T": 10**12, "TB": 10**12}  # fmt: skip
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


def byte_size(text: str) -> int:
    """`--cache-size`: bytes, or a number with a unit (`500MB`, `2G`, `1.5GB`; powers of
    1000, as `rater cache` prints them). Its range is the settings' (`RANGES`)."""
    m = _SIZE.fullmatch(text)
    unit = m.group(2).upper() if m else ""
    if m is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text[:40]!r} (e.g. 500MB, 2GB)")
    return int(float(m.group(1)) * _UNITS[unit])


def flag_of(field: str) -> str:
    """The option that sets a settings field (`clip_seconds` -> `--clip-seconds`)."""
    return FLAGS.get(field, "--" + field.replace("_", "-"))


def warn(text: str) -> None:
    """A problem of the machine that the command works around (an unwritable render cache):
    one line on stderr, and the command goes on."""
    print(f"rater: warning: {text}", file=sys.stderr, flush=True)


def default_rater() -> str:
    """Whoever is logged in; the settings' default when nobody is."""
    return os.environ.get("USER") or RateSettings.rater


def render_settings(args: argparse.Namespace, kind: str) -> RenderSettings:
    """Render settings from the shared options (`main._add_render_args`).

    The SoundFont is looked up here, before any work starts, so a missing one is reported
    once with an install hint rather than as thousands of failed renders. Text samples are
    never rendered: they need no SoundFont (nor libfluidsynth).
    """
    render = RenderSettings(
        soundfont=args.soundfont or "",
        clip_seconds=args.clip_seconds,
        speed=args.speed,
        time_limit=args.time_limit,
        workers=args.workers,
        dialect=args.dialect,
        cache_max_bytes=args.cache_size,
    )
    return render if kind == "text" else resolve_soundfont(render)


def render_and_checks(args: argparse.Namespace, kind: str) -> tuple[RenderSettings, CheckSettings]:
    """Render settings and the check settings with the `--blacklist` files loaded."""
    return render_settings(args, kind), default_settings(args.blacklist, args.dialect)


def rate_settings(
    args: argparse.Namespace, kind: str, pairing: PairingSettings | None = None
) -> RateSettings:
    """Everything a rating sitting is set up with (`rate`, `demo`); `pairing`: as followed
    from the journal (`rating.provenance`), else the options' (their defaults)."""
    render, checks = render_and_checks(args, kind)
    d = PairingSettings()
    best = d.best if args.best is None else args.best
    until = d.until if args.until is None else args.until
    if (args.best is not None or args.until is not None) and (args.pairing or "top") != "top":
        raise SettingsError("--best and --until are for --pairing top")
    if pairing is None:
        pairing = PairingSettings(
            strategy=args.pairing or d.strategy,
            seed=d.seed if args.seed is None else args.seed,
            prefix_chars=args.prefix_chars,
            best=best,
            until=until,
        )
    else:
        pairing = replace(pairing, best=best, until=until)
    return RateSettings(
        rater=args.rater or default_rater(),
        pairing=pairing,
        render=render,
        checks=checks,
        silent=args.silent,
        recheck=args.recheck,
        min_heard=args.min_heard,
        show_source=args.show_source,
    )


def export_options(args: argparse.Namespace) -> ExportOptions:
    return ExportOptions(
        query_length=args.query_length,
        response_length=args.response_length,
        pad_token=args.pad_token,
        empty_query_token=args.empty_query_token,
        long_query=args.long_query,
        batch_size=args.batch_size,
        drop_broken=args.drop_broken,
        drop_ties=args.drop_ties,
        keep_rechecks=args.keep_rechecks,
    )


def project_settings(args: argparse.Namespace) -> tuple[PairingSettings, TeamSettings]:
    """A team project's schedule and sharing (`rater db add`)."""
    pairing = PairingSettings(strategy=args.pairing, seed=args.seed, prefix_chars=args.prefix_chars)
    return pairing, TeamSettings(overlap=args.overlap, lease_seconds=args.lease_seconds)


def fit_settings(args: argparse.Namespace) -> FitSettings:
    """How `rater model fit` fits and checks the model."""
    return FitSettings(C=args.c, folds=args.folds, seed=args.seed, workers=args.workers)


def feature_settings(args: argparse.Namespace) -> FeatureSettings:
    """What `rater model fit`'s model reads: `--features` (one of `FEATURE_BLOCKS`) of
    samples of `--kind`, music from the clip of `--clip-seconds` at `--speed`."""
    blocks = args.features
    if blocks not in FEATURE_BLOCKS:
        raise ModelError(f"--features must be one of {', '.join(FEATURE_BLOCKS)}")
    if args.kind == "text" and blocks == "music":
        raise ModelError("--features music needs --kind abc: text samples have no notes")
    return FeatureSettings(
        kind=args.kind,
        use_text=blocks in ("both", "text"),
        use_music=blocks in ("both", "music") and args.kind == "abc",
        clip_seconds=args.clip_seconds,
        speed=args.speed,
        dialect=args.dialect,
    )
