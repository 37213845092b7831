"""The one schema of the scenario format, as JSON Schema (draft 2020-12).

It drives validation (through the `jsonschema` library, with each error mapped back to the
file, line and column of the offending value) and is what `chronicle schema` prints for
editors. Checks that a schema cannot express (scene references, expressions, quotes) live in
the compiler.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
SCHEMA_NAME = "scenario.schema.json"  # at the root of a scenarios folder; files point at it relatively
SCHEMA_LINE = "# yaml-language-server: $schema="
SCHEMA_ID = "https://chronicle.invalid/schema/scenario-1.json"

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}
ID = re.compile("[a-z][a-z0-9_]{0,63}")  # an id (scenario, scene, choice key) as the schema has it: use fullmatch
_TEXT = {"type": "string", "minLength": 1, "maxLength": 20000}
_LINE = {"type": "string", "minLength": 1, "maxLength": 500}
_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_TEMPLATES = ("may answer the player with text templates: {variable} shows a value; "
              "{if CONDITION}...{elif CONDITION}...{else}...{end} shows text conditionally (conditions as in "
              "when:); {{ and }} write braces")
_PROSE = {**_TEXT, "description": "prose; " + _TEMPLATES}
_PROSE_LINE = {**_LINE, "description": "one line; " + _TEMPLATES}


def _d(schema: dict[str, Any], text: str) -> dict[str, Any]:
    """`schema` with a description: what editors show on hover."""
    return {**schema, "description": text}


_CITATION = {
    "type": "object",
    "description": "A short verbatim passage from a source text.",
    "properties": {
        "source": {**_ID, "description": "the source id from seeds/index.yaml"},
        "quote": {"type": "string", "minLength": 3, "maxLength": 600,
                  "description": "copied exactly from the source (a sentence or a phrase)"},
        "note": _d(_LINE, "a remark on the passage, for the reader (optional)"),
    },
    "required": ["source", "quote"],
    "additionalProperties": False,
}

_ACCOUNT = {
    "type": "object",
    "description": "One source's account of a disputed point: a verbatim quote and what it says.",
    "properties": {
        "source": _d(_ID, "the source id from seeds/index.yaml"),
        "quote": {"type": "string", "minLength": 3, "maxLength": 600,
                  "description": "copied exactly from the source (a sentence or a phrase)"},
        "says": _d(_LINE, "in our words, what this source claims about the disputed point"),
    },
    "required": ["source", "quote", "says"],
    "additionalProperties": False,
}

_EXPR = {"type": "string", "minLength": 1, "maxLength": 500}


_CHOICE = {
    "type": "object",
    "description": "A choice the player can take in a scene.",
    "properties": {
        "id": _d(_ID, "a stable id (lower-case letters, digits and _): saves and test plans refer to it"),
        "text": _d(_LINE, "what the player reads in the list of choices; it " + _TEMPLATES),
        "goto": _d(_ID, "the id of the scene this choice leads to"),
        "when": _d(_EXPR, "a condition on the variables: the choice is open only when it is true "
                          "(e.g. resolve < 8)"),
        "locked": _d(_LINE, "shown instead of the choice while its condition is false"),
        "do": {"oneOf": [_EXPR, {"type": "array", "items": _EXPR, "minItems": 1, "maxItems": 50}],
               "description": "effects on the variables: one string or a list (e.g. resolve -= 1)"},
        "historical": {"type": "boolean",
                       "description": "true: what really happened (it must cite the record)"},
        "counterfactual": {"type": "boolean",
                           "description": "true: a branch the record makes plausible but that did not happen"},
        "record": {"type": "array", "items": {"$ref": "#/$defs/citation"}, "minItems": 1, "maxItems": 20,
                   "description": "verbatim passages of the sources that ground this choice"},
        "neutral": {"type": "boolean",
                    "description": "explicitly neutral: the choice makes no claim either way about the record"},
        "note": _d(_TEXT, "shown after the choice is taken; it " + _TEMPLATES),
    },
    "required": ["text", "goto"],
    "additionalProperties": False,
}

_ENDING = {
    "type": "object",
    "description": "Makes the scene an ending (an ending has no choices).",
    "properties": {
        "kind": {"enum": ["historical", "counterfactual"],
                 "description": "historical: how it really ended; counterfactual: an ending that did not happen"},
        "epilogue": _d(_TEXT, "what became of the people afterwards, in our own words, grounded in the sources; "
                              "it " + _TEMPLATES),
        "debrief": _d(_TEXT, "how this ending relates to the record; for a counterfactual ending, what "
                             "constrained the real people; it " + _TEMPLATES),
    },
    "required": ["kind"],
    "additionalProperties": False,
}

_SCENE = {
    "type": "object",
    "description": "A scene: its id is the key above it.",
    "properties": {
        "title": _d(_LINE, "the scene's heading"),
        "place": _d(_LINE, "where the scene happens"),
        "time": {**_TIME, "description": '"HH:MM", 24-hour, quoted'},
        "date": {**_DATE, "description": "YYYY-MM-DD in the scenario's calendar"},
        "text": _d(_TEXT, "the scene's prose, in our own words: second person, present tense; it " + _TEMPLATES),
        "record": {"type": "array", "items": {"$ref": "#/$defs/citation"}, "maxItems": 20,
                   "description": "verbatim passages of the sources that ground the scene (at least one)"},
        "disputed": {
            "type": "array",
            "maxItems": 10,
            "description": "points the sources disagree on, each with the accounts of at least two sources",
            "items": {
                "type": "object",
                "description": "One disputed point.",
                "properties": {
                    "topic": _d(_LINE, "what the sources disagree about"),
                    "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"},
                                 "minItems": 2, "maxItems": 6, "description": "the accounts of the sources"},
                },
                "required": ["topic", "accounts"],
                "additionalProperties": False,
            },
        },
        "invented": {**_LINE, "pattern": "\\S",
                     "description": "what in this scene is ours, not the record's (shown in play)"},
        "events": {"type": "array", "items": _ID, "maxItems": 10,
                   "description": "ids of events shared with other scenarios (same event, same time)"},
        "choices": {"type": "array", "items": {"$ref": "#/$defs/choice"}, "minItems": 1, "maxItems": 20,
                    "description": "the choices of the scene, in the order shown (a scene has choices or an ending)"},
        "ending": {"$ref": "#/$defs/ending", "description": "makes this scene an ending"},
        "order": {"enum": ["fixed", "shuffled"],
                  "description": "fixed: always show the choices in the order written (where order carries "
                                 "meaning); shuffled (the default): in an order of each game's own"},
    },
    "required": ["title", "place", "text"],
    "additionalProperties": False,
}

_VARIABLE = {
    "type": "object",
    "description": "A variable of the story's state: conditions (when:) read it, effects (do:) change it.",
    "properties": {
        "type": {"enum": ["int", "bool", "str"], "description": "int, bool or str"},
        "initial": {"type": ["integer", "boolean", "string"], "description": "the value at the start"},
        "min": {"type": "integer", "description": "an int's lowest value: results of effects are clamped to it"},
        "max": {"type": "integer", "description": "an int's highest value: results of effects are clamped to it"},
        "values": {"type": "array", "items": {"type": "string", "maxLength": 200},
                   "minItems": 1, "maxItems": 50, "description": "the values a str may take"},
        "visible": {"type": "boolean", "description": "true: shown to the player by the status command"},
        "label": _d(_LINE, "the name shown to the player"),
    },
    "required": ["type", "initial"],
    "additionalProperties": False,
}

_FORMAT = {"type": "integer", "description": "the version of the scenario format: 1"}

_SCENARIO_FILE = {
    "type": "object",
    "description": "scenario.yaml: the frame of a scenario (its scenes are in scenes/*.yaml).",
    "properties": {
        "format": _FORMAT,
        "id": _d(_ID, "the scenario's id: it must match the folder's name"),
        "title": _d(_LINE, "the scenario's title"),
        "summary": _d(_TEXT, "one sentence that says what the player lives through"),
        "role": _d(_LINE, "who the player is"),
        "length": _d(_LINE, "how long a playthrough takes (e.g. about 30 minutes)"),
        "start": _d(_ID, "the id of the first scene"),
        "clock": {
            "type": "object",
            "description": "when the story starts, and in which calendar its dates are",
            "properties": {
                "date": _d(_DATE, "the first scene's date (YYYY-MM-DD) in the calendar below"),
                "calendar": {"enum": ["julian", "gregorian"],
                             "description": "julian (Old Style, as in Russia in 1917) or gregorian"},
                "time": _d(_TIME, 'the time of day at the start: "HH:MM", quoted'),
            },
            "required": ["date", "calendar"],
            "additionalProperties": False,
        },
        "variables": {
            "type": "object",
            "description": "the state the story remembers, by name",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "additionalProperties": {"$ref": "#/$defs/variable"},
            "maxProperties": 64,
        },
        "questions": {"type": "array", "items": _TEXT, "maxItems": 50,
                      "description": "questions shown after every ending, for discussion in class"},
        "teacher_note": _d(_TEXT, "for the teacher: what the scenario is for, what to watch for, how long it takes"),
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
    "description": "A file of scenes (scenes/*.yaml): any number of scenes per file.",
    "properties": {
        "format": _FORMAT,
        "scenes": {
            "type": "object",
            "description": "the scenes, by id (lower-case letters, digits and _)",
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
