"""Saved games: named slots in a folder, written atomically, read as untrusted input.

A save holds the path (the stable choice ids taken) and a snapshot of the state; loading
replays the path through the current scenario with `engine.core.machine.replay`, so a save of an
edited scenario either still fits (loaded with a notice), or fails at a named step with the
last state that still fits offered (`SaveMismatch`) -- never a silent load into a wrong state.
Every failure is a `SaveError` with a message for the player. The file format is described in
`engine.saves.savefile`; writing and bounded reading in `engine.base.durable`; slot names in `engine.saves.slots`.
"""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION
from engine.base.durable import ReadRefused, clean_temp, link_or_copy, read_capped, write_atomic
from engine.base.valueclass import FrozenValueClass, replace, set_field
from engine.core.calendar import format_clock
from engine.core.machine import ChoiceError, replay
from engine.core.model import Game, State, Story
from engine.saves.errors import SaveError, SaveMismatch
from engine.saves.savefile import FORMAT, KIND, MAX_BYTES, SaveData, TooNew, decode, encode
from engine.saves.slots import (
    AUTOSAVE_PREFIX,
    autosave_slot,
    backup_filename,
    check_slot_name,
    is_autosave,
    kept_slot,
    slot_filename,
    slot_of_filename,
)

__all__ = [
    "AUTOSAVE_PREFIX",
    "Loaded",
    "SaveError",
    "SaveMismatch",
    "SaveStore",
    "SlotInfo",
    "check_slot_name",
    "saves_dir",
    "saves_folder",
]


def saves_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The saves folder: `override` (--saves DIR), else $CHRONICLE_SAVES, else the checkout's saves/
    (from a checkout) or `saves` in the per-user data folder (installed).

    Created if missing; SaveError if it cannot be.
    """
    folder = saves_folder(override)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"cannot use the saves folder {folder}: {_why(exc)}") from None
    if not folder.is_dir():
        raise SaveError(f"cannot use the saves folder {folder}: it is not a folder")
    return folder


def saves_folder(override: str | os.PathLike[str] | None = None) -> Path:
    """The saves folder `saves_dir` would use, without creating it."""
    if override is not None and str(override):
        folder = Path(override)
    elif os.environ.get("CHRONICLE_SAVES"):
        folder = Path(os.environ["CHRONICLE_SAVES"])
    else:
        from engine.base.paths import default_saves_dir

        folder = default_saves_dir()
    return folder.expanduser()


class Loaded(FrozenValueClass):
    """A saved game read back: its state, and a notice for the player if any.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("state", "notice", "game")
    state: State
    notice: str | None
    game: Game | None

    def __init__(self, state: State, notice: str | None = None, game: Game | None = None) -> None:
        set_field(self, "state", state)
        set_field(self, "notice", notice)
        set_field(self, "game", game)  # the game the save belongs to (None: a save from before games had ids)


class SlotInfo(FrozenValueClass):
    """What the list of saves shows about one slot (written out rather than a frozen dataclass: issue 16)."""

    __match_args__ = ("slot", "scenario", "scene", "place", "clock", "saved_at", "path", "fits", "problem", "title",
                      "steps", "scene_title", "verified")
    slot: str
    scenario: str
    scene: str
    place: str
    clock: str
    saved_at: str
    path: Path
    fits: bool | None  # None when not checked against the scenario
    problem: str | None  # set when the slot cannot be read (it is damaged or too new)
    title: str  # the scenario's title at the time of saving
    steps: int
    scene_title: str
    # True when title, scene, place and clock were recomputed from the path replayed through the
    # scenario (`verified()`); False when they are only what the file claims
    verified: bool

    def __init__(self, slot: str, scenario: str, scene: str, place: str, clock: str, saved_at: str, path: Path,
                 fits: bool | None = None, problem: str | None = None, title: str = "", steps: int = 0,
                 scene_title: str = "", verified: bool = False) -> None:
        set_field(self, "slot", slot)
        set_field(self, "scenario", scenario)
        set_field(self, "scene", scene)
        set_field(self, "place", place)
        set_field(self, "clock", clock)
        set_field(self, "saved_at", saved_at)
        set_field(self, "path", path)
        set_field(self, "fits", fits)
        set_field(self, "problem", problem)
        set_field(self, "title", title)
        set_field(self, "steps", steps)
        set_field(self, "scene_title", scene_title)
        set_field(self, "verified", verified)

    def as_json(self) -> dict[str, object]:
        return {"slot": self.slot, "scenario": self.scenario, "title": self.title, "scene": self.scene,
                "scene_title": self.scene_title, "place": self.place, "clock": self.clock, "saved_at": self.saved_at,
                "steps": self.steps, "fits": self.fits, "problem": self.problem, "path": str(self.path),
                "verified": self.verified}

    def verified_by(self, story: Story, state: State) -> SlotInfo:
        """This slot as the replayed game shows it: what the file claimed is replaced."""
        sc = story.scenes.get(state.scene)
        return replace(self, fits=True, verified=True, title=story.title, scene=state.scene,
                       scene_title=sc.title if sc else state.scene, place=sc.place if sc else "",
                       clock=format_clock(story.start_date, story.calendar, state.clock), steps=len(state.path))


