"""Model files: JSON, plain numbers and strings, checked field by field on the way in.

A model file may come from someone else, so loading one must never run anything (which is
why this is not pickle) and a malformed one must be one clear error, not a traceback or a
model that silently scores differently. Floats are written with Python's repr, so a model
read back scores exactly as the one written.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from rater.analysis.model import music
from rater.analysis.model.features import Scaling
from rater.analysis.model.preference import PreferenceModel
from rater.core.errors import ModelError, RaterError
from rater.core.files import kind, read_regular, write_output
from rater.core.jsonread import loads
from rater.core.settings import FeatureSettings

FORMAT = "rater-preference-model"
VERSION = 1
MAX_BYTES = 512 * 2**20
# Fitted weights are a few logits (L2-regularised on z-scored features); 1e6 is far beyond
# any fit and far below where a score (a sum of up to 2^24 products) could overflow.
MAX_WEIGHT = 1e6
LIMIT = 1e12  # means, scales, precisions
MIN_SCALE = 1e-12
_KEYS = {
    "format",
    "version",
    "features",
    "music_features",
    "scaling",
    "music_weights",
    "text_columns",
    "text_weights",
    "C",
    "music_precision",
    "text_precision",
    "ngrams",
    "summary",
}


def to_json(model: PreferenceModel) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "features": asdict(model.features),
        "music_features": list(music.NAMES),
        "scaling": {"mean": list(model.scaling.mean), "scale": list(model.scaling.scale)},
        "music_weights": list(model.music_weights),
        "text_columns": list(model.text_columns),
        "text_weights": list(model.text_weights),
        "C": model.C,
        "music_precision": [list(r) for r in model.music_precision],
        "text_precision": list(model.text_precision),
        "ngrams": {str(k): v for k, v in sorted(model.ngrams.items())},
        "summary": model.summary,
    }


def save(model: PreferenceModel, path: str | os.PathLike[str]) -> None:
    text = json.dumps(to_json(model), allow_nan=False, separators=(",", ":"))
    write_output(path, lambda f: f.write(text + "\n"), ModelError)


def load(path: str | os.PathLike[str]) -> PreferenceModel:
    """Read and check a model file; any problem is a ModelError naming the file."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ModelError(f"{p}: no such model file") from None
    except OSError as exc:
        raise ModelError(f"{p}: cannot read the model ({exc.strerror or exc})") from None
    what = kind(st.st_mode)
    if what is not None:
        raise ModelError(f"{p}: is {what}, not a model file")
    if st.st_size > MAX_BYTES:
        raise ModelError(f"{p}: too large for a model file (over {MAX_BYTES >> 20} MB)")
    raw = read_regular(p, MAX_BYTES)
    if raw is None:
        raise ModelError(f"{p}: cannot read the model (not a regular file of at most 512 MB)")
    try:
        data = loads(raw, MAX_BYTES)
    except ValueError as exc:
        raise ModelError(f"{p}: not a model file ({_first_line(exc)})") from None
    try:
        return from_json(data)
    except ModelError as exc:
        raise ModelError(f"{p}: {exc}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def from_json(data: Any) -> PreferenceModel:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f'not a model file (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise ModelError(f"model file version {data.get('version')!r}; this rater reads {VERSION}")
    unknown = sorted(set(data) - _KEYS)
    missing = sorted(_KEYS - set(data))
    if unknown or missing:
        raise ModelError(f"unexpected fields {unknown} / missing fields {missing}")
    if data["music_features"] != list(music.NAMES):
        raise ModelError("made by a rater with other music features; fit it again")
    features = _features(data["features"])
    m, n_text = len(music.NAMES), 2**features.hash_bits
    scaling = _obj(data["scaling"], "scaling", {"mean", "scale"})
    columns = _ints(data["text_columns"], "text_columns", 0, n_text - 1)
    if list(columns) != sorted(set(columns)):
        raise ModelError("text_columns must be ascending and distinct")
    n = len(columns)
    precision = data["music_precision"]
    if not isinstance(precision, list) or len(precision) not in (0, m):
        raise ModelError(f"music_precision must be {m} rows")
    ngrams = _obj(data["ngrams"], "ngrams", None)
    if not all(isinstance(v, str) and _column(k, n_text) for k, v in ngrams.items()):
        raise ModelError("ngrams must map column numbers to strings")
    summary = _obj(data["summary"], "summary", None)
    if not all(_plain(v) for v in summary.values()):
        raise ModelError("summary may hold only numbers, strings and lists of them")
    text_precision = _floats(data["text_precision"], "text_precision", None, LIMIT, 0.0)
    if text_precision and len(text_precision) != n:
        raise ModelError("text_precision must have one value per text column")
    return PreferenceModel(
        features=features,
        scaling=Scaling(
            _floats(scaling["mean"], "scaling.mean", m, LIMIT),
            _floats(scaling["scale"], "scaling.scale", m, LIMIT, MIN_SCALE),
        ),
        music_weights=_floats(data["music_weights"], "music_weights", m),
        text_columns=columns,
        text_weights=_floats(data["text_weights"], "text_weights", n),
        C=_floats([data["C"]], "C", 1, LIMIT, 0.0)[0],
        music_precision=tuple(_floats(r, "music_precision", m, LIMIT) for r in precision),
        text_precision=text_precision,
        ngrams={int(k): v for k, v in ngrams.items()},
        summary=summary,
    )


_FEATURE_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "ngram_max": (int,),
    "hash_bits": (int,),
    "text_weight": (float, int),
    "use_text": (bool,),
    "use_music": (bool,),
    "clip_seconds": (float, int),
    "speed": (float, int),
}


