"""The `chronicle` command: a thin dispatcher over lazily imported command modules.

Each command lives in `engine/commands/<name>.py` with `configure(parser)` and `run(args)`;
only the command that runs is imported, so start-up stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from engine import __version__

COMMANDS: dict[str, str] = {
    "play": "play a scenario in the terminal (the default)",
    "check": "validate scenarios and report every problem",
    "list": "list the scenarios",
    "schema": "print the JSON Schema of the scenario format",
    "sources": "the grounding report: citations, verification, disputes",
    "saves": "list, show, delete, export and import saved games",
    "new": "scaffold a new scenario",
    "explore": "explore every reachable state of a scenario",
    "randomtest": "seeded random playthroughs of a scenario",
    "map": "draw the story graph (mermaid, dot, svg)",
    "replay": "run a golden test plan, or --bless one from a transcript or save",
    "stats": "scenes, choices, endings, citations and words per scenario",
    "report": "a class report from students' transcripts",
    "export": "export a transcript or a worksheet as Markdown or HTML",
    "bench": "measure load, step, exploration, start-up and save speed",
    "lsp": "the language server for editors (over stdio)",
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: chronicle [COMMAND] [ARGS ...]   (chronicle COMMAND --help for more)", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets '?'
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    if args and args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if args and args[0] == "--version":
        print(f"chronicle {__version__}")
        return 0
    if not args or args[0].startswith("-"):
        args.insert(0, "play")
    name = args[0]
    if name not in COMMANDS:
        from engine.base.diagnostics import did_you_mean

        hint = did_you_mean(name, COMMANDS)
        print(f"chronicle: unknown command {name!r}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    module = importlib.import_module(f"engine.commands.{name}")
    parser = argparse.ArgumentParser(prog=f"chronicle {name}", description=COMMANDS[name])
    module.configure(parser)
    try:
        ns = parser.parse_args(args[1:])
    except SystemExit as exc:  # argparse: 2 on usage errors, 0 for --help
        return int(exc.code or 0)
    try:
        return int(module.run(ns))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_pipe()


def _quiet_pipe() -> int:
    import os

    try:  # silence the interpreter's own complaint at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return 0
