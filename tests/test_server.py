"""The language server (engine/editor/server.py), driven over stdio as an editor drives it: `chronicle lsp` in a
child process, JSON-RPC through the small client in engine/editor/client.py, a real scenario copied to disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.build.compiler import analyze
from engine.editor.client import Client, ServerError
from tests.helpers import ROOT, SCENARIOS


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    folder = tmp_path / "malachite_hall"
    shutil.copytree(SCENARIOS / "malachite_hall", folder, ignore=shutil.ignore_patterns("plans"))
    shutil.copy(SCENARIOS / "scenario.schema.json", tmp_path)  # the editor schema line points here
    return folder


@pytest.fixture
def client(scenario: Path) -> Iterator[Client]:
    c = Client([sys.executable, "-m", "engine", "lsp"], cwd=ROOT)
    c.initialize(scenario.parent)
    yield c
    assert c.close() == 0


class Doc:
    """An open document: its text as the editor holds it, and positions found by searching it."""

    def __init__(self, client: Client, path: Path) -> None:
        self.client, self.path, self.uri = client, path, path.resolve().as_uri()
        self.text = path.read_text(encoding="utf-8")
        self.version = 1
        client.notify("textDocument/didOpen", {"textDocument": {"uri": self.uri, "languageId": "yaml",
                                                                "version": 1, "text": self.text}})

    def change(self, text: str) -> None:
        self.text, self.version = text, self.version + 1
        self.client.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                      "contentChanges": [{"text": text}]})

    def at(self, needle: str, offset: int = 0, nth: int = 0) -> dict[str, int]:
        """The position `offset` characters into the nth occurrence of `needle`."""
        index = -1
        for _ in range(nth + 1):
            index = self.text.index(needle, index + 1)
        index += offset
        line = self.text.count("\n", 0, index)
        return {"line": line, "character": index - (self.text.rfind("\n", 0, index) + 1)}

    def ask(self, method: str, position: dict[str, int], **extra: Any) -> Any:
        return self.client.request(method, {"textDocument": {"uri": self.uri}, "position": position, **extra})

    def diagnostics(self, accept: Any = lambda ds: True) -> list[dict[str, Any]]:
        params = self.client.wait_for("textDocument/publishDiagnostics",
                                      lambda p: p["uri"] == self.uri and accept(p["diagnostics"]))
        return list(params["diagnostics"])

    def word(self, rng: dict[str, Any]) -> str:
        line = self.text.split("\n")[rng["start"]["line"]]
        return line[rng["start"]["character"]: rng["end"]["character"]]


def labels(result: Any) -> list[str]:
    return [item["label"] for item in result["items"]]


def test_a_mistake_shows_at_its_place_with_the_checks_code_hint_and_a_fix(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    assert doc.diagnostics() == []  # the shipped scenario is clean
    doc.change(doc.text.replace("goto: supper", "goto: suppr", 1))
    [d] = doc.diagnostics(lambda ds: ds)
    assert (d["code"], d["severity"], d["source"]) == ("E201", 1, "chronicle")
    assert doc.word(d["range"]) == "suppr" and d["range"]["start"] == doc.at("goto: suppr", 6)
    assert 'did you mean "supper"?' in d["message"]
    # the same code, message and place as `chronicle check` on the same text
    (scenario / "scenes" / "evening.yaml").write_text(doc.text, encoding="utf-8")
    [same] = [x for x in analyze(scenario).diagnostics if x.code == "E201"]
    assert same.message in d["message"] and (same.line - 1, same.column - 1) == (
        d["range"]["start"]["line"], d["range"]["start"]["character"])
    [fix] = client.request("textDocument/codeAction", {"textDocument": {"uri": doc.uri}, "range": d["range"],
                                                       "context": {"diagnostics": [d]}})
    assert fix["title"] == 'Change to "supper"'
    assert fix["edit"]["changes"][doc.uri] == [{"range": d["range"], "newText": "supper"}]


def test_an_unsaved_edit_in_one_file_is_reported_in_another(client: Client, scenario: Path) -> None:
    evening = Doc(client, scenario / "scenes" / "evening.yaml")
    evening.diagnostics()
    # remove the scene `supper` from evening.yaml without saving: the gotos into it, wherever they are, fail
    text = evening.text
    start = text.index("\n  supper:\n")
    end = text.index("\n  ", start + 10)
    while text[end + 3] == " ":
        end = text.index("\n  ", end + 1)
    evening.change(text[:start] + text[end:])
    found = evening.diagnostics(lambda ds: any(d["code"] == "E201" for d in ds))
    assert all(evening.word(d["range"]) == "supper" for d in found if d["code"] == "E201")


def test_warnings_come_with_errors(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    doc.diagnostics()
    broken = doc.text.replace("goto: supper", "goto: nowhere_at_all", 1)
    meta = Doc(client, scenario / "scenario.yaml")
    meta.diagnostics()
    meta.change(meta.text.replace("variables:\n", "variables:\n  never_used:\n    type: int\n    initial: 0\n", 1))
    doc.change(broken)
    codes = {d["code"] for d in doc.diagnostics(lambda ds: any(d["code"] == "E201" for d in ds))}
    assert "E201" in codes


def test_completion_of_gotos_keys_variables_templates_and_sources(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    doc.diagnostics()
    scenes = labels(doc.ask("textDocument/completion", doc.at("goto: supper", len("goto: su"))))
    assert "supper" in scenes and "noon_session" in scenes
    doc.change(doc.text.replace("        goto: supper\n", "        goto: supper\n        \n", 1))
    keys = labels(doc.ask("textDocument/completion", doc.at("        goto: supper\n        \n", 29)))
    assert {"when", "do", "historical", "counterfactual", "record", "note"} <= set(keys)
    doc.change(doc.text.replace("        goto: supper\n        \n", "        goto: supper\n        when: res\n", 1))
    names = labels(doc.ask("textDocument/completion", doc.at("when: res", 9)))
    assert "resolve" in names and "visited" in names
    doc.change(doc.text.replace("when: res\n", 'when: visited("ulti\n', 1))
    assert "ultimatum_news" in labels(doc.ask("textDocument/completion", doc.at('visited("ulti', 13)))
    doc.change(doc.text.replace('when: visited("ulti\n', "note: You keep {res\n", 1))
    inside = labels(doc.ask("textDocument/completion", doc.at("{res", 4)))
    assert "resolve" in inside and "if" in inside and "end" in inside
    sources = labels(doc.ask("textDocument/completion", doc.at("source: rabinowitch", 8)))
    assert {"rabinowitch", "pearson", "woytinsky_july1"} <= set(sources)


def test_definitions_references_and_hover(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    doc.diagnostics()
    goto = doc.at("goto: ultimatum_news", 8)
    loc = doc.ask("textDocument/definition", goto)
    assert loc["uri"] == doc.uri and doc.word(loc["range"]) == "ultimatum_news"
    assert doc.text.split("\n")[loc["range"]["start"]["line"]].strip() == "ultimatum_news:"
    refs = doc.ask("textDocument/references", goto, context={"includeDeclaration": False})
    assert refs and all(r["uri"].endswith(".yaml") for r in refs)
    assert any(r["range"]["start"] == doc.at("goto: ultimatum_news", 6) for r in refs)
    hover = doc.ask("textDocument/hover", goto)["contents"]["value"]
    assert "Twenty minutes to answer" in hover and "rabinowitch" in hover
    # a variable in a condition: to its declaration in scenario.yaml, with its type and bounds on hover
    at = doc.text.index("when: ")
    line_end = doc.text.index("\n", at)
    var = next(v for v in ("resolve", "garrison", "heavy_guns", "cossacks", "deadline")
               if v in doc.text[at:line_end])
    pos = doc.at(var, 1, nth=doc.text[:at].count(var))
    decl = doc.ask("textDocument/definition", pos)
    assert decl["uri"].endswith("scenario.yaml")
    assert "type" in doc.ask("textDocument/hover", pos)["contents"]["value"] or var in \
        doc.ask("textDocument/hover", pos)["contents"]["value"]
    # a quote: to its passage in the source text, whose words are the quote's
    quote = "At 6:15 P.M. the ministers were informed"
    source_loc = doc.ask("textDocument/definition", doc.at(quote, 5))
    seed = Path(source_loc["uri"].removeprefix("file://"))
    lines = seed.read_text(encoding="utf-8").split("\n")
    start, end = source_loc["range"]["start"], source_loc["range"]["end"]
    assert lines[start["line"]][start["character"]:].startswith(quote) and end["line"] >= start["line"]
    text = doc.ask("textDocument/hover", doc.at(quote, 5))["contents"]["value"]
    assert f"**{quote}" in text and "Rabinowitch" in text


def test_rename_a_variable_across_files_keeps_the_scenario_sound(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenario.yaml")
    doc.diagnostics()
    edit = doc.ask("textDocument/rename", doc.at("  resolve:", 3), newName="cabinet_resolve")
    assert len(edit["changes"]) >= 2  # the declaration and the scene files that use it
    for uri, edits in edit["changes"].items():
        path = Path(uri.removeprefix("file://"))
        lines = path.read_text(encoding="utf-8").split("\n")
        for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                        reverse=True):
            s, t = e["range"]["start"], e["range"]["end"]
            assert s["line"] == t["line"]
            raw = lines[s["line"]]
            assert raw[s["character"]: t["character"]] == "resolve"
            lines[s["line"]] = raw[: s["character"]] + e["newText"] + raw[t["character"]:]
        path.write_text("\n".join(lines), encoding="utf-8")
    assert [d.format() for d in analyze(scenario).diagnostics if d.severity == "error"] == []
    with pytest.raises(Exception, match="lower-case"):
        doc.ask("textDocument/rename", doc.at("  garrison:", 3), newName="Not An Id")


def test_outline_lists_the_scenes(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    doc.diagnostics()
    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": doc.uri}})
    names = [s["name"] for s in symbols]
    assert "supper" in names and "ultimatum_news" in names
    assert len(names) == doc.text.count("\n  ") - doc.text.count("\n   ")  # one per scene key


def test_a_file_that_stops_parsing_mid_edit(client: Client, scenario: Path) -> None:
    doc = Doc(client, scenario / "scenes" / "evening.yaml")
    doc.diagnostics()
    good = doc.text
    doc.change(good.replace("    title: ", "    title: Twenty: minutes ", 1))  # a colon in unquoted text
    found = doc.diagnostics(lambda ds: ds)
    [d] = [x for x in found if x["code"] == "E004"]
    assert d["severity"] == 1
    # the references into the file that no longer parses are not reported missing: one note says so
    assert {x["code"] for x in found} == {"E004", "N001"}
    assert [x["severity"] for x in found if x["code"] == "N001"] == [3]
    fixes = client.request("textDocument/codeAction", {"textDocument": {"uri": doc.uri}, "range": d["range"],
                                                        "context": {"diagnostics": [d]}})
    assert fixes and fixes[0]["title"] == "Put the text in quotes"
    new = fixes[0]["edit"]["changes"][doc.uri][0]["newText"]
    assert new.startswith('"Twenty: minutes') and new.endswith('"')
    # the index of the last good version still answers
    assert "supper" in labels(doc.ask("textDocument/completion", doc.at("goto: supper", 8)))
    doc.change(doc.text[: len(doc.text) // 2] + "\n  - [unclosed\n")  # garbage: a message, never a crash
    assert doc.diagnostics(lambda ds: ds)
    doc.change(good)
    assert doc.diagnostics(lambda ds: not ds) == []


SEVERITY = {"error": 1, "warning": 2, "note": 3}


def checked_on_disk(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """`chronicle check` of the folder as it is on disk (a fresh process), as the server would publish it:
    by file URI, each diagnostic's code, severity, message with its hint, and range."""
    from engine.base.diagnostics import Diagnostic
    from engine.editor.server import diagnostic_range

    run = subprocess.run([sys.executable, "-m", "engine", "check", str(folder), "--format", "json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    out: dict[str, list[tuple[Any, ...]]] = {}
    for raw in json.loads(run.stdout)["diagnostics"]:
        d = Diagnostic(**raw)
        path = Path(d.path) if Path(d.path).is_absolute() else ROOT / d.path
        rng = diagnostic_range(path.read_text(encoding="utf-8").split("\n"), d)
        out.setdefault(path.resolve().as_uri(), []).append((
            d.code, SEVERITY[d.severity], d.message + (f"\nhint: {d.hint}" if d.hint else ""),
            (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)))
    return out


def published(params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(d["code"], d["severity"], d["message"], (d["range"]["start"]["line"], d["range"]["start"]["character"]),
             (d["range"]["end"]["line"], d["range"]["end"]["character"])) for d in params["diagnostics"]]


def test_after_edits_the_server_says_what_a_fresh_check_says(client: Client, scenario: Path) -> None:
    """Edits saved one after another — a wrong goto, a file that stops parsing and is repaired, a scene id that other
    files goto renamed, a clean edit — and after each the server's diagnostics (every file, as last published) are
    those of `chronicle check` run afresh on the same files."""
    evening = Doc(client, scenario / "scenes" / "evening.yaml")
    shown: dict[str, list[tuple[Any, ...]]] = {}

    def save(doc: Doc, text: str) -> None:
        doc.path.write_text(text, encoding="utf-8")
        doc.change(text)

    def agree() -> None:
        want = {uri: found for uri, found in checked_on_disk(scenario).items() if found}
        while {uri: found for uri, found in shown.items() if found} != want:
            try:
                params = client.wait_for("textDocument/publishDiagnostics", timeout=60)
            except ServerError:
                got = {uri: found for uri, found in shown.items() if found}
                pytest.fail(f"the server's diagnostics\n{got}\nare not `chronicle check`'s\n{want}")
            shown[params["uri"]] = published(params)

    agree()
    good = evening.text
    save(evening, good.replace("goto: supper", "goto: suppr", 1))  # a wrong goto
    agree()
    assert any(code == "E201" for code, *_ in shown[evening.uri])
    save(evening, evening.text.replace("    title: ", "    title: Twenty: minutes ", 1))  # stops parsing
    agree()
    assert {code for code, *_ in shown[evening.uri]} >= {"E004", "N001"}
    save(evening, good.replace("goto: supper", "goto: suppr", 1))  # repaired (the wrong goto stays)
    agree()
    save(evening, good.replace("\n  artillery_leaves:\n", "\n  guns_leave:\n", 1))  # afternoon.yaml goes there
    agree()
    afternoon = (scenario / "scenes" / "afternoon.yaml").resolve().as_uri()
    assert [code for code, *_ in shown[afternoon]].count("E201") == 3
    save(evening, good.replace("historical: true", "neutral: true"))  # the historical path, checked last, stops
    agree()
    assert "W510" in {code for found in shown.values() for code, *_ in found}
    save(evening, good.replace("The", "Then the", 1))  # clean again
    agree()
    assert not any(shown.values())
    # a closed file is what is on disk
    meta = Doc(client, scenario / "scenario.yaml")
    save(meta, meta.text.replace("variables:\n", "variables:\n  never_used:\n    type: int\n    initial: 0\n", 1))
    agree()
    assert [code for code, *_ in shown[meta.uri]] == ["W502"]


def test_a_broken_source_index_is_said_where_check_says_it(client: Client, scenario: Path) -> None:
    """The scenario's own source texts cannot be read: the server says so on the index, with the
    place `chronicle check` gives, and keeps serving."""
    index = scenario / "sources" / "index.yaml"
    index.parent.mkdir()
    index.write_text("format: [1\n", encoding="utf-8")
    doc = Doc(client, scenario / "scenario.yaml")
    params = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == index.resolve().as_uri())
    [d] = params["diagnostics"]
    assert d["code"] == "SEED002" and d["severity"] == 1 and "not valid YAML" in d["message"]
    assert d["range"]["start"]["line"] == 1  # line 2 of the index, as check says
    assert "noon_session" in labels(doc.ask("textDocument/completion", doc.at("start: noon", 7)))  # still serving
