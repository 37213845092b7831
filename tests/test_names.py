"""No two engine modules define different things under one name: a public top-level class,
function or type alias means one thing across `engine/` (`from x import Plan` cannot be the wrong
Plan). Constants in capitals (a module's limits, format number, table of codes) are settings of
their module, read through it (`savefile.MAX_DEPTH`), and may repeat; type variables may too."""

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
    """The public classes, functions and type aliases (or other names bound at the top level, but
    constants in capitals and type variables) a module defines, with their lines."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.name, node.lineno))
        elif isinstance(node, ast.Assign | ast.AnnAssign):  # Python 3.11: no `type X = ...` statement yet
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "TypeVar":
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [(t.id, node.lineno) for t in targets if isinstance(t, ast.Name) and not t.id.isupper()]
    return [(name, line) for name, line in found if not name.startswith("_")]


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
    aliases = {"engine/a.py": "Mark = tuple[int, int]\nLIMIT = 3\nT = TypeVar('T')\n",
               "engine/b.py": "Mark: TypeAlias = str\nLIMIT = 4\nT = TypeVar('T')\n"}
    assert clashes(aliases) == {"Mark": ["engine/a.py:1", "engine/b.py:1"]}
