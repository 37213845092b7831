"""`chronicle saves list|show|delete|export|import`: manage saved games.

The saves folder is `--saves DIR`, else $CHRONICLE_SAVES, else the checkout's saves/ (from a checkout)
or `saves` in the per-user data folder (installed); `list` and `--help` say which.
`list --json` gives, per slot: scenario, slot, scene, place, historical time, real time saved,
and whether the slot still fits its scenario (null when the scenario cannot be loaded).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.base.safe_text import json_text

if TYPE_CHECKING:
    from engine.core.model import Story
    from engine.saves.store import Loaded, SaveStore, SlotInfo


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
    imp.add_argument("--unchecked", action="store_true",
                     help="import even a save that does not fit its scenario, or whose scenario cannot be loaded")
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
            return load_story(scenario, by_id=True), ""  # a save's scenario is an id, never a path
        except ChronicleError as exc:
            first = exc.errors[0].message if exc.errors else str(exc)
            return None, f'the scenario "{scenario}" cannot be loaded: {first}'
        except (OSError, ValueError) as exc:
            return None, f'the scenario "{scenario}" cannot be loaded: {exc}'


def _judge(store: SaveStore, info: SlotInfo, stories: _Stories) -> tuple[SlotInfo, str, Loaded | None]:
    """The slot judged against its scenario: (info, message, the loaded game or None).

    When the path replays, the info shown is recomputed from the replayed game (`verified`);
    otherwise it stays what the file claims, marked unverified.
    """
    from engine.base.valueclass import replace
    from engine.saves.store import SaveError

    if info.problem is not None:
        return replace(info, fits=False), info.problem, None
    story, why = stories.get(info.scenario)
    if story is None:
        return replace(info, fits=None), why, None
    try:
        loaded = store.load(info.slot, story)
    except SaveError as exc:
        return replace(info, fits=False), exc.message, None
    return info.verified_by(story, loaded.state), loaded.notice or "", loaded


def _line(text: object) -> str:
    from engine.base.safe_text import clean_line

    return clean_line(str(text))


def _engine_note(engine: str) -> str:
    from engine import ENGINE_VERSION
    from engine.saves.savefile import version_tuple

    theirs, ours = version_tuple(engine), version_tuple(ENGINE_VERSION)
    if not engine:
        return "Chronicle version not recorded"
    if theirs is not None and ours is not None and theirs > ours:
        return f"claims Chronicle {engine}, newer than this {ENGINE_VERSION}"
    return f"Chronicle {engine}"


def _local(iso: str) -> str:
    """A save's saved_at in local time (validated when the save was read); one in the future is
    marked, for the file's clock (or the file) is wrong."""
    from datetime import UTC, datetime, timedelta

    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return _line(iso)
    if when.tzinfo is None:
        return _line(iso)
    shown = when.astimezone().strftime("%Y-%m-%d %H:%M")
    return shown + (" (in the future?)" if when > datetime.now(UTC) + timedelta(days=1) else "")


def _list(store: SaveStore, args: argparse.Namespace) -> int:
    stories = _Stories(getattr(args, "root", None))
    rows: list[tuple[SlotInfo, str]] = []
    for info in store.slots():
        message = info.problem or ""
        if not args.no_check:
            info, message, _ = _judge(store, info, stories)
        rows.append((info, message))
    if args.json:
        out = []
        for info, message in rows:
            item = info.as_json()
            item["message"] = message or None
            out.append(item)
        print(json_text(out))
        return 0
    if not rows:
        print(f"No saved games in {store.folder}.")
        return 0
    print(f"Saved games in {store.folder} (newest first):")
    for info, message in rows:
        mark = {True: "fits", False: "DOES NOT FIT", None: "not checked"}[info.fits]
        if info.problem is not None:
            print(f"  {info.slot:<24} damaged: {_line(info.problem)}")
            continue
        claim = "" if info.verified else "unverified: "
        print(f"  {info.slot:<24} {info.scenario} — {claim}{_line(info.scene_title or info.scene)} "
              f"({_line(info.place)}), {_line(info.clock)}; saved {_local(info.saved_at)} [{mark}]")
        if message and info.fits is not True:
            print(f"  {'':<24} {_line(message)}")
    return 0


def _show(store: SaveStore, args: argparse.Namespace) -> int:
    info = store.info(args.slot)
    stories = _Stories(getattr(args, "root", None))
    info, message, loaded = _judge(store, info, stories)
    fits = info.fits
    data = None
    if info.problem is None:
        data = store.read(info.slot)
    variables: dict[str, object] = dict(data.variables) if data is not None else {}
    if loaded is not None and data is not None:  # what the replayed game holds, not what the file says
        story, _ = stories.get(info.scenario)
        if story is not None:
            variables = {v.name: loaded.state.vars[v.index] for v in story.variables}
    if args.json:
        item = info.as_json()
        item.update(fits=fits, message=message or None)
        if data is not None:
            item.update(engine=data.engine, format=data.format, content_hash=data.content_hash,
                        variables=variables, choices=list(data.path))
        print(json_text(item))
        return 0
    print(f"Save:       {info.slot}  ({info.path})")
    if data is None:
        print(f"Damaged:    {_line(info.problem)}")
        if store.backup_available(info.slot):
            print("Backup:     its previous version is intact; load it in the game (load " + info.slot + ")")
        return 1
    claim = "" if info.verified else "  [unverified: as the file says; its path was not replayed]"
    print(f"Scenario:   {data.scenario} ({_line(info.title)}){claim}")
    print(f"Scene:      {_line(info.scene_title or info.scene)}, {_line(info.place)}")
    print(f"Time:       {_line(info.clock)}")
    print(f"Saved:      {_local(data.saved_at)} ({_engine_note(data.engine)}, save format {data.format})")
    print(f"Choices:    {len(data.path)}")
    if variables:
        print("Variables:  " + ", ".join(f"{k} = {v!r}" for k, v in variables.items()))
    state = {True: "yes", False: "no", None: "cannot tell"}[fits]
    print(f"Fits:       {state}" + (f" — {_line(message)}" if message else ""))
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
            story = None
            if not args.unchecked:
                story, _ = _Stories(getattr(args, "root", None)).get(store.examine(Path(args.file)).scenario)
            name = store.import_(Path(args.file), args.slot, overwrite=args.force, story=story,
                                 unchecked=args.unchecked)
            print(f'Imported {args.file} as "{name}".')
            return 0
    except SaveError as exc:
        print(f"chronicle saves: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"chronicle saves: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 2
