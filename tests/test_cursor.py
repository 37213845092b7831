"""The cursor's context (engine/editor/cursor.py): the key path and what may be completed, from raw lines."""

from __future__ import annotations

from engine.editor.cursor import context, key_path, schema_keys
from engine.format.schema import json_schema

TEXT = [
    "format: 1",
    "scenes:",
    "  a:",
    "    title: x",
    "    choices:",
    "      - text: Go",
    "        record:",
    "          - source: x",
    "            ",
    "      - ending:",
    "          ",
    "      - ",
    "    ",
    "",
]


def test_key_paths_by_indentation_through_list_items() -> None:
    assert key_path(TEXT, 8, 12) == ("scenes", "a", "choices", "[]", "record", "[]")
    assert key_path(TEXT, 10, 10) == ("scenes", "a", "choices", "[]", "ending")
    assert key_path(TEXT, 11, 8) == ("scenes", "a", "choices", "[]")
    assert key_path(TEXT, 12, 4) == ("scenes", "a")


def test_contexts() -> None:
    assert context(["    goto: du"], 0, 12).key == "goto"
    c = context(['    when: visited("no'], 0, 21)
    assert (c.kind, c.key, c.in_string, c.prefix) == ("value", "when", "visited", "no")
    t = context(["    text: You {if vis"], 0, 21)
    assert (t.kind, t.prefix) == ("template", "vis")
    assert context(["    text: {{ not a tag"], 0, 22).kind == "value"
    assert context(TEXT, 11, 8).kind == "key"


def test_schema_keys_follow_the_path() -> None:
    schema = json_schema()
    assert {"title", "place", "time", "text", "choices"} <= set(schema_keys(schema, ("scenes", "a"), False))
    assert {"goto", "when", "do"} <= set(schema_keys(schema, ("scenes", "a", "choices", "[]"), False))
    assert set(schema_keys(schema, ("scenes", "a", "choices", "[]", "record", "[]"), False)) == \
        {"source", "quote", "note"}
    assert {"id", "title", "start", "variables"} <= set(schema_keys(schema, (), True))
    assert schema_keys(schema, ("no", "such"), False) == {}
