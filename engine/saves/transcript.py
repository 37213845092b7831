"""Transcripts: one JSON Lines file per playthrough, written as the student plays.

Writing (`Transcript`): the terminal UI calls `scene`, `choice`, `undo`, `ending` and `close`.
Every event is one line, written with a single `os.write` on an unbuffered descriptor, so a
crash loses at most the line being written. The writer never raises: when the disk is full
or the folder read-only it sets `error` (once) and stops writing, and the game goes on.

Reading (`read_transcript`): bounded (files over `MAX_FILE` bytes are refused, lines over
`MAX_LINE` bytes skipped, JSON nesting deeper than `MAX_DEPTH` refused before parsing) and
forgiving: every problem becomes a note in `Playthrough.problems`, never an exception.

The events (``"event"`` key), in order:

- ``start``: format, student, class, scenario, title, content_hash, engine, started, and (format 2)
  game (the game's id: a continued or loaded game keeps it), seed (the order its choices are
  shown in, `engine.core.order`), chapter (null: from the beginning) and given (the choice ids
  of the historical path before the chapter, which the student did not make)
- ``scene``: scene, title, place, clock (formatted), step (choices taken so far)
- ``choice``: choice (stable id), scene, mark (historical / counterfactual / neutral / null),
  historical (the scene's historical choice id or null), text, seconds, to, step
- ``undo``: scene, step (the state after undoing)
- ``restart``: scene, step -- the student started again (everything undone; one playthrough)
- ``restore``: scene, step, path -- written before a scene whose path is not the one the
  transcript has followed (a saved game was loaded, or `--continue` resumed one)
- ``ending``: scene, kind, title, step, path (every choice id taken)
- ``end``: ended
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION
from engine.base.durable import ReadRefused, confined, read_capped
from engine.base.valueclass import FrozenValueClass, ValueClass, set_field
from engine.core.calendar import format_clock
from engine.core.model import Choice, Game, State, Story
from engine.saves.savefile import nesting_depth

__all__ = [
    "FORMAT",
    "MAX_FILE",
    "MAX_LINE",
    "ChoiceMade",
    "Playthrough",
    "Transcript",
    "find_transcripts",
    "read_transcript",
    "file_slug",
]

FORMAT = 2  # 2: game, seed, chapter and given in the header; the restart event
MAX_LINE = 64 * 1024  # bytes; longer lines are skipped when reading
MAX_FILE = 4 * 1024 * 1024  # bytes; larger files are refused
MAX_DEPTH = 8  # JSON nesting allowed in one event
MAX_TEXT = 4000  # characters kept of any text written
MAX_NAME = 120  # characters kept of a student or class name
SUFFIX = ".jsonl"

_NOT_SLUG = re.compile(r"[^\w]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def file_slug(name: str | None, fallback: str = "anonymous", limit: int = 40) -> str:
    """A file-name-safe form of a name: letters, digits and dashes ("Anna Petrova" -> "anna-petrova")."""
    text = _NOT_SLUG.sub("-", (name or "").strip().lower()).strip("-_")[:limit].strip("-_")
    return text or fallback


def _clean(value: str | None, limit: int = MAX_NAME) -> str | None:
    if value is None:
        return None
    text = " ".join(_CONTROL.sub(" ", str(value)).split())[:limit]
    return text or None


def _now() -> datetime:
    return datetime.now().astimezone()


class Transcript:
    """Writes one playthrough's events to `<folder>/<time>-<student>-<scenario>-<game>.jsonl`.

    The game id (random, 16 hex digits) in the name keeps two computers writing to one shared
    folder in the same second apart.
    """

    def __init__(
        self,
        folder: Path,
        story: Story,
        student: str | None,
        class_name: str | None,
        *,
        now: Callable[[], datetime] | None = None,
        game: Game | None = None,
        given: tuple[str, ...] = (),
    ) -> None:
        self.error: str | None = None
        self._story = story
        self._now = now or _now
        self._fd: int | None = None
        self._closed = False
        self._path: tuple[str, ...] = tuple(given)  # the path the events so far describe
        self.game = game
        self.student = _clean(student)
        self.class_name = _clean(class_name)
        started = self._time()
        stamp = started.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{file_slug(self.student)}-{file_slug(story.id, 'scenario')}"
        if game is not None:
            base += "-" + file_slug(game.id, "game", 32)
        self.path: Path = Path(folder) / (base + SUFFIX)
        try:
            folder = Path(folder)
            folder.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_BINARY", 0)
            for n in range(1, 1000):
                candidate = folder / (base + (f"-{n}" if n > 1 else "") + SUFFIX)
                try:
                    self._fd = os.open(candidate, flags, 0o644)
                except FileExistsError:
                    continue
                self.path = candidate
                break
            else:
                self._fail("too many transcripts with the same name")
                return
        except Exception as exc:  # noqa: BLE001 - the writer never raises
            self._fail(exc)
            return
        self._write(
            {
                "event": "start",
                "format": FORMAT,
                "student": self.student,
                "class": self.class_name,
                "scenario": story.id,
                "title": _text(story.title),
                "content_hash": story.content_hash,
                "engine": ENGINE_VERSION,
                "started": started.isoformat(timespec="seconds"),
                "game": game.id if game is not None else None,
                "seed": game.seed if game is not None else None,
                "chapter": game.chapter if game is not None else None,
                "given": list(given),
            }
        )

    # --- the events ---

    def scene(self, state: State) -> None:
        try:
            sc = self._story.scenes[state.scene]
            if tuple(state.path) != self._path:  # a loaded or resumed game: record where it stands
                self._write({"event": "restore", "scene": sc.id, "step": len(state.path),
                             "path": list(state.path)})
                self._path = tuple(state.path)
            self._write(
                {
                    "event": "scene",
                    "scene": sc.id,
                    "title": _text(sc.title),
                    "place": _text(sc.place),
                    "clock": self._clock(state),
                    "step": len(state.path),
                }
            )
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def choice(self, choice: Choice, state_after: State, seconds: float, shown: str | None = None) -> None:
        """A choice taken; `shown` is its text as the player saw it (default: as written)."""
        try:
            sc = self._story.scenes.get(choice.scene)
            hist = sc.historical_choice if sc is not None else None
            secs = float(seconds)
            if not math.isfinite(secs) or secs < 0:
                secs = 0.0
            self._write(
                {
                    "event": "choice",
                    "choice": choice.id,
                    "scene": choice.scene,
                    "mark": choice.mark,
                    "historical": hist.id if hist is not None else None,
                    "text": _text(choice.text if shown is None else shown),
                    "seconds": round(secs, 2),
                    "to": state_after.scene,
                    "step": len(state_after.path),
                }
            )
            self._path = tuple(state_after.path)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def undo(self, state: State) -> None:
        try:
            self._write({"event": "undo", "scene": state.scene, "step": len(state.path)})
            self._path = tuple(state.path)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def restart(self, state: State) -> None:
        try:
            self._write({"event": "restart", "scene": state.scene, "step": len(state.path)})
            self._path = tuple(state.path)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def ending(self, state: State) -> None:
        try:
            sc = self._story.scenes[state.scene]
            self._write(
                {
                    "event": "ending",
                    "scene": sc.id,
                    "kind": sc.ending.kind if sc.ending is not None else None,
                    "title": _text(sc.title),
                    "clock": self._clock(state),
                    "step": len(state.path),
                    "path": list(state.path),
                }
            )
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def close(self) -> None:
        if self._closed:
            return
        try:
            self._write({"event": "end", "ended": self._time().isoformat(timespec="seconds")})
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
        self._closed = True
        self._release()

    def __enter__(self) -> Transcript:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the machinery ---

    def _time(self) -> datetime:
        try:
            return self._now()
        except Exception:  # noqa: BLE001
            return _now()

    def _clock(self, state: State) -> str:
        try:
            return format_clock(self._story.start_date, self._story.calendar, state.clock)
        except Exception:  # noqa: BLE001 - a clock out of range is not worth losing the event
            return ""

    def _write(self, event: dict[str, Any]) -> None:
        if self._fd is None or self._closed:
            return
        try:
            data = (json.dumps(event, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
            view = memoryview(data)
            while view:  # one write call for a regular file; the loop only covers short writes
                written = os.write(self._fd, view)
                view = view[written:]
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    def _fail(self, exc: BaseException | str) -> None:
        if self.error is None:
            if isinstance(exc, OSError):
                self.error = f"cannot write the transcript {self.path}: {exc.strerror or exc}"
            else:
                self.error = f"cannot write the transcript {self.path}: {exc}"
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass


def _text(value: str) -> str:
    return value[:MAX_TEXT]


# --- reading ---------------------------------------------------------------------------------


class ChoiceMade(FrozenValueClass):
    """One choice that stands in the final path (undone choices are dropped).

    A choice that came with a loaded or resumed game (a ``restore`` event) has only its id:
    its scene, text and target are empty, its mark and seconds None. Written out rather than a
    frozen dataclass (issue 16); `replace` from `engine.base.valueclass` changes a copy.
    """

    __match_args__ = ("choice", "scene", "mark", "historical", "text", "seconds", "to", "given")
    choice: str
    scene: str
    mark: str | None
    historical: str | None
    text: str
    seconds: float | None
    to: str
    given: bool  # on the historical path before the chapter the game started at

    def __init__(self, choice: str, scene: str, mark: str | None, historical: str | None, text: str,
                 seconds: float | None, to: str, given: bool = False) -> None:
        set_field(self, "choice", choice)
        set_field(self, "scene", scene)
        set_field(self, "mark", mark)
        set_field(self, "historical", historical)
        set_field(self, "text", text)
        set_field(self, "seconds", seconds)
        set_field(self, "to", to)
        set_field(self, "given", given)


class Playthrough(ValueClass):
    """What a transcript file says, read defensively (written out rather than a dataclass: issue 16)."""

    __match_args__ = ("path", "student", "class_name", "scenario", "title", "content_hash", "engine", "started",
                      "ended", "start_scene", "choices", "scenes_shown", "undos", "restarts", "played", "restores",
                      "resumed", "continues", "ending", "ending_kind", "last_scene", "problems", "complete", "game",
                      "seed", "chapter", "header", "closed", "cut_short", "serious")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, path: Path, student: str | None = None, class_name: str | None = None, scenario: str = "",
                 title: str = "", content_hash: str = "", engine: str = "", started: str = "",
                 ended: str | None = None, start_scene: str | None = None, choices: list[ChoiceMade] | None = None,
                 scenes_shown: int = 0, undos: int = 0, restarts: int = 0, played: float = 0.0, restores: int = 0,
                 resumed: tuple[str, ...] | None = None, continues: tuple[str, ...] = (), ending: str | None = None,
                 ending_kind: str | None = None, last_scene: str | None = None, problems: list[str] | None = None,
                 complete: bool = False, game: str | None = None, seed: int | None = None,
                 chapter: str | None = None, header: bool = False, closed: bool = False, cut_short: bool = False,
                 serious: list[str] | None = None) -> None:
        self.path = path
        self.student = student
        self.class_name = class_name
        self.scenario = scenario
        self.title = title
        self.content_hash = content_hash
        self.engine = engine
        self.started = started
        self.ended = ended
        self.start_scene = start_scene  # the first scene shown
        self.choices: list[ChoiceMade] = [] if choices is None else choices  # the final path, in order
        self.scenes_shown = scenes_shown
        self.undos = undos
        self.restarts = restarts  # times the student started again (their choices before are not counted)
        self.played = played  # seconds spent deciding, over every choice made (undone ones too)
        self.restores = restores  # saved games loaded or resumed during the playthrough
        self.resumed = resumed  # the path it began from, if it continued a saved game
        self.continues = continues  # earlier transcripts joined into this one (by the report)
        self.ending = ending  # the ending scene id, if one was reached (and not undone)
        self.ending_kind = ending_kind
        self.last_scene = last_scene
        self.problems: list[str] = [] if problems is None else problems  # damage: lines skipped, missing end...
        self.complete = complete  # has a header and a closing `end` event, no damaged line
        self.game = game  # the game's id (format 2)
        self.seed = seed
        self.chapter = chapter
        self.header = header  # its first line is a transcript's header
        self.closed = closed  # it has the closing `end` event (the game was left normally)
        self.cut_short = cut_short  # its last line was half written (a crash or a kill mid-write): ignored
        self.serious: list[str] = [] if serious is None else serious  # problems beyond being closed before the end

    @property
    def usable(self) -> bool:
        """Counted in a report: a header and nothing wrong but, perhaps, an end cut off."""
        return self.header and not self.serious

    @property
    def name(self) -> str:
        return self.student or "anonymous"

    @property
    def choice_ids(self) -> tuple[str, ...]:
        return tuple(c.choice for c in self.choices)


def _depth(line: str) -> int:
    """The nesting depth of a JSON text (strings ignored), without parsing it; linear time."""
    return nesting_depth(line.encode("utf-8", "surrogatepass"), MAX_DEPTH)


def _str(value: object, limit: int = MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def read_transcript(path: str | os.PathLike[str], within: Path | None = None) -> Playthrough:
    """Read a transcript; never raises. Problems are listed in `problems`, `complete` tells.

    With `within`, a file outside that folder (by a link) is refused, as are FIFOs and devices."""
    p = Path(path)
    out = Playthrough(path=p)
    try:
        data = read_capped(p, MAX_FILE, within=within)
    except ReadRefused as exc:
        if exc.size > MAX_FILE:
            out.problems.append(f"too large ({exc.size} bytes; the limit is {MAX_FILE})")
        else:
            out.problems.append(f"cannot read it: {exc}")
        return out
    except OSError as exc:
        out.problems.append(f"cannot read it: {exc.strerror or exc}")
        return out
    lines = data.split(b"\n")
    truncated_tail = bool(lines and lines[-1].strip())  # the last line has no newline
    if not lines[-1]:
        lines.pop()
    benign: set[str] = set()
    header = False
    ended = False
    path_seconds: list[ChoiceMade] = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        last = n == len(lines)
        if len(raw) > MAX_LINE:
            out.problems.append(f"line {n} is too long and was skipped")
            continue
        try:
            text = raw.decode("utf-8")
            if _depth(text) > MAX_DEPTH:
                out.problems.append(f"line {n} is nested too deeply and was skipped")
                continue
            event = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            if last and truncated_tail:
                out.cut_short = True
                out.problems.append(note := f"line {n} is cut short (the file ends mid-line)")
                benign.add(note)
            else:
                out.problems.append(f"line {n} is not valid JSON")
            continue
        if not isinstance(event, dict):
            out.problems.append(f"line {n} is not an event")
            continue
        kind = event.get("event")
        if not header:
            if kind != "start":
                out.problems.append("the first line is not the transcript's header")
                return out
            header = out.header = True
            fmt = event.get("format")
            if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt > FORMAT:
                out.problems.append(f"unknown transcript format {fmt!r}")
                return out
            out.student = _clean(_str(event.get("student")))
            out.class_name = _clean(_str(event.get("class")))
            out.scenario = _str(event.get("scenario"), 200) or ""
            out.title = _str(event.get("title")) or ""
            out.content_hash = _str(event.get("content_hash"), 200) or ""
            out.engine = _str(event.get("engine"), 50) or ""
            out.started = _str(event.get("started"), 50) or ""
            if not out.scenario:
                out.problems.append("the header names no scenario")
            out.game = _str(event.get("game"), 100)
            seed = event.get("seed")
            out.seed = seed if type(seed) is int and 0 <= seed <= 0xFFFFFFFF else None
            out.chapter = _str(event.get("chapter"), 100)
            given = event.get("given")
            if isinstance(given, list) and len(given) <= 100_000 and all(
                    isinstance(c, str) and len(c) <= 200 for c in given):
                path_seconds = [ChoiceMade(choice=c, scene="", mark="historical", historical=c, text="",
                                           seconds=None, to="", given=True) for c in given]
            continue
        if ended:
            out.problems.append(f"line {n}: an event after the end")
            continue
        if kind == "scene":
            scene = _str(event.get("scene"), 200)
            if scene is None:
                out.problems.append(f"line {n}: a scene event without a scene")
                continue
            out.scenes_shown += 1
            if out.start_scene is None:
                out.start_scene = scene
            out.last_scene = scene
        elif kind == "choice":
            cid, scene, to = (_str(event.get(k), 200) for k in ("choice", "scene", "to"))
            secs = event.get("seconds")
            step = event.get("step")
            if cid is None or scene is None or to is None:
                out.problems.append(f"line {n}: a choice event without its choice, scene or target")
                continue
            if isinstance(secs, int | float) and not isinstance(secs, bool) and 0 <= secs < 1e6:
                out.played += float(secs)
            if isinstance(step, int) and step != len(path_seconds) + 1:
                out.problems.append(f"line {n}: the choice is step {step}, expected {len(path_seconds) + 1}")
            mark = event.get("mark")
            hist = event.get("historical")
            path_seconds.append(
                ChoiceMade(
                    choice=cid,
                    scene=scene,
                    mark=mark if mark in ("historical", "counterfactual", "neutral") else None,
                    historical=_str(hist, 200),
                    text=_str(event.get("text")) or "",
                    seconds=float(secs)
                    if isinstance(secs, int | float) and not isinstance(secs, bool) and 0 <= secs < 1e9
                    else None,
                    to=to,
                )
            )
            out.ending = out.ending_kind = None
            out.last_scene = to
        elif kind == "undo":
            step = event.get("step")
            if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= len(path_seconds):
                out.problems.append(f"line {n}: an undo to an impossible step {step!r}")
                continue
            del path_seconds[step:]
            out.undos += 1
            out.ending = out.ending_kind = None
            out.last_scene = _str(event.get("scene"), 200) or out.last_scene
        elif kind == "restart":
            step = event.get("step")
            if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= len(path_seconds):
                out.problems.append(f"line {n}: a restart to an impossible step {step!r}")
                continue
            del path_seconds[step:]
            out.restarts += 1
            out.ending = out.ending_kind = None
            out.last_scene = _str(event.get("scene"), 200) or out.last_scene
        elif kind == "restore":
            taken = event.get("path")
            if (not isinstance(taken, list) or len(taken) > 100_000
                    or not all(isinstance(c, str) and len(c) <= 200 for c in taken)):
                out.problems.append(f"line {n}: a restore event without a valid path")
                continue
            kept = {i: c for i, c in enumerate(path_seconds)}
            path_seconds = [
                kept[i] if i in kept and kept[i].choice == cid
                else ChoiceMade(choice=cid, scene="", mark=None, historical=None, text="", seconds=None, to="")
                for i, cid in enumerate(taken)
            ]
            out.restores += 1
            if out.scenes_shown == 0 and out.undos == 0 and out.resumed is None and out.restarts == 0:
                out.resumed = tuple(taken)
            out.ending = out.ending_kind = None
            out.last_scene = _str(event.get("scene"), 200) or out.last_scene
        elif kind == "ending":
            scene = _str(event.get("scene"), 200)
            if scene is None:
                out.problems.append(f"line {n}: an ending event without its scene")
                continue
            out.ending = scene
            kind_ = event.get("kind")
            out.ending_kind = kind_ if kind_ in ("historical", "counterfactual") else None
            out.last_scene = scene
            taken = event.get("path")
            if isinstance(taken, list) and taken != [c.choice for c in path_seconds]:
                out.problems.append(f"line {n}: the ending's path does not match the choices recorded")
        elif kind == "end":
            ended = True
            out.ended = _str(event.get("ended"), 50) or ""
        else:
            out.problems.append(f"line {n}: unknown event {kind!r}")
    if not header:
        out.problems.append("empty, or not a transcript")
        return out
    out.choices = path_seconds
    out.closed = ended
    if not ended:
        out.problems.append(note := "no closing end event (the game was interrupted or the file is cut short)")
        benign.add(note)
    out.serious = [m for m in out.problems if m not in benign]
    out.complete = header and ended and not out.problems
    return out


def find_transcripts(paths: list[str | os.PathLike[str]], limit: int = 10_000) -> tuple[list[Path], list[str]]:
    """Expand files and folders into transcript files (folders: every *.jsonl inside, sorted).

    Returns (files, problems): a path that does not exist is a problem, not an exception.
    """
    files: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for item in paths:
        p = Path(item)
        if p.is_dir():
            try:
                named = sorted(f for f in p.rglob("*" + SUFFIX) if not f.is_dir())
            except OSError as exc:
                problems.append(f"{p}: cannot list it: {exc.strerror or exc}")
                continue
            found = []
            for f in named:  # what a folder holds is read only if it is a file inside it
                try:
                    confined(f, p)
                except ReadRefused as exc:
                    problems.append(f"{f}: not read: {exc}")
                    continue
                found.append(f)
            if not found:
                problems.append(f"{p}: no transcripts (*{SUFFIX}) in this folder")
        elif p.is_file():
            found = [p]
        else:
            problems.append(f"{p}: no such file or folder")
            continue
        for f in found:
            key = f.resolve()
            if key not in seen and len(files) < limit:
                seen.add(key)
                files.append(f)
    return files, problems
