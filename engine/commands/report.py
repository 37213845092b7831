"""`chronicle report <files or folders> [--format text|md|html|json] [-o FILE]`: a class report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.base.diagnostics import ChronicleError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="transcript files (.jsonl) or folders holding them (e.g. saves/transcripts)")
    p.add_argument("--format", choices=("text", "md", "html", "json"), default="text",
                   help="text (tables for the terminal, the default), md, html (a self-contained page) or json")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of the screen")
    p.add_argument("--scenarios", metavar="DIR",
                   help="the folder holding the scenario (default: the scenarios folder)")
    p.add_argument("--scenario", metavar="ID",
                   help="report on this scenario when the transcripts are of several (default: the most played)")


def write_output(text: str, output: str | None) -> int:
    """Print, or write to a file (atomically); 0 on success, 1 with a message on failure."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    path = Path(output)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        print(f"chronicle: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    from engine.classroom.report import build_report, collect, render

    try:
        got = collect(args.paths, scenarios=args.scenarios, scenario=args.scenario)
    except ChronicleError as exc:
        for d in exc.diagnostics:
            print(f"chronicle report: {d.message}" + (f" ({d.hint})" if d.hint else ""), file=sys.stderr)
            if d.code != "R001" and d.path:
                print(f"    {d.format()}", file=sys.stderr)
        return 1
    report = build_report(got.story, got.playthroughs, got.skipped)
    for f, why in report.skipped:
        print(f"warning: skipped {f}: {why}" if why else f"warning: {f}", file=sys.stderr)
    for f, why in report.flagged:
        print(f"warning: {f}: {why}", file=sys.stderr)
    if not report.rows:
        print("chronicle report: no usable transcripts of this scenario", file=sys.stderr)
        return 1
    from engine.base import colour

    color = args.format == "text" and args.output is None and colour.wanted(sys.stdout.isatty())
    width = 100
    if args.output is None and sys.stdout.isatty():
        import shutil

        width = max(60, min(160, shutil.get_terminal_size().columns))
    return write_output(render(report, args.format, width=width, color=color), args.output)
