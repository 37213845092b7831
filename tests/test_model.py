"""The model's fast constructors: a twin builds the very value the class's own `__init__` builds.

(How each model class behaves as the dataclass it was is checked in tests/test_startup.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from engine.base.valueclass import FrozenInstanceError, FrozenValueClass, set_field
from engine.core.model import Account, Choice, Citation, Dispute, Ending, Scene, Story, Variable, fast_maker, fast_twin

REQUIRED: dict[type, tuple[Any, ...]] = {
    Citation: ("src", "a quote"),
    Account: ("src", "a quote", "what it says"),
    Dispute: ("topic", ()),
    Ending: ("historical",),
    Choice: ("hall.stay", "stay", "hall", "Stay", "night"),
    Scene: ("hall", "The hall", "Winter Palace", "Text."),
    Variable: ("resolve", 0, "int", 3),
}


@pytest.mark.parametrize("cls", list(REQUIRED), ids=[c.__name__ for c in REQUIRED])
def test_a_twin_makes_what_the_class_makes(cls: type) -> None:
    make = fast_maker(cls)
    assert make is not cls  # every slotted model class has a twin
    required = REQUIRED[cls]
    for given in range(len(required), len(cls.__match_args__) + 1):
        args = [*required, *(("x", n) for n in range(given - len(required)))]
        fast, real = make(*args), cls(*args)
        assert type(fast) is cls and fast == real and repr(fast) == repr(real)
        assert [getattr(fast, f) for f in cls.__match_args__] == [getattr(real, f) for f in cls.__match_args__]
        with pytest.raises(FrozenInstanceError):
            setattr(fast, cls.__match_args__[0], "changed")


def test_no_twin_for_a_class_without_slots_or_whose_init_does_more() -> None:
    assert fast_twin(Story) is None  # not slotted (and builds fresh dicts)

    class Reordered(FrozenValueClass):
        __match_args__ = __slots__ = ("a", "b")

        def __init__(self, b: int, a: int) -> None:  # parameters not in field order
            set_field(self, "a", a)
            set_field(self, "b", b)

    assert fast_twin(Reordered) is None
