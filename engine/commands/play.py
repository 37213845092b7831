"""`chronicle play [SCENARIO]`: play a scenario in the terminal (the default command).

Without a scenario, a picker lists them. The full UI (prompt_toolkit) runs on a
terminal; plain mode (`engine.play.plain`: linear text, one input line per turn) runs when asked
with --plain, when stdin or stdout is not a terminal, with NO_COLOR set or with TERM=dumb.
Only the chosen front end is imported, so plain mode never loads prompt_toolkit (and neither loads rich).
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
    from engine.saves.store import saves_folder

    p.add_argument("--saves", metavar="DIR",
                   help=f"the folder for saves and transcripts (now: {saves_folder()}; set by --saves, else "
                        "$CHRONICLE_SAVES, else saves/ of a checkout or the per-user data folder)")
    p.add_argument("--student", metavar="NAME", help="the student's name, written in the transcript")
    p.add_argument("--class", dest="class_name", metavar="NAME", help="the class, written in the transcript")
    p.add_argument("--chapter", metavar="NAME",
                   help="start at a chapter of the scenario (chronicle list shows them), with the state the "
                        "historical path has there")
    p.add_argument("--watch", action="store_true",
                   help="for authors: reload the scenario whenever one of its files changes, keeping your place")
    p.add_argument("--seed", type=_seed, metavar="N",
                   help="the order of the choices (0 to 4294967295); each game has a random one otherwise")


def _seed(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError("a seed is from 0 to 4294967295")
    return value


def _tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _readable(stream: object) -> bool:
    if stream is None:
        return False
    try:
        return not stream.closed  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def run(args: argparse.Namespace) -> int:
    from engine.play.session import plain_requested

    if not _readable(sys.stdin):
        print("chronicle play: standard input is closed, so there is nothing to read your choices from.\n"
              "  Run it from a terminal, or give it input: chronicle play SCENARIO < choices.txt", file=sys.stderr)
        return 1

    if plain_requested(args.plain, stdin_tty=_tty(sys.stdin), stdout_tty=_tty(sys.stdout)):
        from engine.play.plain import main

        return main(args)
    from engine.play.tui import main as tui_main

    return tui_main(args)
