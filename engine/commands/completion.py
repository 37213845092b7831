"""`chronicle completion bash|zsh|fish`: print a shell completion script (argcomplete).

The script asks `chronicle` itself for completions at each Tab (`engine.cli` answers when argcomplete's
variables are set): commands, options, and scenario ids from the search path. Install it with, e.g.,
`chronicle completion bash > ~/.local/share/bash-completion/completions/chronicle`.
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")
# the positional arguments that name scenarios, by command: completed with the ids of the search path
SCENARIO_ARGUMENTS = {"play": "scenario", "check": "paths", "explore": "scenario", "map": "scenario",
                      "randomtest": "scenario", "sources": "scenarios", "stats": "scenarios", "replay": "plans"}


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def scenario_ids(prefix: str = "", **_: object) -> list[str]:
    """argcomplete completer: the ids of the scenarios on the search path that start with `prefix`."""
    from engine.build.loader import search

    return [f.id for f in search() if f.id.startswith(prefix)]


def run(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    print(shellcode(["chronicle"], shell=args.shell), end="")
    return 0
