"""The `chronicle` command: a thin dispatcher over lazily imported command modules.

Each command lives in `engine/commands/<name>.py` with `configure(parser)` and `run(args)`;
only the command that runs is imported, so start-up stays fast. `chronicle help CMD` is
`chronicle CMD --help`; `-V` is `--version`. Shell completion (`chronicle completion SHELL`) calls
back into `main` with argcomplete's variables set: only then is every command's parser built.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "timeline": "the scenes of every scenario on one clock, in both calendars",
    "report": "a class report from students' transcripts",
    "export": "export a transcript or a worksheet as Markdown or HTML",
    "bench": "measure load, step, exploration, start-up and save speed",
    "completion": "print a shell completion script (bash, zsh or fish)",
    "lsp": "the language server for editors (over stdio)",
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: chronicle [COMMAND] [ARGS ...]   (chronicle help COMMAND for more)",
             "       chronicle -V | --version", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with sys.stdout and sys.stderr behind the one terminal writer.

    As the program (`argv` None) the writer stays for the rest of the process, so even what the
    interpreter prints at exit passes it; called with arguments (tests, embedding) it is removed
    again when the command returns."""
    from engine.base.terminal import guarded, install

    if argv is None:
        install()
        return _main(argv)
    with guarded():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets '?'
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    if "_ARGCOMPLETE" in os.environ:  # a shell asks for completions (`chronicle completion SHELL`)
        return _complete()
    if args and args[0] == "help" and len(args) > 1 and args[1] in COMMANDS:
        args = [args[1], "--help"]
    if args and args[0] in ("-h", "--help", "help"):
        if len(args) > 1 and args[0] == "help":
            from engine.base.diagnostics import did_you_mean

            hint = did_you_mean(args[1], COMMANDS)
            print(f"chronicle help: unknown command {args[1]!r}" + (f"; {hint}" if hint else ""), file=sys.stderr)
            print(_usage(), file=sys.stderr)
            return 2
        print(_usage())
        return 0
    if args and args[0] in ("-V", "--version"):
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
    if hasattr(ns, "format_offered"):  # --format not given: from -o's file name, else the default
        from engine.classroom.formats import settle_format

        settle_format(ns, f"chronicle {name}")
    try:
        return int(module.run(ns))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_pipe()


def full_parser() -> argparse.ArgumentParser:
    """Every command's parser under one (for completion), scenario arguments completed with ids."""
    from engine.commands.completion import SCENARIO_ARGUMENTS, scenario_ids

    parser = argparse.ArgumentParser(prog="chronicle", description="Chronicle: interactive fiction for history")
    parser.add_argument("-V", "--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command")
    for name, text in COMMANDS.items():
        module = importlib.import_module(f"engine.commands.{name}")
        command = sub.add_parser(name, help=text, description=text)
        module.configure(command)
        for action in command._actions:
            if action.dest == SCENARIO_ARGUMENTS.get(name):
                action.completer = scenario_ids  # type: ignore[attr-defined]
    sub.add_parser("help", help="show a command's help").add_argument("topic", choices=list(COMMANDS))
    return parser


def _complete() -> int:
    import argcomplete

    argcomplete.autocomplete(full_parser())  # answers and exits while argcomplete's variables are set
    return 0


def _quiet_pipe() -> int:
    try:  # silence the interpreter's own complaint at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return 0
