"""The one map of output formats (engine/classroom/formats.py): every command's `--format` reads it,
and a new document format is one row there, offered by every command that writes documents."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from engine.classroom.document import Document, Heading, Para
from engine.classroom.formats import FORMATS, OutputFormat, document_formats, format_option, render_document
from engine.classroom.report import build_report, collect, render_all
from engine.cli import full_parser, main
from tests.helpers import CLASSROOM, ROOT


def format_choices() -> dict[str, tuple[str, ...]]:
    """Every `--format` option of every command (and subcommand): its command and its choices."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if "--format" in action.option_strings:
                found[name] = tuple(action.choices or ())
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}".strip())

    walk(full_parser(), "")
    return found


def test_every_format_option_offers_formats_of_the_map() -> None:
    found = format_choices()
    assert {"report", "export transcript", "export worksheet", "export guide", "timeline", "map"} <= set(found)
    for command, choices in found.items():
        assert choices and set(choices) <= set(FORMATS), f"chronicle {command}: {choices}"


def test_no_command_makes_its_own_format_option() -> None:
    engine = ROOT / "engine"
    makers = [p.relative_to(engine).as_posix() for p in engine.rglob("*.py") if '"--format"' in p.read_text("utf-8")]
    assert makers == ["classroom/formats.py"], "make --format with engine.classroom.formats.format_option"
    assert format_choices()["check"] == ("text", "json")


def test_every_command_that_writes_documents_offers_every_document_format() -> None:
    found = format_choices()
    assert document_formats() == ("md", "html")
    for command in ("report", "export transcript", "export worksheet", "export guide"):
        assert set(document_formats()) <= set(found[command]), command
    assert found["report"] == ("text", "md", "html", "json", "csv")  # the order --help shows


def test_rows_are_well_formed() -> None:
    for name, row in FORMATS.items():
        assert row.name == name and row.suffix.startswith(".") and row.suffix == row.suffix.lower()
    assert len({row.suffix for row in FORMATS.values()}) == len(FORMATS)  # a file name picks one format


def test_render_document_in_each_format_and_refuse_others() -> None:
    doc = Document("Title <1>", [Heading("A & B"), Para("text")])
    assert render_document(doc, "md").startswith("# Title")
    assert "Title &lt;1&gt;" in render_document(doc, "html")
    for bad in ("pdf", "json"):
        with pytest.raises(ValueError):
            render_document(doc, bad)
    with pytest.raises(ValueError):
        format_option(argparse.ArgumentParser(), ("md", "pdf"), "md")


def test_a_new_document_format_is_one_row(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def plain(doc: Document) -> str:
        return f"PLAIN {doc.title} ({len(doc.blocks)} blocks)\n"

    monkeypatch.setitem(FORMATS, "plain", OutputFormat("plain", ".plain", plain))
    assert main(["export", "worksheet", "malachite_hall", "--format", "plain"]) == 0
    assert capsys.readouterr().out.startswith("PLAIN ")
    got = collect([CLASSROOM / "class"], scenarios=CLASSROOM)
    report = build_report(got.story, got.playthroughs, got.skipped)
    assert render_all([report], "plain").startswith("PLAIN Class report")
    assert "plain" in format_choices()["report"]


@pytest.mark.parametrize(("command", "name", "wanted"), [
    (["report", str(CLASSROOM / "class"), "--scenarios", str(CLASSROOM)], "class.html", "html"),
    (["report", str(CLASSROOM / "class"), "--scenarios", str(CLASSROOM)], "class.CSV", "csv"),
    (["report", str(CLASSROOM / "class"), "--scenarios", str(CLASSROOM)], "class.report", "text"),  # the default
    (["export", "worksheet", str(CLASSROOM / "lesson")], "sheet.html", "html"),
    (["export", "worksheet", str(CLASSROOM / "lesson")], "sheet.txt", "md"),  # not offered: the default
    (["map", str(CLASSROOM / "lesson")], "map.dot", "dot"),
    (["timeline", str(CLASSROOM / "lesson")], "night.md", "md"),
])
def test_without_format_the_output_file_name_chooses(command: list[str], name: str, wanted: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--format", wanted]) == 0
    expected = capsys.readouterr().out
    assert main([*command, "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / name).read_text(encoding="utf-8") == expected


def test_a_format_given_wins_over_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", str(CLASSROOM / "class"), "--scenarios", str(CLASSROOM)]
    assert main([*args, "--format", "md", "-o", str(tmp_path / "class.html")]) == 0
    assert (tmp_path / "class.html").read_text(encoding="utf-8").startswith("# Class report")


def test_a_file_name_naming_a_format_the_command_does_not_write(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "map.html"  # html: a format, but not one the map writes
    assert main(["map", str(CLASSROOM / "lesson"), "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("flowchart")  # the default, mermaid
    err = capsys.readouterr().err
    assert f"chronicle map: writing mermaid to {target}" in err and "--format chooses" in err
    assert "such as .dot)" in format_help("map") and "such as .md)" in format_help("report")  # its own suffixes


def format_help(command: str) -> str:
    for action in full_parser()._subparsers._group_actions[0].choices[command]._actions:  # type: ignore[union-attr]
        if "--format" in action.option_strings:
            return str(action.help)
    raise AssertionError(command)


def test_a_command_without_output_takes_no_format_from_a_file_name() -> None:
    from engine.classroom.formats import settle_format

    parser = argparse.ArgumentParser()
    format_option(parser, ("text", "json"), "text", by_output=False)
    parser.add_argument("--output")
    args = parser.parse_args(["--output", "x.json"])
    settle_format(args)
    assert args.format == "text"
    assert "-o" not in str(next(a for a in parser._actions if "--format" in a.option_strings).help)
