"""A synthetic story of any size, built straight from plain data (no files), for speed tests."""

from __future__ import annotations

from typing import Any

from engine.build.compiler import build
from engine.core.model import Story


def synthetic_ir(n: int = 1000) -> dict[str, Any]:
    """n scenes in a row; each has an advancing choice, a conditional one and a loop back.

    Variables: x (int 0..5) and flag (bool), so there are at most 12 states per scene.
    """
    scenes: list[dict[str, Any]] = []
    for i in range(n):
        sid = f"s{i}"
        if i == n - 1:
            scenes.append(_scene(sid, [], {"kind": "historical", "debrief": "d"}))
            continue
        nxt = f"s{i + 1}"
        choices = [
            _choice("on", nxt, do=["x += 1"], mark="historical"),
            _choice("trade", nxt, when="x >= 2", do=["x -= 2", "flag = true"]),
            _choice("back", f"s{max(0, i - 3)}", when="not flag and x < 5", do=["x += 1"]),
        ]
        scenes.append(_scene(sid, choices, None))
    return {
        "id": "synthetic", "title": "Synthetic", "summary": "", "role": "", "start": "s0",
        "date": "1917-10-25", "calendar": "julian", "clock": None,
        "variables": [
            {"name": "x", "type": "int", "initial": 0, "min": 0, "max": 5, "values": None,
             "visible": False, "label": "x"},
            {"name": "flag", "type": "bool", "initial": False, "min": None, "max": None, "values": None,
             "visible": False, "label": "flag"},
        ],
        "questions": [], "teacher_note": "", "length": "", "folder": "", "hash": "", "scenes": scenes,
    }


def _choice(key: str, target: str, when: str | None = None, do: list[str] | None = None,
            mark: str | None = None) -> dict[str, Any]:
    return {"key": key, "text": key, "target": target, "mark": mark, "when": when, "do": do or [],
            "locked": None, "note": "", "record": [], "line": 1}


def _scene(sid: str, choices: list[dict[str, Any]], ending: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": sid, "title": sid, "place": "here", "text": "t", "time": None, "day": None, "record": [],
            "disputed": [], "events": [], "choices": choices, "ending": ending, "file": "x.yaml", "line": 1,
            "invented": "", "order": None, "templates": []}


def synthetic_story(n: int = 1000) -> Story:
    return build(synthetic_ir(n))
