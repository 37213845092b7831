"""`chronicle play [SCENARIO]`: play a scenario in the terminal (the default command).

Without a scenario, a picker lists them. The full UI (prompt_toolkit and rich) runs on a
terminal; plain mode (`engine.play.plain`: linear text, one input line per turn) runs when asked
with --plain, when stdin or stdout is not a terminal, with NO_COLOR set or with TERM=dumb.
Only the chosen front end is imported, so plain mode never loads rich or prompt_toolkit.
"""

from __future__ import annotations

import argparse
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help="a scenario id or folder (default: choose from a list)")
    p.add_argument("--continue", dest="resume", action="store_true",
                   help="resume your latest game (with --student NAME: that player's; with a scenario: of that one)")
    p.add_argument("--new", action="store_true",
                   help="start a new game; an unfinished one is kept as a save you can load")
    p.add_argument("--load", metavar="SLOT", help="load a saved game by name")
    p.add_argument("--plain", action="store_true",
                   help="plain text: no colour, no redraws, one input line per turn (screen readers, pipes)")
    p.add_argument("--saves", metavar="DIR", help="the folder for saves and transcripts (default: saves/)")
    p.add_argument("--student", metavar="NAME", help="the student's name, written in the transcript")
    p.add_argument("--class", dest="class_name", metavar="NAME", help="the class, written in the transcript")


def _tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def run(args: argparse.Namespace) -> int:
    from engine.play.session import plain_requested

    if plain_requested(args.plain, stdin_tty=_tty(sys.stdin), stdout_tty=_tty(sys.stdout)):
        from engine.play.plain import main

        return main(args)
    from engine.play.tui import main as tui_main

    return tui_main(args)
