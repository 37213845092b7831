"""The one schema of the scenario format, as JSON Schema (draft 2020-12).

It drives validation (through the `jsonschema` library, with each error mapped back to the
file, line and column of the offending value) and is what `chronicle schema` prints for
editors. Checks that a schema cannot express (scene references, expressions, quotes) live in
the compiler.
"""

from __future__ import annotations

from typing import Any

FORMAT_VERSION = 1
SCHEMA_ID = "https://chronicle.invalid/schema/scenario-1.json"

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 20000}
_LINE = {"type": "string", "minLength": 1, "maxLength": 500}
_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_TEMPLATES = ("may answer the player with text templates: {variable} shows a value; "
              "{if CONDITION}...{elif CONDITION}...{else}...{end} shows text conditionally (conditions as in "
              "when:); {{ and }} write braces")
_PROSE = {**_TEXT, "description": "prose; " + _TEMPLATES}
_PROSE_LINE = {**_LINE, "description": "one line; " + _TEMPLATES}

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
        "text": _PROSE_LINE,
        "goto": _ID,
        "when": _EXPR,
        "locked": _LINE,
        "do": {"oneOf": [_EXPR, {"type": "array", "items": _EXPR, "minItems": 1, "maxItems": 50}]},
        "historical": {"type": "boolean"},
        "counterfactual": {"type": "boolean"},
        "neutral": {"type": "boolean",
                    "description": "explicitly neutral: the choice makes no claim either way about the record"},
        "record": {"type": "array", "items": {"$ref": "#/$defs/citation"}, "minItems": 1, "maxItems": 20},
        "note": _PROSE,
    },
    "required": ["text", "goto"],
    "additionalProperties": False,
}

_ENDING = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["historical", "counterfactual"]},
        "epilogue": _PROSE,
        "debrief": _PROSE,
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
        "text": _PROSE,
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
        "invented": {**_LINE, "pattern": "\\S",
                     "description": "what in this scene is ours, not the record's (shown in play)"},
        "events": {"type": "array", "items": _ID, "maxItems": 10,
                   "description": "ids of events shared with other scenarios (same event, same time)"},
        "choices": {"type": "array", "items": {"$ref": "#/$defs/choice"}, "minItems": 1, "maxItems": 20},
        "ending": {"$ref": "#/$defs/ending"},
        "order": {"enum": ["fixed", "shuffled"],
                  "description": "fixed: always show the choices in the order written (where order carries "
                                 "meaning); shuffled (the default): in an order of each game's own"},
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
        "chapters": {
            "type": "object",
            "description": "named places to start a shorter lesson: chapter name -> the scene it starts at "
                           "(a scene on the historical path)",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "additionalProperties": _ID,
            "maxProperties": 20,
        },
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
