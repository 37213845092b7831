"""Shared by the authoring commands: load a scenario, or print why it cannot be loaded."""

from __future__ import annotations

import sys

from engine.base.diagnostics import ChronicleError
from engine.build.loader import load_story
from engine.core.model import Story


def story_or_none(ref: str, *, by_id: bool = False) -> Story | None:
    """The compiled story, or None after printing its diagnostics to stderr. With `by_id` (a name a
    file gave: a plan's, a transcript's or a save's scenario), only the scenarios are searched by id:
    the name is never taken as a path."""
    try:
        return load_story(ref, by_id=by_id)
    except ChronicleError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        print(f"chronicle: {ref}: the scenario has errors (run `chronicle check {ref}`)", file=sys.stderr)
        return None
