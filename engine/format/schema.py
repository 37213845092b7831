"""The one schema of the scenario format, as JSON Schema (draft 2020-12).

It drives validation (through the `jsonschema` library, with each error mapped back to the
file, line and column of the offending value) and is what `chronicle schema` prints for
editors. Checks that a schema cannot express (scene references, expressions, quotes) live in
the compiler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
SCHEMA_NAME = "scenario.schema.json"  # at the root of a scenarios folder; files point at it relatively
SCHEMA_LINE = "# yaml-language-server: $schema="
SCHEMA_ID = "https://chronicle.invalid/schema/scenario-1.json"

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 20000}
_LINE = {"type": "string", "minLength": 1, "maxLength": 500}
_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

_CITATION = {
    "type": "object",
    "description": "A short verbatim passage from a source text.",
    "properties": {
        "source": {**_ID, "description": "the source id from seeds/index.yaml"},
        "quote": {"type": "string", "minLength": 3, "maxLength": 600,
                  "description": "copied exactly from the source (a sentence or a phrase)"},
        "note": _LINE,
    },
    "required": ["source", "quote"],
    "additionalProperties": False,
}

_ACCOUNT = {
    "type": "object",
    "properties": {
        "source": _ID,
        "quote": {"type": "string", "minLength": 3, "maxLength": 600},
        "says": _LINE,
    },
    "required": ["source", "quote", "says"],
    "additionalProperties": False,
}

_EXPR = {"type": "string", "minLength": 1, "maxLength": 500}

_CHOICE = {
    "type": "object",
    "properties": {
        "id": _ID,
        "text": _LINE,
        "goto": _ID,
        "when": _EXPR,
        "locked": _LINE,
        "do": {"oneOf": [_EXPR, {"type": "array", "items": _EXPR, "minItems": 1, "maxItems": 50}]},
        "historical": {"type": "boolean"},
        "counterfactual": {"type": "boolean"},
        "record": {"type": "array", "items": {"$ref": "#/$defs/citation"}, "minItems": 1, "maxItems": 20},
        "note": _TEXT,
    },
    "required": ["text", "goto"],
    "additionalProperties": False,
}

_ENDING = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["historical", "counterfactual"]},
        "epilogue": _TEXT,
        "debrief": _TEXT,
    },
    "required": ["kind"],
    "additionalProperties": False,
}

_SCENE = {
    "type": "object",
    "properties": {
        "title": _LINE,
        "place": _LINE,
        "time": {**_TIME, "description": '"HH:MM", 24-hour, quoted'},
        "date": {**_DATE, "description": "YYYY-MM-DD in the scenario's calendar"},
        "text": _TEXT,
        "record": {"type": "array", "items": {"$ref": "#/$defs/citation"}, "maxItems": 20},
        "disputed": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "topic": _LINE,
                    "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"},
                                 "minItems": 2, "maxItems": 6},
                },
                "required": ["topic", "accounts"],
                "additionalProperties": False,
            },
        },
        "events": {"type": "array", "items": _ID, "maxItems": 10,
                   "description": "ids of events shared with other scenarios (same event, same time)"},
        "choices": {"type": "array", "items": {"$ref": "#/$defs/choice"}, "minItems": 1, "maxItems": 20},
        "ending": {"$ref": "#/$defs/ending"},
    },
    "required": ["title", "place", "text"],
    "additionalProperties": False,
}

_VARIABLE = {
    "type": "object",
    "properties": {
        "type": {"enum": ["int", "bool", "str"]},
        "initial": {"type": ["integer", "boolean", "string"]},
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "values": {"type": "array", "items": {"type": "string", "maxLength": 200},
                   "minItems": 1, "maxItems": 50},
        "visible": {"type": "boolean"},
        "label": _LINE,
    },
    "required": ["type", "initial"],
    "additionalProperties": False,
}

_SCENARIO_FILE = {
    "type": "object",
    "properties": {
        "format": {"type": "integer"},
        "id": _ID,
        "title": _LINE,
        "summary": _TEXT,
        "role": _LINE,
        "length": _LINE,
        "start": _ID,
        "clock": {
            "type": "object",
            "properties": {
                "date": _DATE,
                "calendar": {"enum": ["julian", "gregorian"]},
                "time": _TIME,
            },
            "required": ["date", "calendar"],
            "additionalProperties": False,
        },
        "variables": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "additionalProperties": {"$ref": "#/$defs/variable"},
            "maxProperties": 64,
        },
        "questions": {"type": "array", "items": _TEXT, "maxItems": 50},
        "teacher_note": _TEXT,
    },
    "required": ["format", "id", "title", "summary", "role", "start", "clock"],
    "additionalProperties": False,
}

_SCENE_FILE = {
    "type": "object",
    "properties": {
        "format": {"type": "integer"},
        "scenes": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,63}$"},
            "additionalProperties": {"$ref": "#/$defs/scene"},
            "minProperties": 1,
        },
    },
    "required": ["format", "scenes"],
    "additionalProperties": False,
}

DEFS: dict[str, Any] = {
    "citation": _CITATION,
    "account": _ACCOUNT,
    "choice": _CHOICE,
    "ending": _ENDING,
    "scene": _SCENE,
    "variable": _VARIABLE,
    "scenarioFile": _SCENARIO_FILE,
    "sceneFile": _SCENE_FILE,
}


def json_schema() -> dict[str, Any]:
    """The editor schema: a scene file when it has `scenes`, else a scenario file."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Chronicle scenario file (format 1)",
        "$defs": DEFS,
        "if": {"type": "object", "required": ["scenes"]},
        "then": {"$ref": "#/$defs/sceneFile"},
        "else": {"$ref": "#/$defs/scenarioFile"},
    }


def part_schema(kind: str) -> dict[str, Any]:
    """The schema for one kind of file: "scenarioFile" or "sceneFile"."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": DEFS,
            "$ref": f"#/$defs/{kind}"}


def schema_text() -> str:
    """The editor schema as the text of `scenario.schema.json`."""
    import json

    return json.dumps(json_schema(), indent=2) + "\n"


def schema_line(relative: str) -> str:
    """The first line of a scenario file at `relative` (a POSIX path inside its scenario folder, such as
    "scenes/night.yaml"): the schema at the root of the scenarios folder, reached relatively."""
    depth = len([part for part in relative.split("/") if part])
    return SCHEMA_LINE + "../" * depth + SCHEMA_NAME


def write_schema(folder: Path) -> Path:
    """Write `scenario.schema.json` into `folder` (atomically, only when it differs); its path."""
    from engine.base.durable import write_atomic

    target = folder / SCHEMA_NAME
    text = schema_text().encode("utf-8")
    try:
        if target.read_bytes() == text:
            return target
    except OSError:
        pass
    write_atomic(target, text)
    return target
