"""The event contract's checks as SQL over Parquet rows, derived from the Pydantic models that
validate JSON lines (`adapters.event_schema`), so that a foreign Parquet row is accepted or
rejected as the same event written as a JSON line would be.

A file as a whole must carry the four common columns with types that hold the contract's values
(`BadInput` names the file and the column otherwise); each row is then checked for its type's
fields (required, enumerations, bounds, supported times) and rejected with the reasons.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union

import annotated_types
import numpy as np
import pyarrow as pa
from pydantic import AwareDatetime, BaseModel

from stockout.adapters import event_schema, fields
from stockout.batch.rules_sql import literal, micros
from stockout.batch.schema import EVENT_SCHEMA
from stockout.domain.errors import StockoutError
from stockout.domain.times import UTC

# Times outside this range are rejected (the API's range; the engines' arithmetic stays exact).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
COMMON = ("event_id", "order_id", "type", "at")


class BadInput(StockoutError, ValueError):
    """An input that breaks the event contract as a whole: the message names the file and the
    column (or says the file is not readable Parquet)."""

    family = "bad-input"


@dataclass(frozen=True, slots=True)
class Check:
    """One field of one event type: what a valid value is."""

    name: str
    required: bool
    kind: str  # text | int | float | bool | time | choice
    choices: tuple[str, ...] = ()
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None  # a regular expression the whole text must match (ids)
    ge: float | None = None
    gt: float | None = None
    le: float | None = None


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The base type of an annotation (Optional removed) and the constraints on it."""
    constraints: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin in (Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            for item in extra:
                constraints += getattr(item, "metadata", [item])
            annotation = base
        else:
            return annotation, constraints


def _check(name: str, field: Any) -> Check:
    base, constraints = _unwrap(field.annotation)
    constraints += list(field.metadata)
    values: dict[str, Any] = {}
    for c in constraints:
        for attr, key in (("min_length", "min_length"), ("max_length", "max_length"),
                          ("ge", "ge"), ("gt", "gt"), ("le", "le")):
            if isinstance(c, annotated_types.BaseMetadata) and hasattr(c, attr):
                values[key] = getattr(c, attr)
        if isinstance(getattr(c, "pattern", None), str):  # pydantic's Field(pattern=...)
            values["pattern"] = c.pattern
    if typing.get_origin(base) is Literal:
        kind, values["choices"] = "choice", tuple(typing.get_args(base))
    elif isinstance(base, type) and issubclass(base, Enum):
        kind, values["choices"] = "choice", tuple(m.value for m in base)
    elif base is AwareDatetime or (isinstance(base, type) and issubclass(base, datetime)):
        kind = "time"
    elif base is bool:
        kind = "bool"
    elif base is int:
        kind = "int"
    elif base is float:
        kind = "float"
    else:
        kind = "text"
    return Check(name, field.is_required(), kind, **values)


def _models() -> dict[str, type[BaseModel]]:
    union = typing.get_args(event_schema.EventModel)[0]
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m
            for m in typing.get_args(union)}


MODELS = _models()
CHECKS: dict[str, tuple[Check, ...]] = {
    kind: tuple(_check(n, f) for n, f in model.model_fields.items() if n != "type")
    for kind, model in MODELS.items()}
# Which event types carry each field (a field of another type is dropped, as JSON does).
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    name: tuple(k for k, checks in CHECKS.items() if any(c.name == name for c in checks))
    for name in EVENT_SCHEMA.names if name not in COMMON and name != "seq"}
# The text columns whose values are a few named ones (the type, the enumerations): read and
# written as dictionary arrays (`parts`, `prepare`), their values are not copied row by row.
ENUMERATED: tuple[str, ...] = ("type", *(
    name for name in FIELD_TYPES
    if all(c.kind == "choice" for checks in CHECKS.values() for c in checks if c.name == name)))
# The columns each event type carries (the others are NULL in its rows).
CARRIED: dict[str, tuple[str, ...]] = {
    kind: tuple(n for n in EVENT_SCHEMA.names if kind in FIELD_TYPES.get(n, (kind,)))
    for kind in MODELS}


def _q(name: str) -> str:
    return f'"{name}"'


@dataclass(frozen=True, slots=True)
class _Refused:
    """What a check refuses in a text, seen in its bytes: a byte below `below` or one of
    `anywhere`, a first byte of `first`, an empty text (`empty`), more than `longest` bytes."""

    below: int
    anywhere: bytes = b""
    first: bytes = b""
    empty: bool = False
    longest: int | None = None


# The patterns of the contract's texts, each as what its regular expression refuses in a text:
# bytes anywhere, a first byte, an empty text. An id is refused for a control character or a
# `/` anywhere, or for being empty or all spaces (a text whose first character is not a space
# has a character outside RE2's `\s`); any other text for a NUL. A column of a part none of whose
# values holds any of these, nor more bytes than its checks allow characters (`clean_texts`, in
# one pass over its bytes, or over its dictionary's), cannot break its patterns nor its lengths,
# and its rows are checked without them: the regular expressions and the lengths (characters
# counted in each value) cost most of the checks.
_PATTERN_BYTES: dict[str, _Refused] = {
    fields.ID_PATTERN: _Refused(below=0x20, anywhere=b"/\x7f", first=b" ", empty=True),
    fields.TEXT_PATTERN: _Refused(below=0x01),
}


