"""No two engine modules define different things under one name: a public top-level class or
function name means one thing across `engine/` (`from x import Plan` cannot be the wrong Plan)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"

# names every module of a kind defines, by the convention of that kind
CONVENTIONS = {
    "configure": "each command module's parser set-up (engine/commands/, read by engine/cli.py)",
    "run": "each command module's entry point (engine/commands/, read by engine/cli.py)",
    "main": "a program's entry point",
}


def public_definitions(source: str) -> list[tuple[str, int]]:
    """The public classes and functions a module defines at its top level, with their lines."""
    return [(node.name, node.lineno) for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and not node.name.startswith("_")]


def clashes(sources: dict[str, str]) -> dict[str, list[str]]:
    """Each public name defined in more than one module, with where (`module:line`)."""
    where: dict[str, list[str]] = defaultdict(list)
    for module, source in sorted(sources.items()):
        for name, line in public_definitions(source):
            where[name].append(f"{module}:{line}")
    return {name: places for name, places in sorted(where.items())
            if len(places) > 1 and name not in CONVENTIONS}


def engine_sources() -> dict[str, str]:
    return {str(p.relative_to(ENGINE.parent)): p.read_text(encoding="utf-8") for p in sorted(ENGINE.rglob("*.py"))}


def test_no_two_modules_define_one_name() -> None:
    found = clashes(engine_sources())
    assert not found, "one name, several definitions (rename so each says what it is):\n" + "\n".join(
        f"  {name}: {', '.join(places)}" for name, places in found.items())


def test_the_check_catches_a_clash() -> None:
    sources = {"engine/a.py": "class Plan:\n    pass\n", "engine/b.py": "def Plan() -> None:\n    pass\n",
               "engine/c.py": "def _private() -> None:\n    pass\ndef run() -> None:\n    pass\n",
               "engine/d.py": "def _private() -> None:\n    pass\ndef run() -> None:\n    pass\n"}
    assert clashes(sources) == {"Plan": ["engine/a.py:1", "engine/b.py:1"]}
