"""The errors of saving and loading games: every failure carries a message fit for the player."""

from __future__ import annotations

from engine.core.model import State


class SaveError(Exception):
    """A save could not be written or read; `message` says what happened and what to do.

    `backup_available` is true when the slot's previous version is intact and can be loaded
    with ``SaveStore.load(..., use_backup=True)``.
    """

    def __init__(self, message: str, *, backup_available: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.backup_available = backup_available

    def __str__(self) -> str:
        return self.message


class SaveMismatch(SaveError):
    """The scenario was edited and the saved path no longer fits it.

    `step` is the 1-based step of the path that broke; `partial` is the state after the steps
    before it, the last point that still fits (offered to the player).
    """

    def __init__(self, message: str, *, step: int, partial: State, backup_available: bool = False) -> None:
        super().__init__(message, backup_available=backup_available)
        self.step = step
        self.partial = partial