def _why(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "your disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.EIO: "the disk reported an input/output error",
        errno.ENOENT: "the file or folder does not exist",
        errno.ENAMETOOLONG: "the name is too long",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def snapshot(story: Story, state: State) -> dict[str, Any]:
    """The state by name: scene, variables, visit counts of tracked scenes, clock."""
    return {
        "scene": state.scene,
        "variables": {v.name: state.vars[v.index] for v in story.variables},
        "visits": dict(zip(story.tracked, state.visits, strict=True)),
        "clock": state.clock,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if old["scene"] != new["scene"]:
        out.append(f'the scene is now "{new["scene"]}" (it was "{old["scene"]}")')
    ov, nv = old["variables"], new["variables"]
    for name in nv:
        if name not in ov:
            out.append(f"{name} is new ({nv[name]!r})")
        elif ov[name] != nv[name]:
            out.append(f"{name} is now {nv[name]!r} (it was {ov[name]!r})")
    out += [f"{name} is gone" for name in ov if name not in nv]
    if old["clock"] != new["clock"]:
        out.append("the time is different")
    return out


class SaveStore:
    """The save slots in one folder."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = saves_dir(folder)
        self._root = self.folder.resolve()
        # slot -> (inode, size, mtime_ns) of the last version this store wrote or checked:
        # the previous version is known good without reading it again (keeps autosave fast)
        self._known_good: dict[str, tuple[int, int, int]] = {}
        self.cleaned = clean_temp(self.folder)

    # --- files ----------------------------------------------------------------------------

    def _file(self, slot: str, *, backup: bool = False) -> Path:
        name = backup_filename(slot) if backup else slot_filename(slot)
        path = self.folder / name
        if path.resolve().parent != self._root:
            raise SaveError(f'the save "{slot}" points outside the saves folder; it is not used')
        return path

    def _read(self, path: Path) -> bytes:
        try:
            return read_capped(path, MAX_BYTES)
        except ReadRefused as exc:
            if exc.size:
                raise SaveError(f"the file is too large to be a save ({exc.size:,} bytes; "
                                f"saves are at most {MAX_BYTES:,})") from None
            raise SaveError(f"the file is not a save: {exc}") from None
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise SaveError(f"the file cannot be read: {_why(exc)}") from None

    def _exists(self, slot: str) -> bool:
        """Whether the slot or its backup is in the folder (as any kind of file)."""
        try:
            return any(os.path.lexists(self._file(slot, backup=b)) for b in (False, True))
        except SaveError:
            return False

    def _decode_file(self, path: Path) -> SaveData:
        return decode(self._read(path))

    def _backup_good(self, slot: str) -> bool:
        try:
            self._decode_file(self._file(slot, backup=True))
        except (SaveError, OSError):
            return False
        return True

    def _read_slot(self, slot: str, *, use_backup: bool = False) -> SaveData:
        """The checked data of a slot (or its backup); SaveError says what is wrong."""
        slot = check_slot_name(slot)
        path = self._file(slot, backup=use_backup)
        which = f'the backup of "{slot}"' if use_backup else f'the save "{slot}"'
        try:
            return self._decode_file(path)
        except FileNotFoundError:
            if use_backup:
                raise SaveError(f'there is no backup of the save "{slot}"') from None
            raise SaveError(f'there is no save named "{slot}"' + self._others_hint(),
                            backup_available=self._backup_good(slot)) from None
        except TooNew as exc:
            raise SaveError(f"{which} cannot be loaded: {exc.message}") from None
        except SaveError as exc:
            good = not use_backup and self._backup_good(slot)
            tail = " Its previous version (the backup) is intact and can be loaded instead." if good else ""
            raise SaveError(f"{which} cannot be loaded: {exc.message.rstrip('.')}.{tail}",
                            backup_available=good) from None

    def _others_hint(self) -> str:
        names = [i.slot for i in self.slots()][:8]
        return f" (the saves are: {', '.join(names)})" if names else ""

    # --- writing --------------------------------------------------------------------------

    def _document(self, slot: str, story: Story, state: State, game: Game | None = None) -> dict[str, Any]:
        sc = story.scenes.get(state.scene)
        doc = {
            "kind": KIND,
            "format": FORMAT,
            "engine": ENGINE_VERSION,
            "scenario": story.id,
            "content_hash": story.content_hash,
            "slot": slot,
            "saved_at": _now(),
            "path": list(state.path),
            "state": snapshot(story, state),
            "summary": {
                "title": story.title,
                "scene_title": sc.title if sc else state.scene,
                "place": sc.place if sc else "",
                "clock": format_clock(story.start_date, story.calendar, state.clock),
            },
        }
        if game is not None:
            doc["game"] = {"id": game.id, "seed": game.seed, "chapter": game.chapter}
        return doc

    def _keep_backup(self, slot: str, target: Path) -> None:
        """Make the slot's current version its backup, if it is a good save (a damaged or
        foreign file never replaces a good backup)."""
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            return
        import stat as stat_

        if not stat_.S_ISREG(st.st_mode):
            return
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        data = b""
        if self._known_good.get(slot) != key:
            try:
                data = self._read(target)
                decode(data)
            except TooNew:
                raise
            except (SaveError, OSError):
                return
        backup = self._file(slot, backup=True)
        try:
            if not data:
                data = self._read(target)
            link_or_copy(target, backup, data)
        except (SaveError, OSError):
            return  # the backup is a convenience: failing to refresh it never stops a save

    def save(self, slot: str, story: Story, state: State, game: Game | None = None) -> Path:
        """Write `state` to `slot` atomically, keeping the previous version as a backup.

        SaveError on failure, with the slot's previous version untouched.
        """
        slot = check_slot_name(slot)
        try:
            data = encode(self._document(slot, story, state, game))
        except (IndexError, KeyError, TypeError, ValueError):
            raise SaveError(f'could not save "{slot}": this game does not belong to the scenario '
                            f'"{story.id}" (a program error; please report it)') from None
        return self._write_slot(slot, data)

    def _write_slot(self, slot: str, data: bytes) -> Path:
        """Atomically replace a slot's file with `data`, keeping its previous version as backup."""
        target = self._file(slot)

        def rotate() -> None:
            try:
                self._keep_backup(slot, target)
            except TooNew as exc:
                raise SaveError(f'the save "{slot}" was written by a newer version of Chronicle and '
                                "is not overwritten; save under another name") from exc

        try:
            write_atomic(target, data, before_replace=rotate)
        except SaveError:
            raise
        except OSError as exc:
            raise SaveError(f'could not save "{slot}": {_why(exc)}. Your previous save is unchanged. '
                            "Free some space or choose another saves folder (--saves DIR).") from None
        try:
            st = os.lstat(target)
            self._known_good[slot] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            self._known_good.pop(slot, None)
        return target

    def autosave(self, story: Story, state: State, game: Game | None = None, slot: str | None = None) -> Path:
        """Save to the game's own slot (`slot`, by default ``autosave-<scenario>``)."""
        return self.save(slot or autosave_slot(story.id), story, state, game)

    def set_aside(self, slot: str, student: str | None = None) -> str | None:
        """Keep the game in `slot` under a new name before `slot` is given to another game.

        The new slot (``earlier-<scenario>[-<player>]-<date>``, see `engine.saves.slots.kept_slot`)
        is returned; None when there is nothing to keep (no save, or a game with no choice made).
        A damaged save whose backup is intact keeps the backup. SaveError if it cannot be written:
        then the caller must not overwrite `slot`.
        """
        slot = check_slot_name(slot)
        if not self._exists(slot):
            return None
        try:
            data = self._read_slot(slot)
        except SaveError as exc:
            if not exc.backup_available:
                return None
            data = self._read_slot(slot, use_backup=True)
        if not data.path:
            return None
        stamp = (data.saved_at[:16] or _now()[:16]).replace("T", "-").replace(":", "")
        name = kept_slot(data.scenario, student, stamp, lambda n: os.path.lexists(self._file(n)))
        self._write_slot(name, encode(_redocument(data, name)))
        return name

    # --- reading --------------------------------------------------------------------------

    def scenario_of(self, slot: str) -> str:
        """The id of the scenario a slot was saved from (to load that story first)."""
        return self._read_slot(slot).scenario

    def load(self, slot: str, story: Story, *, use_backup: bool = False) -> Loaded:
        """The state saved in `slot`, replayed through `story`.

        SaveMismatch if the scenario was edited so that the path no longer fits; SaveError for
        every other problem (missing, damaged, too new, another scenario's save).
        """
        slot = check_slot_name(slot)
        data = self._read_slot(slot, use_backup=use_backup)
        if data.scenario != story.id:
            raise SaveError(f'the save "{slot}" belongs to the scenario "{data.scenario}", '
                            f'not to "{story.id}"')
        loaded = self.restore(data, story, slot=None if use_backup else slot)
        if use_backup:
            note = f'Loaded the backup of "{slot}" (saved {data.saved_at[:19].replace("T", " ")} UTC).'
            loaded = Loaded(loaded.state, note + (" " + loaded.notice if loaded.notice else ""), loaded.game)
        return loaded

    def restore(self, data: SaveData, story: Story, *, slot: str | None = None) -> Loaded:
        """Replay a save's path through `story` and check it against the snapshot.

        `slot` names the slot it came from, whose backup is then offered on failure.
        """
        def backup() -> bool:
            return self._backup_good(slot) if slot else False

        game = Game(data.game_id, data.seed, data.chapter) if data.game_id else None

        same = bool(data.content_hash) and data.content_hash == story.content_hash
        try:
            state = replay(story, data.path)
        except ChoiceError as exc:
            step = exc.step + 1
            partial = replay(story, data.path[: exc.step])
            where = story.scenes[partial.scene]
            reason = "is not open at that point" if "not open" in str(exc) else "no longer exists there"
            first = (f'The save does not fit the scenario "{story.title}" it names (it may have been '
                     "edited by hand)" if same else
                     f'The scenario "{story.title}" has changed since this save, and your path no '
                     "longer fits")
            resume = (f'You can continue from step {step - 1}, the last point that still fits '
                      f'("{where.title}").' if step > 1 else "You can start again from the beginning.")
            raise SaveMismatch(f'{first}: at step {step} the choice "{exc.choice_id}" {reason}. {resume}',
                               step=step, partial=partial, backup_available=backup()) from None
        now = snapshot(story, state)
        old = {"scene": data.scene, "variables": data.variables, "visits": data.visits, "clock": data.clock}
        if same:
            if now != old:
                raise SaveError("the save is damaged: its saved state does not match its path",
                                backup_available=backup())
            return Loaded(state, None, game)
        notice = "The scenario has changed since this save; your path still fits."
        diffs = _differences(old, now)
        if diffs:
            notice += " Now " + "; ".join(diffs[:5]) + ("; ..." if len(diffs) > 5 else "") + "."
        return Loaded(state, notice, game)

    def read(self, slot: str, *, use_backup: bool = False) -> SaveData:
        """The checked contents of a slot (or its backup), without a scenario."""
        return self._read_slot(slot, use_backup=use_backup)

    def backup_available(self, slot: str) -> bool:
        """Whether the slot has an intact backup (its previous version)."""
        return self._backup_good(check_slot_name(slot))

    def fits(self, slot: str, story: Story) -> bool:
        """Whether the slot loads into `story` (with or without a notice)."""
        try:
            self.load(slot, story)
        except SaveError:
            return False
        return True

    def info(self, slot: str) -> SlotInfo:
        slot = check_slot_name(slot)
        path = self._file(slot)
        try:
            data = self._read_slot(slot)
        except SaveError as exc:
            if not path.exists():
                raise
            return SlotInfo(slot, "", "", "", "", _mtime_iso(path), path, False, exc.message)
        return SlotInfo(slot, data.scenario, data.scene, data.place, data.clock_text, data.saved_at,
                        path, None, None, data.title, len(data.path), data.scene_title)

    def slots(self) -> list[SlotInfo]:
        """Every slot in the folder, newest first (damaged ones too, with `problem` set)."""
        found: list[SlotInfo] = []
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            raise SaveError(f"cannot read the saves folder {self.folder}: {_why(exc)}") from None
        for name in names:
            slot = slot_of_filename(name)
            if slot is None:
                continue
            try:
                found.append(self.info(slot))
            except SaveError:
                continue  # vanished meanwhile
        found.sort(key=lambda i: (i.saved_at, i.slot), reverse=True)
        return found

    def latest_autosave(self) -> SlotInfo | None:
        for info in self.autosaves():
            return info
        return None

    def autosaves(self) -> list[SlotInfo]:
        """The readable autosaves in the folder (every scenario, every player), newest first."""
        return [i for i in self.slots() if is_autosave(i.slot) and i.problem is None]

    def unfinished(self, slot: str, story: Story) -> SlotInfo | None:
        """The game in `slot` if it is one to offer to continue: readable, of this scenario, at
        least one choice made, and not at an ending."""
        if not self._exists(slot):  # the usual case, answered without reading the folder
            return None
        try:
            info = self.info(slot)
        except (SaveError, OSError):
            return None
        if info.problem is not None or info.scenario != story.id or info.steps == 0:
            return None
        scene = story.scenes.get(info.scene)
        if scene is not None and scene.ending is not None:
            return None
        return info

    # --- managing -------------------------------------------------------------------------

    def delete(self, slot: str) -> None:
        """Remove a slot and its backup."""
        slot = check_slot_name(slot)
        target, backup = self._file(slot), self._file(slot, backup=True)
        if not os.path.lexists(target) and not os.path.lexists(backup):
            raise SaveError(f'there is no save named "{slot}"' + self._others_hint())
        for path in (target, backup):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise SaveError(f'could not delete "{slot}": {_why(exc)}') from None
        self._known_good.pop(slot, None)

    def export(self, slot: str, dest: Path, *, overwrite: bool = False) -> Path:
        """Copy a good save to `dest` (a file, or a folder to put `<slot>.save.json` in)."""
        slot = check_slot_name(slot)
        self._read_slot(slot)  # refuses a missing or damaged slot with the right message
        data = self._read(self._file(slot))
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / slot_filename(slot)
        if dest.exists() and not overwrite:
            raise SaveError(f"{dest} already exists; choose another name")
        try:
            write_atomic(dest, data)
        except OSError as exc:
            raise SaveError(f"could not write {dest}: {_why(exc)}") from None
        return dest

    def examine(self, src: Path) -> SaveData:
        """The checked contents of a save file outside the folder (a regular file, at most 1 MiB)."""
        src = Path(src)
        try:
            return decode(self._read(src))
        except FileNotFoundError:
            raise SaveError(f"{src} does not exist") from None
        except SaveError as exc:
            raise SaveError(f"{src} cannot be imported: {exc.message}") from None

    def import_(self, src: Path, slot: str | None = None, *, overwrite: bool = False,
                story: Story | None = None, unchecked: bool = False) -> str:
        """Copy a save file into the folder (checked first); the slot name it was stored under.

        The save must fit `story`, its scenario (its path is replayed through it); SaveError if it
        does not, or if there is no story to check it against, unless `unchecked`.
        Without `slot`, the name recorded in the file (or the file's name) is used, with "-2",
        "-3"... added rather than replacing an existing slot.
        """
        src = Path(src)
        data = self.examine(src)
        if not unchecked:
            if story is None or story.id != data.scenario:
                raise SaveError(f'{src} cannot be imported: it is a save of the scenario "{data.scenario}", '
                                "which cannot be loaded here, so it cannot be checked; import it anyway with "
                                "--unchecked")
            try:
                self.restore(data, story)
            except SaveError as exc:
                raise SaveError(f"{src} cannot be imported: it does not fit its scenario: {exc.message} "
                                "Import it anyway with --unchecked.") from None
        if slot is not None:
            name = check_slot_name(slot)
            if self._file(name).exists() and not overwrite:
                raise SaveError(f'there is already a save named "{name}"; choose another name')
        else:
            base = data.slot or src.name.removesuffix(".json").removesuffix(".save")
            try:
                base = check_slot_name(base)
            except SaveError:
                base = "imported"
            name, n = base, 1
            while self._file(name).exists():
                n += 1
                name = check_slot_name(f"{base[:58]}-{n}")
        self._write_slot(name, encode(_redocument(data, name)))
        return name


def _redocument(data: SaveData, slot: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": KIND, "format": data.format, "engine": data.engine, "scenario": data.scenario,
        "content_hash": data.content_hash, "slot": slot, "saved_at": data.saved_at,
        "path": list(data.path),
        "state": {"scene": data.scene, "variables": data.variables, "visits": data.visits,
                  "clock": data.clock},
        "summary": {"title": data.title, "scene_title": data.scene_title, "place": data.place,
                    "clock": data.clock_text},
    }
    if data.game_id:
        doc["game"] = {"id": data.game_id, "seed": data.seed, "chapter": data.chapter}
    return doc


def _mtime_iso(path: Path) -> str:
    try:
        ts = os.lstat(path).st_mtime
    except OSError:
        return ""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")

