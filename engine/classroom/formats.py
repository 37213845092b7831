"""The one map of output formats: every command that writes documents reads its `--format` here.

A row names a format as `--format` takes it, with its file suffix, its media type and, for the
formats the document model renders (`engine.classroom.document`), the renderer. A command offers
a list of these names (its `--format` choices, made by `format_option`) and dispatches on them:
the exports and the class report render their documents with `render_document` in every format
of `document_formats()`, so a new row with a renderer is offered by all of them at once; formats
only one kind of output has (the report's json and csv, the map's dot and svg) are written by
that kind's own renderers, keyed by these names.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.classroom.document import Document, to_html, to_markdown

__all__ = ["FORMATS", "OutputFormat", "document_formats", "format_option", "render_document"]


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its `--format` name, file suffix, media type, and how a document renders in it."""

    name: str
    suffix: str
    media_type: str
    document: Callable[[Document], str] | None = None  # the document model in this format (None: not a document)


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("text", ".txt", "text/plain"),
    OutputFormat("md", ".md", "text/markdown", to_markdown),
    OutputFormat("html", ".html", "text/html", to_html),
    OutputFormat("json", ".json", "application/json"),
    OutputFormat("csv", ".csv", "text/csv"),
    OutputFormat("mermaid", ".mmd", "text/vnd.mermaid"),
    OutputFormat("dot", ".dot", "text/vnd.graphviz"),
    OutputFormat("svg", ".svg", "image/svg+xml"),
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
                  help: str | None = None) -> None:
    """The command's `--format` option: `names` (each a row of `FORMATS`) as its choices."""
    unknown = [n for n in names if n not in FORMATS]
    if unknown or default not in names:
        raise ValueError(f"formats not in engine.classroom.formats.FORMATS: {unknown or [default]}")
    parser.add_argument("--format", choices=tuple(names), default=default, help=help)
