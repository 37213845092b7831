"""Compile a story's conditions, effects and text templates once: each distinct source parsed and bound.

Visits of scenes that conditions or effects ask about are given slots (`tracked`); the bound
closures read those slots. Used by the compiler and by the compiled cache (which stores only
the sources and compiles them again on load, so no compiled code is ever read from disk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.base.valueclass import ValueClass
from engine.core.model import Variable
from engine.expressions.language import Condition, Effect, VarSpec, parse_condition, parse_effects
from engine.expressions.template import BoundTemplate, Template, parse_template


class Compiled(ValueClass):
    """The expressions of a story, compiled: what `build` and the cache both need.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__` (unhashable):
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("tracked", "visit_index", "tests", "applies", "templates")
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        tracked: tuple[str, ...],
        visit_index: dict[str, int],
        tests: dict[str, Any],
        applies: dict[tuple[str, ...], Any],
        templates: dict[str, BoundTemplate],
    ) -> None:
        self.tracked = tracked
        self.visit_index = visit_index
        self.tests = tests
        self.applies = applies
        self.templates = templates


def compile_expressions(variables: tuple[Variable, ...], scene_ids: list[str], whens: Iterable[str],
                        dos: Iterable[tuple[str, ...]], conditions: Mapping[str, Condition] | None = None,
                        effects: Mapping[tuple[str, ...], Effect] | None = None,
                        texts: Iterable[str] = (), templates: Mapping[str, Template] | None = None) -> Compiled:
    """Parse (unless already parsed) and bind every distinct condition, effect and text template."""
    specs = {v.name: VarSpec(v.name, v.index, v.type, v.min, v.max, v.values) for v in variables}
    conds = dict(conditions or {})
    effs = dict(effects or {})
    for when in whens:
        if when not in conds:
            conds[when] = parse_condition(when, specs, scene_ids)
    for do in dos:
        if do and do not in effs:
            effs[do] = parse_effects(list(do) if len(do) > 1 else do[0], specs, scene_ids)
    temps = dict(templates or {})
    for text in texts:
        if text not in temps:
            temps[text] = parse_template(text, specs, scene_ids)
    tracked_set: set[str] = set()
    for temp in temps.values():
        tracked_set |= temp.scenes
    for cond in conds.values():
        tracked_set |= cond.scenes
    for eff in effs.values():
        tracked_set |= eff.scenes
    tracked = tuple(sorted(tracked_set))
    visit_index = {sid: i for i, sid in enumerate(tracked)}
    return Compiled(tracked, visit_index,
                    {src: cond.bind(visit_index) for src, cond in conds.items()},
                    {src: eff.bind(visit_index) for src, eff in effs.items()},
                    {src: temp.bind(visit_index) for src, temp in temps.items()})
