"""Slot names and the files they map to: nothing a slot name says can leave the saves folder.

A slot ``name`` is stored as ``name.save.json``; its previous version as ``name.save.bak.json``.
Names are checked against everything that could escape the folder or misbehave on some system:
path separators, ``..``, NUL and other control or invisible characters, leading dots, the
reserved device names of Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an
extension, in any case), characters Windows forbids, and anything over 64 characters.

The names the game gives its own saves are made here too, in one place: a game autosaves to
``autosave-<scenario>[-<player>]`` (`autosave_slot`), and an earlier game set aside when another
starts is kept as ``earlier-<scenario>[-<player>]-<date>`` (`kept_slot`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from engine.saves.errors import SaveError

MAX_NAME = 64
MAX_NAME_BYTES = 192  # keeps every file name we derive under the 255-byte limit
SLOT_SUFFIX = ".save.json"
BACKUP_SUFFIX = ".save.bak.json"
_FORBIDDEN = set('/\\<>:"|?*')
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_DIGITS = "0123456789\u00b9\u00b2\u00b3"
RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"COM{d}" for d in _DIGITS}
    | {f"LPT{d}" for d in _DIGITS}
)


def _bad(name: str, why: str) -> SaveError:
    shown = name if len(name) <= MAX_NAME and name.isprintable() else ascii(name[:MAX_NAME])
    return SaveError(f'"{shown}" cannot be used as a save name: {why}. '
                     "Use letters, digits, spaces, '-' or '_' (up to 64 characters).")


def check_slot_name(name: str) -> str:
    """The slot name, normalised (NFC, surrounding spaces removed); SaveError if it is unsafe."""
    if not isinstance(name, str):
        raise SaveError("a save name must be text")
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise SaveError("a save name cannot be empty")
    if len(name) > MAX_NAME:
        raise _bad(name, f"it is longer than {MAX_NAME} characters")
    for ch in name:
        if ch in "/\\":
            raise _bad(name, "it contains a path separator")
        if ch == "\0":
            raise _bad(name, "it contains a NUL character")
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            raise _bad(name, "it contains a control or invisible character")
        if ch in _FORBIDDEN:
            raise _bad(name, f"it contains '{ch}'")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise _bad(name, "it is not valid text") from None
    if size > MAX_NAME_BYTES:
        raise _bad(name, "it is too long")
    if name.startswith("."):
        raise _bad(name, "it starts with a dot")
    if ".." in name:
        raise _bad(name, "it contains '..'")
    if name.endswith("."):
        raise _bad(name, "it ends with a dot")
    base = name.split(".", 1)[0].rstrip(" ").upper()
    if base in RESERVED:
        raise _bad(name, f"{base} is a reserved device name on Windows")
    return name


def slot_filename(slot: str) -> str:
    return slot + SLOT_SUFFIX


def backup_filename(slot: str) -> str:
    return slot + BACKUP_SUFFIX


def slot_of_filename(filename: str) -> str | None:
    """The slot a file in the saves folder holds, or None if it is not a slot file."""
    if not filename.endswith(SLOT_SUFFIX) or filename.startswith("."):
        return None
    slot = filename[: -len(SLOT_SUFFIX)]
    try:
        return slot if check_slot_name(slot) == slot else None
    except SaveError:
        return None


# --- the names the game gives its own saves --------------------------------------------------

AUTOSAVE_PREFIX = "autosave-"
KEPT_PREFIX = "earlier-"


def player_key(student: str | None) -> str:
    """A player's name as it appears in a slot name: lower case, letters and digits joined by '-'
    ("Anna Karenina" -> "anna-karenina"); '' when there is no name (or nothing usable in it)."""
    if not student:
        return ""
    text = unicodedata.normalize("NFC", student).casefold()
    out: list[str] = []
    for ch in text:
        out.append(ch if ch.isalnum() and unicodedata.category(ch) not in _BAD_CATEGORIES else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def _join(*parts: str) -> str:
    """Parts joined by '-', the longest cut so the name fits MAX_NAME and is a valid slot name."""
    name = "-".join(p for p in parts if p)
    if len(name) > MAX_NAME:
        name = name[:MAX_NAME].rstrip("-.")
    try:
        return check_slot_name(name)
    except SaveError:
        return check_slot_name("-".join(p for p in parts[:1] if p) or "game")


def autosave_slot(scenario: str, student: str | None = None) -> str:
    """The slot a game autosaves to: ``autosave-<scenario>``, or ``autosave-<scenario>-<name>``
    when the player's name is known, so one saves folder can hold a whole class."""
    return _join(AUTOSAVE_PREFIX + scenario, player_key(student))


def is_autosave(slot: str) -> bool:
    return slot.startswith(AUTOSAVE_PREFIX)


def autosave_player(slot: str, scenario: str) -> str | None:
    """Whose autosave `slot` of `scenario` is: the player key, '' for a game without a name, None if
    `slot` is not an autosave of that scenario."""
    base = AUTOSAVE_PREFIX + scenario
    if slot == base or slot == _join(base):
        return ""
    if slot.startswith(base + "-"):
        return slot[len(base) + 1:]
    return None


def kept_slot(scenario: str, student: str | None, stamp: str, taken: Callable[[str], bool]) -> str:
    """The slot an earlier game is kept under when another one starts:
    ``earlier-<scenario>[-<name>]-<stamp>``, with "-2", "-3"... if that is `taken`."""
    base = _join(KEPT_PREFIX + scenario, player_key(student), stamp)
    name, n = base, 1
    while taken(name):
        n += 1
        suffix = f"-{n}"
        name = check_slot_name(base[: MAX_NAME - len(suffix)].rstrip("-.") + suffix)
    return name
