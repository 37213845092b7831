"""`chronicle report <files or folders> [--format text|md|html|json|csv] [-o FILE] [--anonymize]`: a
class report, one section per scenario played."""

from __future__ import annotations

import argparse
import sys

from engine.base.diagnostics import ChronicleError
from engine.base.durable import write_output


def configure(p: argparse.ArgumentParser) -> None:
    from engine.classroom.formats import document_formats, format_option

    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="transcript files (.jsonl) or folders holding them (e.g. saves/transcripts)")
    format_option(p, ("text", *document_formats(), "json", "csv"), "text",
                  help="text (tables for the terminal), md, html (a self-contained page for the "
                        "projector), json, or csv (one row per student, for a gradebook)")
    p.add_argument("--anonymize", action="store_true",
                   help="call the students Student 1, Student 2 ... and name no files (for projecting)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of the screen")
    p.add_argument("--scenarios", metavar="DIR",
                   help="the folder holding the scenario (default: the scenarios folder)")
    p.add_argument("--scenario", metavar="ID",
                   help="report on this scenario only (default: every scenario played, one section each)")


def run(args: argparse.Namespace) -> int:
    from engine.classroom.report import anonymize, build_report, collect_all, render_all

    try:
        groups, skipped = collect_all(args.paths, scenarios=args.scenarios, scenario=args.scenario)
    except ChronicleError as exc:
        for d in exc.diagnostics:
            print(f"chronicle report: {d.message}" + (f" ({d.hint})" if d.hint else ""), file=sys.stderr)
            if d.code != "R001" and d.path:
                print(f"    {d.format()}", file=sys.stderr)
        return 1
    reports = [build_report(g.story, g.playthroughs, skipped if n == 0 else ()) for n, g in enumerate(groups)]
    reports = [r for r in reports if r.rows] or reports[:1]
    for report in reports:
        for f, why in report.skipped:
            print(f"warning: left out {f}: {why}" if why else f"warning: {f}", file=sys.stderr)
    if not any(r.rows for r in reports):
        print("chronicle report: no usable transcripts (every one was left out, above)", file=sys.stderr)
        return 1
    if args.anonymize:
        reports = anonymize(reports)
    from engine.base import colour

    color = args.format == "text" and args.output is None and colour.wanted(sys.stdout.isatty())
    width = 100
    if args.output is None and sys.stdout.isatty():
        import shutil

        width = max(60, min(160, shutil.get_terminal_size().columns))
    text = render_all(reports, args.format, width=width, color=color)
    if color:  # rich's colours, over text clean()ed piece by piece: the one styled stream of a report
        from engine.base.terminal import raw

        raw(sys.stdout).write(text)
        raw(sys.stdout).flush()
        return 0
    return write_output(text, args.output, "chronicle report")
