"""Compile a story's conditions and effects once: each distinct source parsed and bound.

Visits of scenes that conditions or effects ask about are given slots (`tracked`); the bound
closures read those slots. Used by the compiler and by the compiled cache (which stores only
the sources and compiles them again on load, so no compiled code is ever read from disk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.core.model import Variable
from engine.expressions.language import Condition, Effect, VarSpec, parse_condition, parse_effects


@dataclass
class Compiled:
    """The expressions of a story, compiled: what `build` and the cache both need."""

    tracked: tuple[str, ...]
    visit_index: dict[str, int]
    tests: dict[str, Any]
    applies: dict[tuple[str, ...], Any]


def compile_expressions(variables: tuple[Variable, ...], scene_ids: list[str], whens: Iterable[str],
                        dos: Iterable[tuple[str, ...]], conditions: Mapping[str, Condition] | None = None,
                        effects: Mapping[tuple[str, ...], Effect] | None = None) -> Compiled:
    """Parse (unless already parsed) and bind every distinct condition and effect."""
    specs = {v.name: VarSpec(v.name, v.index, v.type, v.min, v.max, v.values) for v in variables}
    conds = dict(conditions or {})
    effs = dict(effects or {})
    for when in whens:
        if when not in conds:
            conds[when] = parse_condition(when, specs, scene_ids)
    for do in dos:
        if do and do not in effs:
            effs[do] = parse_effects(list(do) if len(do) > 1 else do[0], specs, scene_ids)
    tracked_set: set[str] = set()
    for cond in conds.values():
        tracked_set |= cond.scenes
    for eff in effs.values():
        tracked_set |= eff.scenes
    tracked = tuple(sorted(tracked_set))
    visit_index = {sid: i for i, sid in enumerate(tracked)}
    return Compiled(tracked, visit_index,
                    {src: cond.bind(visit_index) for src, cond in conds.items()},
                    {src: eff.bind(visit_index) for src, eff in effs.items()})
