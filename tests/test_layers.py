"""The layers of `engine/`: every import (also those inside functions) goes down the layer order, never up,
and only to the layers its layer's `__init__` lists under "May import"; no module imports itself back
through a cycle; the terminal libraries stay in the layers allowed them (prompt_toolkit: play and up;
rich: classroom and up)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"

# bottom to top; a module may import its own layer and any layer before it
LAYERS = ["base", "format", "expressions", "core", "record", "build", "saves", "tools", "classroom", "play",
          "editor", "bench", "commands", "<top>"]
# the terminal libraries, allowed only from these layers upwards
TERMINAL_LIBRARIES = {"rich": "classroom", "prompt_toolkit": "play"}  # rich: the terminal report


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    return "<top>"


def imports(path: Path, source: str | None = None) -> Iterator[tuple[str, int]]:
    """Every module an engine module imports, with its line: top level, in functions, relative ones resolved."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod, node.lineno
            for alias in node.names:  # `from engine.x import y` where y is a module
                sub = f"{mod}.{alias.name}"
                if (ENGINE.parent / Path(*sub.split("."))).with_suffix(".py").exists() or \
                        (ENGINE.parent / Path(*sub.split("."))).is_dir():
                    yield sub, node.lineno


MODULES = sorted(ENGINE.rglob("*.py"))


def may_import(layer: str) -> set[str]:
    """The engine layers `layer` may import besides itself, as its `__init__` docstring says: "every
    layer below", a list of `engine.<layer>` names, or nothing from the engine (but the package face)."""
    doc = ast.get_docstring(ast.parse((ENGINE / layer / "__init__.py").read_text(encoding="utf-8"))) or ""
    sentence = re.search(r"May import:(.*?)(?:\.\s|\.\Z|\Z)", doc, re.S)  # "engine.base" does not end it
    said = sentence.group(1) if sentence else ""
    below = LAYERS[:LAYERS.index(layer)]
    if "every layer below" in said:
        return set(below)
    named = set(re.findall(r"engine\.(\w+)", said))
    assert named <= set(below), f"engine/{layer}/__init__.py names layers that are not below it: {named - set(below)}"
    return named


def problems(path: Path, source: str | None = None) -> list[str]:
    """What is wrong with one module's imports: a layer above its own or one its layer may not
    import, or a terminal library below the layer allowed to use it."""
    me = module_name(path)
    mine = layer_of(me)
    allowed = set(LAYERS[:LAYERS.index(mine)]) if mine == "<top>" else may_import(mine)
    found = []
    for mod, line in imports(path, source):
        top = mod.split(".")[0]
        if top in TERMINAL_LIBRARIES and LAYERS.index(mine) < LAYERS.index(TERMINAL_LIBRARIES[top]):
            found.append(f"{path}:{line}: {me} ({mine}) imports {top}, "
                         f"which only {TERMINAL_LIBRARIES[top]} and the layers above it may")
        if top != "engine" or mod == "engine":
            continue
        theirs = layer_of(mod)
        if LAYERS.index(theirs) > LAYERS.index(mine):
            found.append(f"{path}:{line}: {me} (layer {mine}) imports {mod} (layer {theirs}), a higher layer")
        elif theirs != mine and theirs not in allowed:
            found.append(f"{path}:{line}: {me} (layer {mine}) imports {mod} (layer {theirs}), which "
                         f"engine/{mine}/__init__.py does not list under 'May import'")
    return found


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph (module -> the modules it imports), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_every_module_is_in_a_layer_and_opens_with_a_docstring() -> None:
    for path in MODULES:
        name = module_name(path)
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{name} has no docstring"
        parts = name.split(".")
        if len(parts) > 2 or (len(parts) == 2 and path.name == "__init__.py"):
            assert parts[1] in LAYERS, f"{name} is in no known layer: add its folder to LAYERS"
        elif len(parts) == 2:
            assert parts[1] in ("cli", "__main__"), \
                f"{name} sits at the top of engine/: only the package face, __main__ and cli belong there"


def test_layer_docstrings_name_what_they_may_import() -> None:
    for layer in LAYERS[:-1]:
        doc = ast.get_docstring(ast.parse((ENGINE / layer / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert "May import:" in doc, f"engine/{layer}/__init__.py must say what the layer may import"
        may_import(layer)
    assert may_import("base") == set() and may_import("core") == {"base", "expressions"}
    assert may_import("record") == {"base", "format", "core"} and may_import("format") == {"base"}
    assert may_import("commands") == set(LAYERS[:LAYERS.index("commands")])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_down_the_layers(path: Path) -> None:
    found = problems(path)
    assert not found, "\n".join(found)


def test_no_import_cycles() -> None:
    names = {module_name(p) for p in MODULES}
    graph = {module_name(path): {m for m, _ in imports(path) if m in names and m != module_name(path)}
             for path in MODULES}
    # packages import nothing of their own children for this check's purpose
    graph = {name: {m for m in mods if not m.startswith(name + ".")} for name, mods in graph.items()}
    cycle = cycle_in(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


@pytest.mark.parametrize(("where", "source", "said"), [
    ("core", "from engine.play import session\n", "a higher layer"),
    ("core", "def later() -> None:\n    from engine.tools import explore\n", "a higher layer"),  # inside a function
    ("core", "from engine.format import safeyaml\n", "does not list under 'May import'"),
    ("record", "from engine.expressions import language\n", "does not list under 'May import'"),
    ("core", "import rich\n", "which only classroom"),
    ("tools", "from prompt_toolkit import Application\n", "which only play"),
    ("build", "from . import compiled\nfrom ..saves import store\n", "a higher layer"),  # relative imports
])
def test_the_layer_check_can_fail(where: str, source: str, said: str) -> None:
    """The check itself can fail: each kind of wrong import, in a module it is shown as (nothing is written)."""
    found = problems(ENGINE / where / "probe.py", '"""probe"""\n' + source)
    assert found and all(said in f for f in found), found


def test_the_layer_check_allows_what_the_layers_say() -> None:
    ok = "from engine.base import paths\nfrom engine.expressions import language\nfrom engine.core import model\n"
    assert problems(ENGINE / "core" / "probe.py", '"""probe"""\n' + ok) == []
    assert problems(ENGINE / "play" / "probe.py", "import rich\nimport prompt_toolkit\nimport engine\n") == []


def test_the_cycle_check_can_fail() -> None:
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None


# Test files named for a behaviour that crosses modules, not for one module.
SUITES = {
    "atomic", "chapters", "every_problem", "faults", "hostile", "incremental", "layers", "names", "own_sources",
    "player_browser",
    "properties", "saves_command", "saves_crash", "scenarios", "sources_cmd", "startup", "terminal_edges", "wheel",
}


def test_test_files_mirror_the_modules() -> None:
    """tests/test_<module>.py for a module of engine/ (or a named cross-module suite above): a
    reader finds a module's tests by its name."""
    modules = {p.stem for p in MODULES}
    tests = {p.stem.removeprefix("test_") for p in (ENGINE.parent / "tests").glob("test_*.py")}
    strays = sorted(tests - modules - SUITES)
    assert not strays, f"tests/test_<name>.py with no engine module <name>: {strays} (rename, or list it in SUITES)"
    assert not SUITES & modules, f"{sorted(SUITES & modules)} are module names: drop them from SUITES"