def _features(value: Any) -> FeatureSettings:
    names = {f.name: f.type for f in fields(FeatureSettings)}
    if isinstance(value, dict) and set(value) == set(names) - {"dialect"}:
        raise ModelError("made by an earlier rater, which read the notes otherwise; fit it again")
    data = _obj(value, "features", set(names))
    for name in names:
        want = _FEATURE_TYPES.get(name, (object,))
        if type(data[name]) not in want and want != (object,):  # before the settings compare
            raise ModelError(f"features.{name} must be {want[0].__name__}")
    try:
        settings = FeatureSettings(**data)
    except RaterError as exc:  # the file's field, not a command-line option of this run
        raise ModelError(exc.named(f"features.{exc.field}")) from None
    numbers = (settings.text_weight, settings.clip_seconds, settings.speed)
    if (
        settings.kind not in ("abc", "text")
        or not all(isinstance(getattr(settings, k), bool) for k in ("use_text", "use_music"))
        or type(settings.ngram_max) is not int
        or not 1 <= settings.ngram_max <= 4
        or type(settings.hash_bits) is not int
        or not 8 <= settings.hash_bits <= 24
        or not all(type(x) in (int, float) and 0 <= x <= MAX_WEIGHT for x in numbers)
    ):
        raise ModelError("bad feature settings")
    return settings


def _obj(value: Any, name: str, keys: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict) or (keys is not None and set(value) != keys):
        raise ModelError(f"{name} must be an object" + (f" with {sorted(keys)}" if keys else ""))
    return value


def _floats(
    value: Any,
    name: str,
    length: int | None,
    limit: float = MAX_WEIGHT,
    low: float | None = None,
) -> tuple[float, ...]:
    """Numbers of at most `limit` in size (and above `low`, when given): finite numbers so
    large that their products overflow would score every sample NaN."""
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ModelError(f"{name} must be a list of {length or 'some'} numbers")
    if not all(type(x) in (int, float) and -limit <= x <= limit for x in value):
        raise ModelError(f"{name} must hold numbers between {-limit:g} and {limit:g}")
    if low is not None and not all(x > low for x in value):
        raise ModelError(f"{name} must hold numbers above {low:g}")
    return tuple(float(x) for x in value)


def _column(key: str, n_text: int) -> bool:
    """A text column number as JSON keys write it: ASCII digits (not "²"), in range."""
    return key.isascii() and key.isdigit() and len(key) <= 9 and int(key) < n_text


def _ints(value: Any, name: str, low: int, high: int) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(x) is int and low <= x <= high for x in value):
        raise ModelError(f"{name} must be a list of integers in {low}..{high}")
    return tuple(value)


def _plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(type(x) in (int, float, str, bool) for x in value)
    return value is None or type(value) in (int, float, str, bool)
