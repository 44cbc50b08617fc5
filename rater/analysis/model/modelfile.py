"""Model files: JSON, plain numbers and strings, checked field by field on the way in.

A model file may come from someone else, so loading one must never run anything (which is
why this is not pickle) and a malformed one must be one clear error, not a traceback or a
model that silently scores differently. Floats are written with Python's repr, so a model
read back scores exactly as the one written.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from rater.analysis.export import atomic_write
from rater.analysis.model import music
from rater.analysis.model.features import Scaling
from rater.analysis.model.preference import PreferenceModel
from rater.core.abc.dialect import DIALECTS
from rater.core.errors import ModelError
from rater.core.settings import FeatureSettings

FORMAT = "rater-preference-model"
VERSION = 1
MAX_BYTES = 512 * 2**20
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
    atomic_write(path, lambda f: f.write(text + "\n"), ModelError)


def load(path: str | os.PathLike[str]) -> PreferenceModel:
    """Read and check a model file; any problem is a ModelError naming the file."""
    p = Path(path)
    try:
        if not p.is_file():
            raise ModelError(f"{p}: no such model file")
        if p.stat().st_size > MAX_BYTES:
            raise ModelError(f"{p}: too large for a model file")
        raw = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"{p}: cannot read the model ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{p}: not a model file (not JSON: {_first_line(exc)})") from None
    try:
        return from_json(data)
    except ModelError as exc:
        raise ModelError(f"{p}: {exc}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a model may hold")


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
    if not all(isinstance(v, str) and k.isdigit() and int(k) < n_text for k, v in ngrams.items()):
        raise ModelError("ngrams must map column numbers to strings")
    summary = _obj(data["summary"], "summary", None)
    if not all(_plain(v) for v in summary.values()):
        raise ModelError("summary may hold only numbers, strings and lists of them")
    text_precision = _floats(data["text_precision"], "text_precision", None)
    if text_precision and len(text_precision) != n:
        raise ModelError("text_precision must have one value per text column")
    return PreferenceModel(
        features=features,
        scaling=Scaling(
            _floats(scaling["mean"], "scaling.mean", m), _floats(scaling["scale"], "scale", m)
        ),
        music_weights=_floats(data["music_weights"], "music_weights", m),
        text_columns=columns,
        text_weights=_floats(data["text_weights"], "text_weights", n),
        C=_floats([data["C"]], "C", 1)[0],
        music_precision=tuple(_floats(r, "music_precision", m) for r in precision),
        text_precision=text_precision,
        ngrams={int(k): v for k, v in ngrams.items()},
        summary=summary,
    )


def _features(value: Any) -> FeatureSettings:
    names = {f.name: f.type for f in fields(FeatureSettings)}
    if isinstance(value, dict) and set(value) == set(names) - {"dialect"}:
        raise ModelError("made by an earlier rater, which read the notes otherwise; fit it again")
    data = _obj(value, "features", set(names))
    if data["dialect"] not in DIALECTS:
        raise ModelError(f"unknown dialect {str(data['dialect'])[:20]!r} in the features")
    settings = FeatureSettings(**data)
    numbers = (settings.text_weight, settings.clip_seconds, settings.speed)
    if (
        settings.kind not in ("abc", "text")
        or not all(isinstance(getattr(settings, k), bool) for k in ("use_text", "use_music"))
        or type(settings.ngram_max) is not int
        or not 1 <= settings.ngram_max <= 4
        or type(settings.hash_bits) is not int
        or not 8 <= settings.hash_bits <= 24
        or not all(type(x) in (int, float) and math.isfinite(x) and x >= 0 for x in numbers)
    ):
        raise ModelError("bad feature settings")
    return settings


def _obj(value: Any, name: str, keys: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict) or (keys is not None and set(value) != keys):
        raise ModelError(f"{name} must be an object" + (f" with {sorted(keys)}" if keys else ""))
    return value


def _floats(value: Any, name: str, length: int | None) -> tuple[float, ...]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ModelError(f"{name} must be a list of {length or 'some'} numbers")
    if not all(type(x) in (int, float) and math.isfinite(x) for x in value):
        raise ModelError(f"{name} must hold finite numbers only")
    return tuple(float(x) for x in value)


def _ints(value: Any, name: str, low: int, high: int) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(x) is int and low <= x <= high for x in value):
        raise ModelError(f"{name} must be a list of integers in {low}..{high}")
    return tuple(value)


def _plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(type(x) in (int, float, str, bool) for x in value)
    return value is None or type(value) in (int, float, str, bool)
