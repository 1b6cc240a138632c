"""Write schemas/*.schema.json from the typed results in `render/shapes.py`.

The typed definitions are the contract; the JSON Schemas are made from them, never edited by
hand. Run `python -m spasmcheck.render.schema` after changing a shape (tests/test_schemas.py
fails while the committed files differ). Standard library only: it walks the TypedDicts'
annotations, their required keys, Literal, list, dict, unions and `Rule` metadata.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, Required, Union

from spasmcheck.core.model import Urgency
from spasmcheck.render import shapes

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FOLDER = Path(__file__).resolve().parents[2] / "schemas"
SIMPLE = {str: "string", int: "integer", bool: "boolean", type(None): "null", float: "number"}
Schema = dict[str, Any]


def _level_is(level: str) -> Schema:
    return {"properties": {"urgency": {"properties": {"level": {"const": level}},
                                       "required": ["level"]}},
            "required": ["urgency"]}


def _no_flag_above(level: Urgency) -> Schema:
    allowed = [u.label for u in Urgency if u <= level]
    return {
        "description": f"At level {level.label}: no red flag is more urgent, and the most "
                       "urgent flag (listed first) sets the level.",
        "if": _level_is(level.label),
        "then": {"properties": {"red_flags": {
            "items": {"properties": {"urgency": {"enum": allowed}}},
            "prefixItems": [{"properties": {"urgency": {"const": level.label}}}]}}},
    }


def _when(field: str, value: str) -> Schema:
    return {"properties": {field: {"const": value}}, "required": [field]}


# Rules that join fields: a TypedDict cannot say them, so they are written here as JSON Schema.
CONDITIONS: dict[type, list[Schema]] = {
    shapes.Medication: [
        {"if": {"properties": {"status": {"enum": ["known", "partial"]}}},
         "then": {"required": ["matched_as"], "properties": {"matched": {"minItems": 1}}},
         "else": {"not": {"required": ["matched_as"]},
                  "properties": {"matched": {"maxItems": 0}}}},
        {"if": {"properties": {"status": {"const": "partial"}}},
         "then": {"required": ["unchecked", "suggestions"]},
         "else": {"not": {"anyOf": [{"required": ["unchecked"]},
                                    {"required": ["suggestions"]}]}}},
    ],
    shapes.Interaction: [
        {"if": _when("kind", "caution"), "then": {"required": ["condition"]},
         "else": {"not": {"required": ["condition"]}}},
        {"if": _when("kind", "pair"),
         "then": {"properties": {"drugs": {"minItems": 2, "maxItems": 2}}}},
    ],
    shapes.Urgency: [{"if": _when("level", u.label), "then": {"properties": {
        "rank": {"const": int(u)}}}} for u in Urgency],
    shapes.TriageResult: [_no_flag_above(u) for u in Urgency] + [{
        "description": "An emergency result lists no 'get help sooner' advice: help is "
                       "needed now.",
        "if": _level_is(Urgency.EMERGENCY.label),
        "then": {"properties": {"seek_help_sooner": {"maxItems": 0}}}}],
}
OPEN = (shapes.InteractionsResult, shapes.TriageResult)  # the README: fields may be added
# Objects written out where they are used rather than under $defs (each has one place).
INLINE = (shapes.Summary, shapes.Notice, shapes.UsedEntry, shapes.SkippedEntry,
          shapes.BatchError)


# $defs names the published schemas used before they were generated, kept for their readers.
DEF_NAMES: dict[type, str] = {shapes.Record: "fhir_record", shapes.ErrorLine: "error"}


def _name(cls: type) -> str:
    return DEF_NAMES.get(cls) or cls.__name__[0].lower() + cls.__name__[1:]


def _describe(doc: str | None) -> Schema:
    return {"description": " ".join(doc.split())} if doc else {}


def object_schema(cls: type, defs: dict[str, Schema]) -> Schema:
    """A TypedDict as a JSON object; the types it uses go to `defs`."""
    hints = typing.get_type_hints(cls, include_extras=True)
    required = [key for key in hints if key in cls.__required_keys__]  # type: ignore[attr-defined]
    out: Schema = {**_describe(cls.__doc__), "type": "object", "required": required,
                   "properties": {key: type_schema(hint, defs) for key, hint in hints.items()},
                   "additionalProperties": cls in OPEN}
    if cls in CONDITIONS:
        out["allOf"] = CONDITIONS[cls]
    return out


def type_schema(hint: Any, defs: dict[str, Schema]) -> Schema:
    """One annotation as JSON Schema."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (NotRequired, Required):
        return type_schema(args[0], defs)
    if origin is typing.Annotated:
        out = type_schema(args[0], defs)
        for rule in hint.__metadata__:
            if isinstance(rule, shapes.Rule):
                out.update(rule.keywords)
                if rule.name:
                    defs[rule.name] = out
                    out = {"$ref": f"#/$defs/{rule.name}"}
        return out
    if hint in INLINE:
        return object_schema(hint, defs)
    if typing.is_typeddict(hint):
        name = _name(hint)
        if name not in defs:
            defs[name] = {}  # a place held in the order met
            defs[name] = object_schema(hint, defs)
        return {"$ref": f"#/$defs/{name}"}
    if origin is Literal:
        return {"const": args[0]} if len(args) == 1 else {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": type_schema(args[0], defs)}
    if origin is dict:
        out = {"type": "object"}
        if args[0] is not str:
            out["propertyNames"] = type_schema(args[0], defs)
        if args[1] is not Any:
            out["additionalProperties"] = type_schema(args[1], defs)
        return out
    if origin in (Union, types.UnionType):
        members = [type_schema(a, defs) for a in args]
        if all(m.keys() == {"type"} and isinstance(m["type"], str) for m in members):
            return {"type": [m["type"] for m in members]}
        return {"anyOf": members}
    if hint is Any:
        return {}
    return {"type": SIMPLE[hint]}


def result_schema(cls: type, title: str) -> Schema:
    defs: dict[str, Schema] = {}
    body = object_schema(cls, defs)
    return {"$schema": DRAFT, "title": title, **body, "$defs": defs}


def batch_line_schema() -> Schema:
    """A batch line: a result plus `id` and `line`, or an error line (shapes.ErrorLine)."""
    defs: dict[str, Schema] = {}
    error = object_schema(shapes.ErrorLine, defs)
    given = error["properties"]
    defs["result"] = {
        "type": "object", "required": ["id", "line"],
        "properties": {"id": given["id"], "line": given["line"]},
        "anyOf": [{"$ref": "interactions.schema.json"}, {"$ref": "triage.schema.json"}],
        "not": {"required": ["error"],
                "description": "`error` marks an error line; a result never carries it."},
    }
    defs[_name(shapes.ErrorLine)] = error
    return {
        "$schema": DRAFT, "title": "spasmcheck --batch output line",
        "description": "One line of `spasmcheck interactions --batch` or `spasmcheck triage "
        "--batch` output: either the one-shot --json object plus `id` and `line`, or an error "
        "object for an input line that could not be used. The result shapes are the sibling "
        "files interactions.schema.json and triage.schema.json (resolve the relative "
        "references against this file's location).",
        "oneOf": [{"$ref": "#/$defs/result"}, {"$ref": f"#/$defs/{_name(shapes.ErrorLine)}"}],
        "$defs": defs,
    }


def schemas() -> dict[str, Schema]:
    """Every published schema by file name."""
    return {
        "interactions.schema.json": result_schema(shapes.InteractionsResult,
                                                  "spasmcheck interactions --json"),
        "triage.schema.json": result_schema(shapes.TriageResult, "spasmcheck triage --json"),
        "batch-line.schema.json": batch_line_schema(),
    }


def text(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(folder: Path = FOLDER) -> int:
    for name, schema in schemas().items():
        (folder / name).write_text(text(schema), "utf-8")
        print(f"wrote {folder / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
