"""`chronicle timeline [PATH ...] [--from HH:MM --to HH:MM] [--format text|md|html]`: one clock.

The scenes of every scenario (or those named) on one clock, in both calendars, day by day, with
the scenes that share an event linked; the data is `engine.tools.timeline`. Every string from a
scenario is escaped for the format it goes into (control characters removed for text, Markdown
markup escaped for md, HTML escaped for html).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from engine.base.diagnostics import ChronicleError
from engine.base.safe_text import clean_line
from engine.build.loader import load_story, resolve_scenarios
from engine.classroom.document import md
from engine.classroom.formats import format_option
from engine.classroom.htmlkit import esc, page
from engine.core.calendar import MONTHS, parse_time
from engine.core.model import Story
from engine.tools.timeline import Moment, Timeline, timeline

TITLE = "One clock: the scenes of every room"
KEY = ('Dates are Old Style (Julian), with New Style (Gregorian) in brackets. "after" marks a scene the '
       "record gives no time of its own: it follows the scene before it. (ours) marks a scene we invented.")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="scenario folders or ids (default: all of scenarios/)")
    p.add_argument("--from", dest="start", type=_time, metavar="HH:MM", help="from this time of day")
    p.add_argument("--to", dest="end", type=_time, metavar="HH:MM",
                   help="to this time of day (earlier than --from: across midnight)")
    format_option(p, tuple(RENDER), "text")
    p.add_argument("-o", "--output", help="write to this file instead of printing")


def _time(text: str) -> int:
    minutes = parse_time(text)
    if minutes is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time: write HH:MM, 24-hour, for example 21:40")
    return minutes


def run(args: argparse.Namespace) -> int:
    folders, problems = resolve_scenarios(args.paths)
    stories: list[Story] = []
    for folder in folders:
        try:
            stories.append(load_story(folder))
        except ChronicleError as exc:
            problems.extend(exc.diagnostics)
    for d in problems:
        print(d.format(), file=sys.stderr)
    if problems:
        print("the timeline needs scenarios that load: run chronicle check", file=sys.stderr)
        return 1
    whole = timeline(stories)
    text = RENDER[args.format](whole.between(args.start, args.end), whole)
    from engine.base.durable import write_output

    return write_output(text, args.output, "chronicle timeline")


# --- the pieces, in plain words --------------------------------------------------------------


def day_name(m: Moment) -> str:
    j, g = m.julian, m.gregorian
    alt = f"{g.day} {MONTHS[g.month - 1]}" + (f" {g.year}" if g.year != j.year else "")
    return f"{j.day} {MONTHS[j.month - 1]} {j.year} ({alt} N.S.)"


def clock(m: Moment) -> str:
    return m.time if m.exact else f"after {m.time}"


def _others(m: Moment, events: dict[str, tuple[Moment, ...]]) -> list[tuple[str, list[Moment]]]:
    """For each shared event of the scene: the scenes of the other scenarios that share it."""
    return [(ev, [o for o in events[ev] if o.scenario != m.scenario]) for ev in m.events if ev in events]


# --- text ------------------------------------------------------------------------------------


def _events(line: Timeline, whole: Timeline) -> dict[str, tuple[Moment, ...]]:
    """The shared events of the whole timeline that have a scene in the part shown."""
    shown = {m.anchor for m in line.moments}
    return {ev: ms for ev, ms in whole.events().items() if any(m.anchor in shown for m in ms)}


def timeline_text(line: Timeline, whole: Timeline) -> str:
    events = _events(line, whole)
    out = [TITLE, KEY, ""]
    if not line.moments:
        out.append("No scene falls in that time.")
    for _, moments in line.days():
        out.append(clean_line(day_name(moments[0])))
        for m in moments:
            ours = " (ours)" if m.invented else ""
            out.append(clean_line(f"  {clock(m):>11}  {m.scenario:<18} {m.title}{ours} — {m.place}"))
            for ev, others in _others(m, events):
                seen = ", ".join(dict.fromkeys(o.scenario for o in others))
                out.append(clean_line(f"{'':15}<-> {ev}: also in {seen}"))
        out.append("")
    if events:
        out.append("Shared events")
        for ev, moments in events.items():
            out.append(clean_line(f"  {ev}"))
            for m in moments:
                out.append(clean_line(f"    {day_name(m)}, {clock(m)} — {m.scenario}: {m.title}"))
    return "\n".join(out).rstrip() + "\n"


# --- Markdown --------------------------------------------------------------------------------


def timeline_md(line: Timeline, whole: Timeline) -> str:
    events = _events(line, whole)
    out = [f"# {md(TITLE)}", "", md(KEY), ""]
    if not line.moments:
        out += ["No scene falls in that time.", ""]
    for _, moments in line.days():
        out += [f"## {md(day_name(moments[0]))}", "", "| Time | Scenario | Scene | Place | Shared with |",
                "|---|---|---|---|---|"]
        for m in moments:
            ours = " *(ours)*" if m.invented else ""
            shared = "; ".join(f"{md(ev)}: " + ", ".join(f"{md(o.scenario)} ({md(clock(o))})" for o in others)
                               for ev, others in _others(m, events))
            out.append(f"| {md(clock(m))} | {md(m.scenario)} | {md(m.title)}{ours} | {md(m.place)} | "
                       f"{shared or ' '} |")
        out.append("")
    if events:
        out += ["## Shared events", ""]
        for ev, moments in events.items():
            out.append(f"- **{md(ev)}**: " + "; ".join(
                f"{md(m.scenario)}, {md(m.title)} ({md(day_name(m))}, {md(clock(m))})" for m in moments))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------


def timeline_html(line: Timeline, whole: Timeline) -> str:
    events = _events(line, whole)
    shown = {m.anchor for m in line.moments}

    def link(m: Moment) -> str:
        text = f"{esc(m.scenario)}: {esc(m.title)} ({esc(clock(m))})"
        return f'<a href="#{esc(m.anchor)}">{text}</a>' if m.anchor in shown else text

    out = [f"<h1>{esc(TITLE)}</h1>", f'<p class="muted">{esc(KEY)}</p>']
    if not line.moments:
        out.append("<p>No scene falls in that time.</p>")
    for _, moments in line.days():
        rows = []
        for m in moments:
            ours = ' <span class="tag">ours</span>' if m.invented else ""
            shared = "; ".join(f'<a href="#event-{esc(ev)}">{esc(ev)}</a>: ' + ", ".join(link(o) for o in others)
                               for ev, others in _others(m, events))
            rows.append(f'<tr id="{esc(m.anchor)}"><td>{esc(clock(m))}</td><td>{esc(m.scenario)}</td>'
                        f"<td>{esc(m.title)}{ours}</td><td>{esc(m.place)}</td><td>{shared}</td></tr>")
        out.append(f"<h2>{esc(day_name(moments[0]))}</h2>")
        out.append("<table><thead><tr><th>Time</th><th>Scenario</th><th>Scene</th><th>Place</th>"
                   f"<th>Shared with</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if events:
        out.append("<h2>Shared events</h2><ul>")
        for ev, moments in events.items():
            out.append(f'<li id="event-{esc(ev)}"><strong>{esc(ev)}</strong>: '
                       + "; ".join(f"{link(m)}, {esc(day_name(m))}" for m in moments) + "</li>")
        out.append("</ul>")
    return page(TITLE, "\n".join(out))


# the timeline in each format it is offered in (names from engine.classroom.formats.FORMATS)
RENDER: dict[str, Callable[[Timeline, Timeline], str]] = {
    "text": timeline_text, "md": timeline_md, "html": timeline_html}
