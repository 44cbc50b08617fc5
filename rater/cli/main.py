"""Command line: argument parsing only. Each command lives in `rater.cli.commands.<name>`.

Option defaults, choices and help come from the library (the settings dataclasses, the
pairing and export registries), so they cannot drift apart. Heavy libraries are imported by
the command modules when they run, so `rater --help` is instant. Library exceptions
(`RaterError`) become one line on stderr and exit status 2 here, at the edge, and nowhere
else; an error about a setting names its option (`rater.cli.options.flag_of`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rater import __version__
from rater.analysis.export import FORMATS
from rater.cli.options import byte_size, flag_of
from rater.cli.plotting import add_plot_options
from rater.cli.team_args import add_db_option, add_db_parser
from rater.core.abc.dialect import DIALECTS
from rater.core.bpe import DEFAULT_PAD
from rater.core.corpus import KINDS
from rater.core.errors import RaterError
from rater.core.printable import printable
from rater.core.records import NOTES, REASONS
from rater.core.settings import (
    AUTO_RATER,
    FEATURE_BLOCKS,
    LONG_QUERY,
    RANGES,
    TOP_ROWS,
    CorpusSettings,
    ExportOptions,
    FeatureSettings,
    FitSettings,
    PairingSettings,
    RateSettings,
    RenderSettings,
)
from rater.rating.pairing import STRATEGIES
from rater.tui.keys import keys_text


def _in(name: str) -> str:
    """An option's range for its help (`settings.RANGES`: checked where settings are made)."""
    return f" ({RANGES[name]})"


def epilog() -> str:
    """The rating screen's keys (from the app's own key table) and the cache variable."""

    return keys_text() + (
        "\nSet RATER_CACHE_DIR to choose where rendered clips are cached; `rater cache` shows its"
        "\nsize, `rater cache --clear` empties it (nothing caps it: ~0.4 MB per 10 s clip)."
    )


def _add_corpus_args(p: argparse.ArgumentParser, required: bool = True, kind: bool = True) -> None:
    p.add_argument(
        "samples", nargs="+" if required else "*", metavar="SAMPLES",
        help="samples files or directories",
    )  # fmt: skip
    if kind:
        p.add_argument(
            "--kind",
            choices=list(KINDS),
            default=CorpusSettings.kind,
            help="abc: render and play; text: show only (poems, chat replies)",
        )
    p.add_argument(
        "--text-field",
        metavar="NAME",
        default=CorpusSettings.text_field,
        help="the JSON field or Parquet column that holds each sample (default: text, "
        "generated_text, completion, OpenAI choices, or a record's only text field)",
    )


def _add_dialect_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dialect",
        choices=DIALECTS,
        default=CorpusSettings.dialect,
        help="how ABC samples are read: auto (default: each sample as it is written), abc "
        "(ABC 2.1), folkrnn (folk-rnn's space-separated tokens, joined, L:1/8)",
    )


def _add_render_args(p: argparse.ArgumentParser, blacklist: bool = True) -> None:
    _add_dialect_arg(p)
    p.add_argument("--soundfont", metavar="FILE", help="SoundFont (.sf2) to synthesise with")
    defaults = RenderSettings()
    _add_clip_args(p, "seconds of music per clip", "tempo factor (pitch unchanged)")
    _add_workers_arg(p, defaults.workers, "render processes")
    p.add_argument(
        "--time-limit",
        type=float,
        default=defaults.time_limit,
        help="seconds allowed to render one sample" + _in("time_limit"),
    )
    _add_cache_size(p)
    if blacklist:
        _add_blacklist_arg(p)


def _add_clip_args(p: argparse.ArgumentParser, seconds: str, speed: str) -> None:
    """--clip-seconds and --speed: the clip a rater hears (the model reads its notes)."""
    defaults = RenderSettings()
    p.add_argument(
        "--clip-seconds",
        type=float,
        default=defaults.clip_seconds,
        help=seconds + _in("clip_seconds"),
    )
    p.add_argument("--speed", type=float, default=defaults.speed, help=speed + _in("speed"))


def _add_workers_arg(p: argparse.ArgumentParser, default: int, what: str) -> None:
    p.add_argument("--workers", type=int, default=default, help=what + _in("workers"))


def _add_blacklist_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--blacklist",
        metavar="FILE|none",
        action="append",
        help="blacklist file (repeatable); 'none' disables; default: blacklists/*.txt",
    )


