"""`chronicle saves list|show|delete|export|import`: manage saved games.

The saves folder is `--saves DIR`, else $CHRONICLE_SAVES, else the checkout's saves/ (from a checkout)
or `saves` in the per-user data folder (installed); `list` and `--help` say which.
`list --json` gives, per slot: scenario, slot, scene, place, historical time, real time saved,
and whether the slot still fits its scenario (null when the scenario cannot be loaded).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.core.model import Story
    from engine.saves.store import SaveStore, SlotInfo


def configure(p: argparse.ArgumentParser) -> None:
    from engine.saves.store import saves_folder

    now = saves_folder()

    def folder_option(parser: argparse.ArgumentParser, default: object) -> None:
        parser.add_argument("--saves", metavar="DIR", default=default,
                            help=f"the saves folder (now: {now}; default: $CHRONICLE_SAVES, else saves/ of a "
                                 "checkout or the per-user data folder)")

    folder_option(p, None)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sub.add_parser("list", help="list the saved games, newest first")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--no-check", action="store_true", help="do not check the saves against their scenarios")
    show = sub.add_parser("show", help="show one saved game and whether it still fits its scenario")
    show.add_argument("slot")
    show.add_argument("--json", action="store_true")
    delete = sub.add_parser("delete", help="delete a saved game (and its backup)")
    delete.add_argument("slot")
    export = sub.add_parser("export", help="copy a saved game to a file or folder")
    export.add_argument("slot")
    export.add_argument("dest", help="a file name, or a folder to put SLOT.save.json in")
    export.add_argument("--force", action="store_true", help="replace DEST if it exists")
    imp = sub.add_parser("import", help="check a save file and add it to the saves folder")
    imp.add_argument("file")
    imp.add_argument("--as", dest="slot", metavar="SLOT", help="the slot name (default: the name in the file)")
    imp.add_argument("--force", action="store_true", help="replace an existing slot of that name")
    for parser in (ls, show, delete, export, imp):
        folder_option(parser, argparse.SUPPRESS)
        parser.add_argument("--root", default=argparse.SUPPRESS,
                            help="the scenarios folder used to check saves (default: the scenario search path)")
    p.add_argument("--root", default=None, help=argparse.SUPPRESS)
    p.set_defaults(action="list", json=False, no_check=False)


class _Stories:
    """Scenarios loaded on demand, once each; None (with a reason) when one cannot be loaded."""

    def __init__(self, root: str | None) -> None:
        self.root = root
        self.cache: dict[str, tuple[Story | None, str]] = {}

    def get(self, scenario: str) -> tuple[Story | None, str]:
        if scenario not in self.cache:
            self.cache[scenario] = self._load(scenario)
        return self.cache[scenario]

    def _load(self, scenario: str) -> tuple[Story | None, str]:
        from engine.base.diagnostics import ChronicleError
        from engine.build.loader import list_scenarios, load_story

        try:
            if self.root:
                match = [f for f in list_scenarios(Path(self.root)) if f.name == scenario]
                if not match:
                    return None, f'the scenario "{scenario}" is not in {self.root}'
                return load_story(match[0]), ""
            return load_story(scenario), ""
        except ChronicleError as exc:
            first = exc.errors[0].message if exc.errors else str(exc)
            return None, f'the scenario "{scenario}" cannot be loaded: {first}'
        except (OSError, ValueError) as exc:
            return None, f'the scenario "{scenario}" cannot be loaded: {exc}'


def _check(store: SaveStore, info: SlotInfo, stories: _Stories) -> tuple[bool | None, str]:
    """(fits, message): whether the slot loads into its scenario, and the notice or the problem."""
    from engine.saves.store import SaveError

    if info.problem is not None:
        return False, info.problem
    story, why = stories.get(info.scenario)
    if story is None:
        return None, why
    try:
        loaded = store.load(info.slot, story)
    except SaveError as exc:
        return False, exc.message
    return True, loaded.notice or ""


def _local(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _list(store: SaveStore, args: argparse.Namespace) -> int:
    from dataclasses import replace

    stories = _Stories(getattr(args, "root", None))
    rows: list[tuple[SlotInfo, str]] = []
    for info in store.slots():
        message = info.problem or ""
        if not args.no_check:
            fits, message = _check(store, info, stories)
            info = replace(info, fits=fits)
        rows.append((info, message))
    if args.json:
        out = []
        for info, message in rows:
            item = info.as_json()
            item["message"] = message or None
            out.append(item)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(f"No saved games in {store.folder}.")
        return 0
    print(f"Saved games in {store.folder} (newest first):")
    for info, message in rows:
        mark = {True: "fits", False: "DOES NOT FIT", None: "not checked"}[info.fits]
        if info.problem is not None:
            print(f"  {info.slot:<24} damaged: {info.problem}")
            continue
        print(f"  {info.slot:<24} {info.scenario} — {info.scene_title or info.scene} ({info.place}), {info.clock}; "
              f"saved {_local(info.saved_at)} [{mark}]")
        if message and info.fits is not True:
            print(f"  {'':<24} {message}")
    return 0


def _show(store: SaveStore, args: argparse.Namespace) -> int:
    info = store.info(args.slot)
    fits, message = _check(store, info, _Stories(getattr(args, "root", None)))
    data = None
    if info.problem is None:
        data = store.read(info.slot)
    if args.json:
        item = info.as_json()
        item.update(fits=fits, message=message or None)
        if data is not None:
            item.update(engine=data.engine, format=data.format, content_hash=data.content_hash,
                        variables=data.variables, choices=list(data.path))
        print(json.dumps(item, indent=2, ensure_ascii=False))
        return 0
    print(f"Save:       {info.slot}  ({info.path})")
    if data is None:
        print(f"Damaged:    {info.problem}")
        if store.backup_available(info.slot):
            print("Backup:     its previous version is intact; load it in the game (load " + info.slot + ")")
        return 1
    print(f"Scenario:   {data.scenario} ({data.title})")
    print(f"Scene:      {data.scene_title or data.scene}, {data.place}")
    print(f"Time:       {data.clock_text}")
    print(f"Saved:      {_local(data.saved_at)} (Chronicle {data.engine}, save format {data.format})")
    print(f"Choices:    {len(data.path)}")
    if data.variables:
        print("Variables:  " + ", ".join(f"{k} = {v!r}" for k, v in data.variables.items()))
    state = {True: "yes", False: "no", None: "cannot tell"}[fits]
    print(f"Fits:       {state}" + (f" — {message}" if message else ""))
    return 0


def run(args: argparse.Namespace) -> int:
    from engine.saves.store import SaveError, SaveStore

    try:
        store = SaveStore(args.saves)
        if args.action == "list":
            return _list(store, args)
        if args.action == "show":
            return _show(store, args)
        if args.action == "delete":
            store.delete(args.slot)
            print(f'Deleted "{args.slot}".')
            return 0
        if args.action == "export":
            dest = store.export(args.slot, Path(args.dest), overwrite=args.force)
            print(f'Exported "{args.slot}" to {dest}.')
            return 0
        if args.action == "import":
            name = store.import_(Path(args.file), args.slot, overwrite=args.force)
            print(f'Imported {args.file} as "{name}".')
            return 0
    except SaveError as exc:
        print(f"chronicle saves: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"chronicle saves: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 2
