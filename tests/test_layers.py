"""The layers of `engine/`: every import (also those inside functions) goes down the layer order, never up,
and no module imports itself back through a cycle. The terminal libraries stay in the play layer."""

from __future__ import annotations

import ast
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


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module an engine module imports, with its line: top level, in functions, relative ones resolved."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
        assert "May import" in doc, f"engine/{layer}/__init__.py must say what the layer may import"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_down_the_layers(path: Path) -> None:
    me = module_name(path)
    mine = LAYERS.index(layer_of(me))
    for mod, line in imports(path):
        top = mod.split(".")[0]
        if top in TERMINAL_LIBRARIES:
            assert mine >= LAYERS.index(TERMINAL_LIBRARIES[top]), (
                f"{path}:{line}: {me} ({layer_of(me)}) imports {top}, "
                f"which only {TERMINAL_LIBRARIES[top]} and the layers above it may")
        if top != "engine" or mod == "engine":
            continue
        theirs = LAYERS.index(layer_of(mod))
        assert theirs <= mine, \
            f"{path}:{line}: {me} (layer {layer_of(me)}) imports {mod} (layer {layer_of(mod)}), a higher layer"


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    names = {module_name(p) for p in MODULES}
    for path in MODULES:
        graph[module_name(path)] = {m for m, _ in imports(path) if m in names and m != module_name(path)}
    # packages import nothing of their own children for this check's purpose
    for name in names:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_layer_test_catches_an_upward_import(tmp_path: Path) -> None:
    """The check itself can fail: a core module importing the play layer is caught."""
    bad = ENGINE / "core" / "_layer_probe.py"
    bad.write_text('"""probe"""\nfrom engine.play import session\n', encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match="a higher layer"):
            test_imports_go_down_the_layers(bad)
    finally:
        bad.unlink()


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