def _value_reasons(c: Check, free: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(condition on a present value, reason) pairs; `free`: the columns none of whose values
    breaks a check seen in its bytes (`clean_texts`)."""
    col = _q(c.name)
    out: list[tuple[str, str]] = []
    clean = c.name in free  # its patterns and lengths hold (`clean_texts`)
    if c.kind == "text" and c.min_length:
        out.append(("FALSE" if clean else f"length({col}) < {c.min_length}",
                    f"{c.name}: string should have at least {c.min_length} character"))
    if c.kind == "text" and c.max_length is not None:
        out.append(("FALSE" if clean else f"length({col}) > {c.max_length}",
                    f"{c.name}: string should have at most {c.max_length} characters"))
    if c.kind == "text" and c.pattern is not None:
        broken = ("FALSE" if clean else f"NOT regexp_full_match({col}, {literal(c.pattern)})")
        out.append((broken, f"{c.name}: string should match pattern '{c.pattern}'"))
    if c.kind == "choice":
        allowed = ", ".join(literal(v) for v in c.choices)
        out.append((f"{col} NOT IN ({allowed})",
                    f"{c.name}: input should be " + " or ".join(repr(v) for v in c.choices)))
    if c.kind == "float":
        out.append((f"isnan({col}) OR isinf({col})", f"{c.name}: input should be a finite number"))
    if c.kind == "time":
        out.append((f"{col} < make_timestamptz({micros(EARLIEST)}) "
                    f"OR {col} >= make_timestamptz({micros(LATEST)})",
                    f"{c.name}: outside the supported range {EARLIEST.date()} to "
                    f"{LATEST.date()}"))
    for op, bound, words in (("<", c.ge, "greater than or equal to"),
                             ("<=", c.gt, "greater than"), (">", c.le, "less than or equal to")):
        if bound is not None:
            out.append((f"{col} {op} {bound!r}", f"{c.name}: input should be {words} {bound!r}"))
    return out


def reason_sql(free: frozenset[str] = frozenset()) -> str:
    """A SQL expression over the canonical columns: NULL for a valid event, else its reasons
    (`field: problem; field: problem`). The reasons are spelled out only for the rows that
    break a check: each row is first tested against its own type's checks alone (`CASE type`),
    which costs a fraction of testing every type's checks on every row. `free`: the columns
    none of whose values breaks a check seen in its bytes (`clean_texts`)."""
    common = [f for c in CHECKS["order_placed"] if c.name in COMMON for f in _failures(c, free)]
    arms = [f"CASE WHEN {cond} THEN {literal(reason)} END" for cond, reason in common]
    kinds = ", ".join(literal(k) for k in CHECKS)
    arms.append("CASE WHEN type IS NULL THEN 'type: missing' "
                f"WHEN type NOT IN ({kinds}) THEN 'type: unknown event type ''' || type || '''' "
                "END")
    by_type = []
    for kind, checks in CHECKS.items():
        own = [f for c in checks if c.name not in COMMON for f in _failures(c, free)]
        arms += [f"CASE WHEN type = {literal(kind)} AND {cond} THEN {literal(reason)} END"
                 for cond, reason in own]
        by_type.append(f"WHEN {literal(kind)} THEN {' OR '.join(c for c, _ in own) or 'FALSE'}")
    broken = " OR ".join([f"({cond})" for cond, _ in common]
                         + [f"CASE type {' '.join(by_type)} ELSE TRUE END"])
    return f"CASE WHEN {broken} THEN nullif(concat_ws('; ', {', '.join(arms)}), '') END"


def _failures(c: Check, free: frozenset[str]) -> list[tuple[str, str]]:
    """(condition, reason) pairs: a row breaks the check `c` where the condition holds."""
    col = _q(c.name)
    out = [(f"{col} IS NULL", f"{c.name}: field required")] if c.required else []
    return out + [(f"({col} IS NOT NULL AND ({cond}))", reason)
                  for cond, reason in _value_reasons(c, free)]


def _refused(c: Check) -> _Refused | None:
    """What the check of a text refuses, seen in its bytes (None: not all of it can be)."""
    pattern = _PATTERN_BYTES.get(c.pattern or "")
    if pattern is None or c.min_length > (1 if pattern.empty else 0):
        return None  # a pattern of its own, or more characters required than bytes tell
    # A text of at most n bytes has at most n characters (UTF-8: one to four bytes each).
    return _Refused(pattern.below, pattern.anywhere, pattern.first, pattern.empty, c.max_length)


def _seen_in_bytes() -> dict[str, set[_Refused]]:
    """What each text column's checks refuse, seen in its bytes (over every type carrying it);
    a column with a check that cannot be seen in its bytes is left out."""
    found: dict[str, set[_Refused | None]] = {}
    for checks in CHECKS.values():
        for c in checks:
            if c.kind == "text":
                found.setdefault(c.name, set()).add(_refused(c))
    return {name: {r for r in refused if r is not None} for name, refused in found.items()
            if None not in refused}


_REFUSED = _seen_in_bytes()


def clean_texts(table: pa.Table) -> frozenset[str]:
    """The text columns of `table` (strings, or dictionaries of strings: their dictionaries are
    looked at) none of whose values breaks what their checks refuse in a text's bytes
    (`_REFUSED`): their rows need not be checked for patterns nor lengths."""
    def arrays(name: str) -> list[pa.Array] | None:
        column = table[name]
        if column.type == pa.string():
            return list(column.chunks)
        if pa.types.is_dictionary(column.type) and column.type.value_type == pa.string():
            return [chunk.dictionary for chunk in column.chunks]
        return None

    return frozenset(
        name for name, refused in _REFUSED.items()
        if name in table.column_names and (found := arrays(name)) is not None
        and all(_free_of(array, r) for array in found for r in refused))


def _free_of(array: pa.Array, refused: _Refused) -> bool:
    """Whether no value of a string array holds what `refused` says: NumPy over the offsets
    and the data buffer between them."""
    if array.null_count == len(array):
        return True
    validity, offsets, data = array.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    starts, lengths = ends[:-1] - ends[0], np.diff(ends)
    if array.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[
            array.offset:array.offset + len(array)].astype(bool)
        starts, lengths = starts[valid], lengths[valid]
    if refused.empty and not lengths.all():
        return False
    if refused.longest is not None and len(lengths) and lengths.max() > refused.longest:
        return False
    values = np.frombuffer(data, dtype=np.uint8, count=int(ends[-1] - ends[0]),
                           offset=int(ends[0]))
    if not len(values):
        return True
    if refused.first and np.isin(values[starts[lengths > 0]], list(refused.first)).any():
        return False
    return bool(values.min() >= refused.below) and not any(
        (values == byte).any() for byte in refused.anywhere)


def kept_sql(name: str, row: str = "") -> str:
    """A field as the domain event has it: NULL unless the row's type carries it (`row`: the
    alias of the row's relation, if any)."""
    prefix = f"{row}." if row else ""
    if name in COMMON or name == "seq":
        return prefix + _q(name)
    kinds = ", ".join(literal(k) for k in FIELD_TYPES[name])
    return f"CASE WHEN {prefix}type IN ({kinds}) THEN {prefix}{_q(name)} END"


_KINDS: dict[str, str] = {"at": "time", "presale_ship_by": "time", "until": "time",
                          "quantity": "int", "paid_cents": "int", "amount_cents": "int",
                          "promise_hours": "float", "campaign": "bool", "upheld": "bool",
                          "seq": "int"}


def _compatible(kind: str, t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if kind == "time":
        return bool(pa.types.is_timestamp(t) and t.tz is not None)
    if kind == "int":
        return bool(pa.types.is_integer(t))
    if kind == "float":
        return bool(pa.types.is_integer(t) or pa.types.is_floating(t)
                    or pa.types.is_decimal(t))
    if kind == "bool":
        return bool(pa.types.is_boolean(t))
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t))


