"""The one map of output formats: every command that writes documents reads its `--format` here.

A row names a format as `--format` takes it, with its file suffix (a command given `-o FILE` and
no `--format` writes the format FILE's name ends in) and, for the formats the document model
renders (`engine.classroom.document`), the renderer. A command offers
a list of these names (its `--format` choices, made by `format_option`) and dispatches on them:
the exports and the class report render their documents with `render_document` in every format
of `document_formats()`, so a new row with a renderer is offered by all of them at once; formats
only one kind of output has (the report's json and csv, the map's dot and svg) are written by
that kind's own renderers, keyed by these names.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from engine.classroom.document import Document, to_html, to_markdown

__all__ = ["FORMATS", "OutputFormat", "document_formats", "format_option", "render_document", "settle_format"]


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its `--format` name, file suffix, and how a document renders in it."""

    name: str
    suffix: str  # what a file in this format is named with (`-o FILE` without --format picks the format)
    document: Callable[[Document], str] | None = None  # the document model in this format (None: not a document)


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("text", ".txt"),
    OutputFormat("md", ".md", to_markdown),
    OutputFormat("html", ".html", to_html),
    OutputFormat("json", ".json"),
    OutputFormat("csv", ".csv"),
    OutputFormat("mermaid", ".mmd"),
    OutputFormat("dot", ".dot"),
    OutputFormat("svg", ".svg"),
)}


def document_formats() -> tuple[str, ...]:
    """The formats every document (an export, the class report) is written in, in the order offered."""
    return tuple(name for name, f in FORMATS.items() if f.document is not None)


def render_document(doc: Document, fmt: str) -> str:
    """The document in the format named `fmt` (one of `document_formats()`)."""
    row = FORMATS.get(fmt)
    if row is None or row.document is None:
        raise ValueError(f"unknown format {fmt!r}")
    return row.document(doc)


def format_option(parser: argparse.ArgumentParser, names: Sequence[str], default: str,
                  help: str | None = None, *, by_output: bool = True) -> None:
    """The command's `--format` option: `names` (each a row of `FORMATS`) as its choices. Not
    given, it is settled after parsing (`settle_format`): with `by_output` (a command with `-o FILE`),
    the format whose suffix FILE's name ends in, when the command offers it; else `default`."""
    unknown = [n for n in names if n not in FORMATS]
    if unknown or default not in names:
        raise ValueError(f"formats not in engine.classroom.formats.FORMATS: {unknown or [default]}")
    example = next((FORMATS[n].suffix for n in names if n != default), FORMATS[default].suffix)
    said = f"default: {default}" + (f", or the one the -o file's name ends in, such as {example}" if by_output else "")
    parser.add_argument("--format", choices=tuple(names), default=None,
                        help=f"{help or ', '.join(names)} ({said})")
    parser.set_defaults(format_offered=(tuple(names), default, by_output))


def settle_format(args: argparse.Namespace, who: str = "chronicle") -> None:
    """`args.format` after parsing a command made with `format_option`: as given; else the one the
    `-o` file's suffix names (`report -o class.html` writes HTML), when the command offers it and
    takes its format from `-o`; else the command's default (said on stderr when the suffix names a
    format the command does not write, so `map -o m.html` is not a surprise)."""
    offered = getattr(args, "format_offered", None)
    if offered is None or getattr(args, "format", None) is not None:
        return
    names, default, by_output = offered
    output = getattr(args, "output", None)
    suffix = PurePath(output).suffix.lower() if by_output and isinstance(output, str) else ""
    named = next((n for n, row in FORMATS.items() if suffix and row.suffix == suffix), None)
    args.format = named if named in names else default
    if named is not None and named not in names:
        print(f"{who}: writing {default} to {output} ({who.split()[-1]} writes {', '.join(names)}; "
              "--format chooses)", file=sys.stderr)