def _add_cache_size(p: argparse.ArgumentParser) -> None:
    default = RenderSettings.cache_max_bytes
    p.add_argument(
        "--cache-size",
        type=byte_size,
        default=default,
        metavar="SIZE",
        help=f"cap of the render cache, e.g. 500MB, 2GB (default {default // 10**9} GB; "
        f"{RANGES['cache_max_bytes']}): the least recently used clips go first",
    )


def _add_rate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ratings", metavar="FILE", help="journal (default ratings/<corpus>.jsonl)")
    p.add_argument("--rater", default=None, help="rater name stored in every record")
    _add_pairing_args(p)
    p.add_argument(
        "--prefix-chars",
        type=int,
        default=PairingSettings.prefix_chars,
        help="prefix pairing: shared chars" + _in("prefix_chars"),
    )
    p.add_argument(
        "--best", type=int, default=None, metavar="K",
        help=f"top pairing: the size of the best set it races for (default "
        f"{PairingSettings.best})" + _in("best"),
    )  # fmt: skip
    p.add_argument(
        "--until", type=float, default=None, metavar="P",
        help="top pairing: the sitting ends by itself once the best K are P sure (the status "
        "line's 'top 10: 87%% sure'; default: never)" + _in("until"),
    )  # fmt: skip
    p.add_argument("--silent", action="store_true", help="do not play audio")
    p.add_argument(
        "--show-source",
        action="store_true",
        help="name each sample's file and number on screen (blind by default); the records "
        "say it was on",
    )
    rate = RateSettings()
    p.add_argument(
        "--recheck",
        type=float,
        default=rate.recheck,
        metavar="P",
        help=f"chance that a pair is a hidden re-check of one you decided, sides swapped "
        f"(default {rate.recheck:g}; 0 turns it off; {RANGES['recheck']}); `rater stats` shows "
        "self-agreement",
    )
    p.add_argument(
        "--min-heard",
        type=float,
        default=rate.min_heard,
        metavar="S",
        help="deciding keys wait until both clips have played S seconds (default "
        f"{rate.min_heard:g}: off; {RANGES['min_heard']})",
    )


def _add_pairing_args(p: argparse.ArgumentParser) -> None:
    """--seed and --pairing; left out, a journal's own pairing is followed
    (`rating.provenance`): a second seed pairs the samples again."""

    defaults = PairingSettings()
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="pairing seed (same seed, same pairs; default: the journal's, else "
        f"{defaults.seed}; another seed is a new pass that pairs the samples again)" + _in("seed"),
    )
    p.add_argument(
        "--pairing",
        default=None,
        choices=list(STRATEGIES),
        help="how pairs are chosen: "
        + ", ".join(f"{s.name} ({s.help})" for s in STRATEGIES.values())
        + f" (default: the journal's, else {defaults.strategy})",
    )


def _add_export_args(p: argparse.ArgumentParser) -> None:

    d = ExportOptions()
    p.add_argument("ratings", nargs="*", metavar="RATINGS", help="ratings journals (.jsonl)")
    add_db_option(p)
    p.add_argument("--format", choices=list(FORMATS), required=True)
    p.add_argument("--out", metavar="FILE", required=True, help="file to write (not a directory)")
    for name, default in (("query", d.query_length), ("response", d.response_length)):
        help = f"oa: {name} tokens (default {default}; {RANGES[name + '_length']})"
        p.add_argument(f"--{name}-length", type=int, default=default, help=help)
    p.add_argument(
        "--pad-token",
        type=int,
        default=d.pad_token,
        help=f"oa: padding id; the default {d.pad_token} is lm-human-preferences' padding "
        "token, outside GPT-2's vocabulary (the seed used 27)" + _in("pad_token"),
    )
    p.add_argument(
        "--empty-query-token",
        type=int,
        default=d.empty_query_token,
        metavar="N",
        help=f"oa: token written where the query is empty (default {d.empty_query_token}, "
        "GPT-2's <|endoftext|>); a row starting with padding crashes lm-human-preferences"
        + _in("empty_query_token"),
    )
    p.add_argument(
        "--long-query",
        choices=LONG_QUERY,
        default=d.long_query,
        help="oa: a query longer than --query-length keeps its end (joins the responses), "
        f"its start, or is dropped (default {d.long_query})",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=d.batch_size,
        help="oa: cut count to a multiple" + _in("batch_size"),
    )
    p.add_argument("--drop-broken", action="store_true", help="drop auto-rated broken records")
    p.add_argument("--drop-ties", action="store_true", help="oa: drop tie records")
    p.add_argument(
        "--keep-rechecks",
        action="store_true",
        help="keep hidden re-checks (left out by default: they repeat an earlier decision)",
    )


