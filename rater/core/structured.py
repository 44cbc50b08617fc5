"""Samples held in records: JSON, JSON Lines and Parquet, as generators and datasets write them.

Where the sample is in a record, tried in this order:
- the field named by `text_field` (`--text-field`), when given;
- OpenAI-style `choices` (completions: `choices[].text`; chat: `choices[].message.content`),
  one sample per choice, also inside a batch-output line (`response.body.choices`);
- a known field: `text`, `generated_text` (Hugging Face pipelines; a chat pipeline's list of
  messages gives its last message), `completion`, `sample`, `abc`;
- the record's only text field (a Hugging Face `datasets` export with one text column).
A record with several text fields and none of these names is an error that asks for
`text_field`, rather than a guess. Arrays (of records, of arrays, of strings) are read item
by item, so a JSON array of any of these works, as does a pipeline's list of lists.

Parquet is read with pyarrow, which is optional (`pip install 'rater[parquet]'`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rater.core.errors import CorpusError
from rater.core.jsonread import MAX_BYTES, NotJSON, loads

MAX_FILE_BYTES = 200 << 20  # a samples file (`corpus` reads no larger): one JSON text at most
KNOWN_FIELDS = ("text", "generated_text", "completion", "sample", "abc")
PARQUET_MAGIC = b"PAR1"
PARQUET_EXTRA = "parquet"
_JSON_KINDS = {
    dict: "an object",
    list: "a list",
    int: "a number",
    float: "a number",
    bool: "true/false",
}
_JSON_START = ('{"', "[{", '["', "[[", "[\n", "[ ", "{\n", "{ ")


def json_texts(text: str, source: str, text_field: str = "") -> list[str] | None:
    """The sample texts of a JSON or JSON Lines file, or None when `text` is not JSON.

    Raises `CorpusError` naming the line for JSON Lines with a bad line, and for a file that
    starts like JSON but is not (a JSON array cut off mid-write).
    """
    stripped = text.lstrip("\ufeff \t\n")
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        whole = _loads(stripped, source, MAX_FILE_BYTES)
    except NotJSON as exc:
        error = exc
    else:
        return record_texts(whole, source, text_field)
    first = stripped.split("\n", 1)[0]
    try:
        _loads(first, f"{source}: line 1")
    except NotJSON:
        if stripped.startswith(_JSON_START):
            raise CorpusError(
                f"{source}: not valid JSON ({error.msg} at line {error.lineno})"
            ) from None
        return None
    return _lines(text, source, text_field)


def _loads(text: str, where: str, max_bytes: int = MAX_BYTES) -> Any:
    """One JSON text by the one JSON rule (`core.jsonread`: size, depth, finite numbers,
    64-bit integers): a value that breaks it is one CorpusError naming `where`. NotJSON
    passes through (the callers decide what text that is not JSON is)."""
    try:
        return loads(text, max_bytes)
    except NotJSON:
        raise
    except ValueError as exc:
        raise CorpusError(f"{where}: {exc}") from None


def _lines(text: str, source: str, text_field: str) -> list[str]:
    out: list[str] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = _loads(line, f"{source}: line {n}")
        except NotJSON as exc:
            raise CorpusError(f"{source}: line {n}: not valid JSON ({exc.msg})") from None
        out.extend(record_texts(obj, f"{source}: line {n}", text_field))
    return out


def record_texts(obj: Any, where: str, text_field: str = "") -> list[str]:
    """The sample texts of one JSON value (a record, a string, or an array of them)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, list):
        return [t for item in obj for t in record_texts(item, where, text_field)]
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: expected a JSON object with a text field")
    if text_field:
        if text_field not in obj:
            raise CorpusError(f"{where}: no field {text_field!r} ({{field}})", field="text_field")
        return _value_texts(obj[text_field], where, text_field)
    choices = _choices(obj)
    if choices is not None:
        return [t for choice in choices for t in _choice_texts(choice, where)]
    for key in KNOWN_FIELDS:
        if key in obj:
            return _value_texts(obj[key], where, key)
    strings = [k for k, v in obj.items() if isinstance(v, str)]
    if len(strings) == 1:
        return [obj[strings[0]]]
    if strings:
        names = ", ".join(strings[:6]) + (", ..." if len(strings) > 6 else "")
        raise CorpusError(
            f"{where}: several text fields ({names}): name the sample's with {{field}}",
            field="text_field",
        )
    raise CorpusError(f"{where}: no text field (looked for {', '.join(KNOWN_FIELDS)})")


def _choices(obj: dict[str, Any]) -> list[Any] | None:
    """OpenAI-style choices, at the top or in a batch-output line's response body."""
    response = obj.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    for holder in (obj, body):
        if isinstance(holder, dict) and isinstance(holder.get("choices"), list):
            return holder["choices"]
    return None


def _choice_texts(choice: Any, where: str) -> list[str]:
    if isinstance(choice, dict):
        if "text" in choice:
            return _value_texts(choice["text"], where, "choices[].text")
        message = choice.get("message")
        if isinstance(message, dict) and "content" in message:
            return _value_texts(message["content"], where, "choices[].message.content")
    raise CorpusError(f"{where}: a choice without text or message.content")


def _value_texts(value: Any, where: str, name: str) -> list[str]:
    """A field's samples: a string, nothing (null), strings, messages or content parts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all("role" in v for v in value):  # a chat pipeline's messages: the reply is last
            return _value_texts(value[-1].get("content"), where, name)
        if all(v.get("type") in ("text", "output_text") for v in value):  # content parts
            return ["".join(str(v.get("text", "")) for v in value)]
        if all("generated_text" in v for v in value):
            return [t for v in value for t in _value_texts(v["generated_text"], where, name)]
    kind = _JSON_KINDS.get(type(value), "something else")
    raise CorpusError(f"{where}: field {name!r} holds {kind}, not text")


def is_parquet(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".parquet" or head.startswith(PARQUET_MAGIC)


def parquet_texts(path: Path, source: str, text_field: str = "") -> list[str]:
    """Sample texts of a Parquet file (a Hugging Face `datasets` export, say), row by row."""
    try:
        import pyarrow.parquet as pq
        from pyarrow import ArrowException
    except ImportError:
        raise CorpusError(
            f"{source}: reading Parquet needs pyarrow, the optional extra "
            f"'{PARQUET_EXTRA}': pip install 'rater[{PARQUET_EXTRA}]'"
        ) from None
    try:
        table = pq.read_table(path)
    except (ArrowException, OSError, ValueError):
        raise CorpusError(f"{source}: not a readable Parquet file") from None
    out: list[str] = []
    for n, row in enumerate(table.to_pylist(), 1):
        out.extend(record_texts(row, f"{source}: row {n}", text_field))
    return out
