"""`ValueClass` and `FrozenValueClass`: the small classes on the path to the first scene, written
out instead of dataclasses.

A dataclass compiles its methods from source text every time its module is imported, which cost
plain mode's start-up about a tenth. A subclass here names its fields, in order, in
`__match_args__` and writes its own `__init__` (a frozen one sets its fields with `set_field`);
these bases give the rest as `@dataclass` (and `@dataclass(frozen=True)`) would: the repr, equality
over the fields (`other` of the very same class, else NotImplemented), no hash unless frozen, a hash
over the compared fields and FrozenInstanceError on assignment when frozen. Fields declared with
`repr=False` are listed in `_unshown`, with `compare=False` in `_uncompared`. `replace` is
`dataclasses.replace` for them. `tests/test_startup.py` checks each subclass against the dataclass it was.
This module imports only `typing`: importing `dataclasses` alone (it imports `inspect`) cost a plain
start more than creating all of these classes.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

set_field = object.__setattr__  # how a frozen class sets its fields in `__init__`


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen value (as `dataclasses.FrozenInstanceError`)."""


class ValueClass:
    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()
    _unshown: ClassVar[tuple[str, ...]] = ()  # left out of the repr
    _uncompared: ClassVar[tuple[str, ...]] = ()  # left out of equality (and the hash)

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self.__match_args__ if f not in self._uncompared)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__match_args__ if f not in self._unshown)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ValueClass)
        return self._key() == other._key()


_V = TypeVar("_V", bound=ValueClass)


def replace(value: _V, **changes: Any) -> _V:
    """A new value of the same class with some fields changed (as `dataclasses.replace`)."""
    unknown = set(changes) - set(value.__match_args__)
    if unknown:
        raise TypeError(f"{type(value).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(value)(**{**{name: getattr(value, name) for name in value.__match_args__}, **changes})


class FrozenValueClass(ValueClass):
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
