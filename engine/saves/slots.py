"""Slot names and the files they map to: nothing a slot name says can leave the saves folder.

A slot ``name`` is stored as ``name.save.json``; its previous version as ``name.save.bak.json``.
Names are checked against everything that could escape the folder or misbehave on some system:
path separators, ``..``, NUL and other control or invisible characters, leading dots, the
reserved device names of Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an
extension, in any case), characters Windows forbids, and anything over 64 characters.
"""

from __future__ import annotations

import unicodedata

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