_WANTED = {"time": "a timestamp with a time zone", "int": "an integer", "float": "a number",
           "bool": "a boolean", "text": "text"}


def projection(path: Path, schema: pa.Schema) -> list[str]:
    """The canonical columns (`schema.EVENT_SCHEMA`, `seq` aside) of one Parquet file as SQL
    expressions: cast to the contract's types, NULL where an optional column is missing."""
    names = set(schema.names)
    missing = [c for c in COMMON if c not in names]
    if missing:
        raise BadInput(f"{path}: no column {', '.join(missing)} (every event needs "
                       f"{', '.join(COMMON)})")
    out = []
    for f in EVENT_SCHEMA:
        if f.name == "seq":
            continue
        kind = _KINDS.get(f.name, "text")
        sql_type = {"time": "TIMESTAMPTZ", "int": "BIGINT", "float": "DOUBLE",
                    "bool": "BOOLEAN", "text": "VARCHAR"}[kind]
        if f.name not in names:
            out.append(f"CAST(NULL AS {sql_type}) AS {_q(f.name)}")
            continue
        t = schema.field(f.name).type
        if not _compatible(kind, t):
            extra = " (a time needs its time zone)" if (
                kind == "time" and pa.types.is_timestamp(t)) else ""
            raise BadInput(f"{path}: column {f.name} is {t}, the event contract wants "
                           f"{_WANTED[kind]}{extra}")
        out.append(f"CAST({_q(f.name)} AS {sql_type}) AS {_q(f.name)}")
    return out


def seq_usable(path: Path, schema: pa.Schema) -> bool:
    """Whether the file numbers its rows' arrival (`seq`, an integer column)."""
    if "seq" not in schema.names:
        return False
    if not _compatible("int", schema.field("seq").type):
        raise BadInput(f"{path}: column seq is {schema.field('seq').type}, the event contract "
                       "wants an integer (the arrival number)")
    return True
