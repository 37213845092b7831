"""`chronicle export transcript|worksheet ... --format md|html [-o FILE]`, `chronicle export html`.

`export transcript <file>`: one student's playthrough, with its citations and debrief.
`export worksheet <scenario> [--chapter NAME]`: a printable worksheet for a lesson.
`export guide <scenario>`: the teacher's guide (note, times, decisions with what happened, disputes).
`export html <scenario> -o story.html` (or `--all -o class.html`): the game itself, one HTML file
that plays offline in any browser (`engine.classroom.player`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine.base.diagnostics import ChronicleError

if TYPE_CHECKING:
    from engine.record.sources import Record


def configure(p: argparse.ArgumentParser) -> None:
    from engine.classroom.formats import document_formats, format_option

    first = document_formats()[0]
    sub = p.add_subparsers(dest="what", required=True, metavar="transcript|worksheet|guide|html")
    t = sub.add_parser("transcript", help="one student's playthrough, with citations and debrief")
    t.add_argument("file", help="a transcript (.jsonl) from saves/transcripts/")
    w = sub.add_parser("worksheet", help="a printable worksheet for a scenario")
    w.add_argument("scenario", help="a scenario id or folder")
    w.add_argument("--chapter", metavar="NAME", help="only this chapter of the scenario (chronicle list shows them)")
    g = sub.add_parser("guide", help="the teacher's guide: note, times, decisions and what happened, disputes")
    g.add_argument("scenario", help="a scenario id or folder")
    for q in (t, w, g):
        format_option(q, document_formats(), first)
        q.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the screen")
        q.add_argument("--scenarios", metavar="DIR", help="the folder holding the scenario")
    h = sub.add_parser("html", help="the game as one HTML file that plays offline in any browser")
    h.add_argument("scenario", nargs="?", help="a scenario id or folder")
    h.add_argument("--all", action="store_true", help="every scenario in one file, with a picker")
    h.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the screen")


def _html(args: argparse.Namespace) -> int:
    from engine.base.durable import write_output
    from engine.build.loader import list_scenarios, load_story
    from engine.classroom.player import player_page

    if bool(args.all) == bool(args.scenario):
        print("chronicle export html: give one scenario, or --all for every scenario", file=sys.stderr)
        return 2
    refs = [str(p) for p in list_scenarios()] if args.all else [args.scenario]
    stories = []
    try:
        for ref in refs:
            stories.append(load_story(ref))
    except ChronicleError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    if not stories:
        print("chronicle export html: there is no scenario to export", file=sys.stderr)
        return 1
    return write_output(player_page(stories, _record()), args.output, "chronicle export")


def _record(folder: str = "") -> Record | None:
    from engine.record.sources import record_for

    try:
        return record_for(folder or None)
    except ChronicleError as exc:
        print(f"warning: the record cannot be read, citations are shown without places: {exc}",
              file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    from engine.base.durable import write_output
    from engine.classroom.export import guide_document, transcript_document, worksheet_document
    from engine.classroom.formats import render_document
    from engine.classroom.report import load_scenario
    from engine.format.schema import ID

    if args.what == "html":
        return _html(args)
    try:
        if args.what == "transcript":
            from pathlib import Path

            from engine.saves.transcript import read_transcript

            p = read_transcript(args.file)
            if not p.scenario:
                why = "; ".join(p.problems) or "not a transcript"
                print(f"chronicle export: cannot use {args.file}: {why}", file=sys.stderr)
                return 1
            if not p.complete:
                print(f"warning: {Path(args.file)}: " + "; ".join(p.problems), file=sys.stderr)
            story = load_scenario(p.scenario, args.scenarios)
            doc = transcript_document(p, story, _record(story.folder))
        else:
            if args.scenarios and ID.fullmatch(args.scenario):  # an id, in that folder; a path is loaded as given
                story = load_scenario(args.scenario, args.scenarios)
            else:
                from engine.build.loader import load_story

                story = load_story(args.scenario)
            if args.what == "guide":
                doc = guide_document(story, _record(story.folder))
            else:
                chapter = args.chapter
                if chapter is not None and chapter not in dict(story.chapters):
                    names = ", ".join(n for n, _ in story.chapters) or "none"
                    print(f'chronicle export: "{story.title}" has no chapter "{chapter}" (its chapters: {names})',
                          file=sys.stderr)
                    return 1
                doc = worksheet_document(story, _record(story.folder), chapter=chapter)
    except ChronicleError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    return write_output(render_document(doc, args.format), args.output, "chronicle export")