def _reasons_epilog() -> str:
    """`rater check --help`'s list of every reason and note (`core.records.REASONS`)."""
    width = max(map(len, [*REASONS, *NOTES]))
    lines = ["reasons (a sample is broken):"]
    lines += [f"  {name:<{width}}  {meaning}" for name, meaning in REASONS.items()]
    lines += ["notes (a sample stays ok):"]
    lines += [f"  {name:<{width}}  {meaning}" for name, meaning in NOTES.items()]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rater",
        description="Collect pairwise preference ratings of machine-generated music (ABC) "
        "and turn them into reward-model training data.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    parser.add_argument("--version", action="version", version=f"rater {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="rate the built-in demo corpus (nothing else needed)")
    _add_render_args(p)
    _add_rate_args(p)

    p = sub.add_parser("rate", help="rate pairs of samples in the terminal")
    _add_corpus_args(p, required=False)  # none with --db: the project's samples
    _add_render_args(p)
    _add_rate_args(p)
    add_db_option(p, rater=True)

    p = sub.add_parser("render", help="precompile clips with a progress bar; summary at the end")
    _add_corpus_args(p)
    _add_render_args(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="also write each playable sample's <id>.mid (the whole tune, written tempo), "
        "<id>.wav (the clip as played) and index.csv into DIR",
    )

    p = sub.add_parser(
        "play", help="listen to clips in order (exit 2 when there is no audio device)"
    )
    _add_corpus_args(p, kind=False)
    p.add_argument(
        "--limit", type=int, default=None, metavar="N", help="play the first N only" + _in("limit")
    )
    _add_render_args(p, blacklist=False)

    p = sub.add_parser(
        "check",
        help="verdict per sample: ok or broken with reasons",
        description="Verdict per sample: ok, or broken with reasons, and notes that do not "
        "fail it.",
        epilog=_reasons_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_corpus_args(p)
    _add_render_args(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per sample per line (id, ok, reasons, details, notes, source, "
        "number, title), every field in full",
    )

    p = sub.add_parser("autorate", help="auto-rate pairs with a broken sample, without asking")
    _add_corpus_args(p, required=False)  # none with --db: the project's open pairs
    _add_render_args(p)
    p.add_argument("--ratings", metavar="FILE", help="journal to append to (without --db)")
    add_db_option(p)
    p.add_argument("--rater", default=AUTO_RATER, help="rater name stored in every record")
    _add_pairing_args(p)

    _add_export_args(sub.add_parser("export", help="journals -> training files (oa, trl, text)"))

    p = sub.add_parser("encode", help="GPT-2 BPE ids of stdin as a JSON array")
    p.add_argument(
        "--length", type=int, default=None, help="truncate/pad to N tokens" + _in("length")
    )
    p.add_argument(
        "--pad-token",
        type=int,
        default=DEFAULT_PAD,
        help=f"padding id (default: lm-human-preferences' {DEFAULT_PAD}, outside GPT-2's "
        "vocabulary)" + _in("pad_token"),
    )
    p.add_argument(
        "--special", action="store_true", help="encode <|endoftext|> as the special id 50256"
    )
    p.add_argument(
        "--keep-newline", action="store_true", help="keep stdin's final newline (echo adds one)"
    )

    p = sub.add_parser("extract", help="unique samples from a training log / transcript")
    p.add_argument("logs", nargs="+", metavar="LOG")
    p.add_argument("--out", metavar="FILE", required=True)
    p.add_argument(
        "--min-chars", type=int, default=CorpusSettings.min_chars,
        help="shorter samples are log noise" + _in("min_chars"),
    )  # fmt: skip

    p = sub.add_parser("rank", help="Bradley-Terry scores and per-source win rates")
    p.add_argument("ratings", nargs="*", metavar="RATINGS")
    add_db_option(p)
    p.add_argument(
        "--csv", metavar="FILE",
        help="write id,score,se,wins,losses,ties,source,number (and p_best with --best)",
    )  # fmt: skip
    p.add_argument(
        "--by-source", action="store_true",
        help="each source's mean with its interval, in natural order (iter-2 before iter-10), "
        "and the blind A/B report",
    )  # fmt: skip
    p.add_argument("--top", type=int, default=TOP_ROWS, help="rows shown in the table" + _in("top"))
    p.add_argument(
        "--best", type=int, metavar="K",
        help="each sample's probability of being among the best K (p_best) and how sure the "
        "best K are" + _in("best"),
    )  # fmt: skip
    p.add_argument(
        "--out", metavar="FILE",
        help="with --best: write the best K as a samples file (id, source, score as comments)",
    )  # fmt: skip
    p.add_argument("--drop-broken", action="store_true", help="leave out auto-rated records")
    p.add_argument(
        "--model", metavar="MODEL.json",
        help="preference model (rater model fit): its scores are the prior means, so samples "
        "with few comparisons sit where the model puts them",
    )  # fmt: skip
    add_plot_options(p, "the top samples' scores with 95%% intervals (--by-source: per source)")

    p = sub.add_parser("ab-report", help="blind A/B report: which source won")
    p.add_argument("ratings", nargs="*", metavar="RATINGS")
    add_db_option(p)
    p.add_argument("--drop-broken", action="store_true", help="leave out auto-rated records")
    add_plot_options(p, "each generator's win rate with its 95%% interval")

    p = sub.add_parser(
        "stats", help="counts by outcome, reasons, raters, sources, agreement, rater quality"
    )
    p.add_argument("ratings", nargs="*", metavar="RATINGS")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    add_plot_options(
        p, "decisions per hour, seconds to decide, seconds heard, each rater's self-agreement"
    )

    p = sub.add_parser("cache", help="size of the render cache, or empty it (--clear)")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--size", action="store_true", help="what it holds, against its cap (the default)"
    )
    what.add_argument("--clear", action="store_true", help="remove every file rater made")
    _add_cache_size(p)

    _add_model_parser(sub)
    add_db_parser(sub)
    return parser


def _add_model_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model", help="preference model over sample content: fit, score")
    actions = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    f = actions.add_parser("fit", help="learn from journals; print held-out accuracy")
    f.add_argument("ratings", nargs="*", metavar="RATINGS", help="ratings journals (.jsonl)")
    add_db_option(f)
    f.add_argument("--out", metavar="MODEL.json", required=True, help="model file to write")
    f.add_argument(
        "--kind", choices=KINDS, default=FeatureSettings.kind, help="what the samples are"
    )
    f.add_argument(
        "--with-auto",
        action="store_true",
        help="learn from the automatic records too (a broken sample lost); by default only "
        "people's decisions, so that 'it parses' is not what the model learns",
    )
    f.add_argument("--drop-broken", action="store_true", help=argparse.SUPPRESS)  # the default
    f.add_argument(
        "--features", choices=FEATURE_BLOCKS, default=FEATURE_BLOCKS[0],
        help="music (notes and bars), text (GPT-2 BPE n-grams) or both",
    )  # fmt: skip
    f.add_argument(
        "--c",
        type=float,
        default=FitSettings.C,
        help="inverse L2 strength (default: %(default)s)" + _in("C"),
    )
    f.add_argument(
        "--folds", type=int, help="cross-validation folds by sample (5; 3 from 10k)" + _in("folds")
    )
    f.add_argument(
        "--seed", type=int, default=FitSettings.seed, help="folds and row signs" + _in("seed")
    )
    add_plot_options(f, "the learning curve and the heaviest features")
    s = actions.add_parser("score", help="score samples, best first, broken last")
    _add_corpus_args(s, required=False, kind=False)  # none with --db: the project's samples
    add_db_option(s)
    s.add_argument("--model", metavar="MODEL.json", required=True)
    s.add_argument("--csv", metavar="FILE", help="write id,score,ok,reasons,source")
    s.add_argument(
        "--top", type=int, default=None, help="rows shown; with --out: N written" + _in("top")
    )
    s.add_argument("--out", metavar="FILE", help="write the --top N best as a samples file")
    _add_blacklist_arg(s)
    for q in (f, s):
        _add_workers_arg(q, FitSettings.workers, "processes reading the tunes")
    # FeatureSettings' clip is the render's (its defaults are RenderSettings')
    _add_clip_args(
        f, "the clip whose notes are read (seconds of music)", "tempo factor of the clips"
    )
    _add_dialect_arg(f)  # kept in the model file: `score` reads samples the same way


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    module = importlib.import_module(f"rater.cli.commands.{args.command.replace('-', '_')}")
    try:
        return int(module.run(args) or 0)
    except RaterError as exc:
        # messages may quote file names and journal fields: one printable line
        print(f"rater: {printable(exc.named(flag_of(exc.field)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rater: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
