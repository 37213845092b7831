"""The compiled story and the game state: immutable values, no behaviour beyond look-ups.

Like ink, Chronicle keeps story content (`Story`, built once by the compiler) apart from story
state (`State`, a small tuple that changes every turn). A `Choice` is the static choice point;
which choices are open in a given state is decided by `engine.core.machine`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any, Literal, NamedTuple, TypeVar

from engine.expressions.template import BoundTemplate

Mark = Literal["historical", "counterfactual"]
ChoiceMark = Literal["historical", "counterfactual", "neutral"]  # neutral: no claim either way
VISIT_CAP = 20  # visits() counts up to this many; keeps the state space finite
Vars = tuple[object, ...]
Visits = tuple[int, ...]
TestFn = Callable[[Vars, Visits], bool]
ApplyFn = Callable[[Vars, Visits], Vars]


@dataclass(frozen=True, slots=True)
class Citation:
    """A quote from a source that grounds a scene."""
    source: str
    quote: str
    note: str = ""
    # where it was found: (start, end, paragraph) in the source's raw text; None if unverified
    found: tuple[int, int, int] | None = None
    corrected: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Account:
    """One source's account of a disputed topic."""
    source: str
    quote: str
    says: str
    found: tuple[int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class Dispute:
    """A topic on which the sources disagree, with each one's account."""
    topic: str
    accounts: tuple[Account, ...]


@dataclass(frozen=True, slots=True)
class Ending:
    """How a scene that ends the game ends it."""
    kind: Mark
    epilogue: str = ""
    debrief: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice a scene offers."""
    id: str  # stable: "scene.key"
    key: str
    scene: str
    text: str
    target: str
    mark: ChoiceMark | None = None
    when: str | None = None  # the author's condition, as written
    do: tuple[str, ...] = ()  # the author's effects, as written
    locked: str | None = None
    note: str = ""
    record: tuple[Citation, ...] = ()
    line: int = 0
    # compiled forms (never compared): the condition and the effects
    test: TestFn | None = field(default=None, compare=False, repr=False)
    apply: ApplyFn | None = field(default=None, compare=False, repr=False)
    # precomputed transition data for the target scene
    to_time: int | None = field(default=None, compare=False, repr=False)
    to_day: int | None = field(default=None, compare=False, repr=False)
    to_visit: int = field(default=-1, compare=False, repr=False)
    to_visit_cap: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Scene:
    """One scene of a story."""
    id: str
    title: str
    place: str
    text: str
    time: int | None = None  # minutes after midnight
    day: int | None = None  # explicit day offset from the scenario's start date
    record: tuple[Citation, ...] = ()
    disputed: tuple[Dispute, ...] = ()
    events: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None
    file: str = ""
    line: int = 0
    conditional: bool = False  # any choice has a condition
    invented: str = ""  # what in this scene is ours, not the record's ("" when nothing is)

    @property
    def historical_choice(self) -> Choice | None:
        for c in self.choices:
            if c.mark == "historical":
                return c
        return None


@dataclass(frozen=True, slots=True)
class Variable:
    """One variable of a story's state."""
    name: str
    index: int
    type: Literal["int", "bool", "str"]
    initial: object
    min: int | None = None
    max: int | None = None
    values: tuple[str, ...] | None = None
    visible: bool = False
    label: str = ""


@dataclass(frozen=True)
class Story:
    """A scenario, loaded and checked: its scenes, variables and sources."""
    id: str
    title: str
    summary: str
    role: str
    start: str
    start_date: date
    calendar: Literal["julian", "gregorian"]
    start_clock: int | None
    variables: tuple[Variable, ...]
    scenes: Mapping[str, Scene]
    questions: tuple[str, ...] = ()
    teacher_note: str = ""
    length: str = ""
    folder: str = ""
    content_hash: str = ""
    tracked: tuple[str, ...] = ()  # scenes whose visits conditions can ask about
    initial_visits: Visits = ()
    choices_by_id: Mapping[str, Choice] = field(default_factory=dict)
    chapters: tuple[tuple[str, str], ...] = ()  # (name, start scene), in the author's order
    fixed_order: frozenset[str] = frozenset()  # scenes whose choices are always in the author's order
    # every text with a brace, compiled (`engine.expressions.template`); rendered by `engine.core.prose`
    templates: Mapping[str, BoundTemplate] = field(default_factory=dict)

    def var(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    @property
    def endings(self) -> tuple[Scene, ...]:
        return tuple(s for s in self.scenes.values() if s.ending is not None)


class State(NamedTuple):
    """Where a game is: a small immutable, hashable value."""

    scene: str
    vars: Vars
    visits: Visits  # visit counts of `Story.tracked` scenes
    clock: int | None  # minutes since 00:00 of the start date
    path: tuple[str, ...]  # the choice ids taken, in order


class Game(NamedTuple):
    """Which game a state belongs to: recorded in its saves and transcripts, never in `State`.

    `id` names the game across sessions (a continued or loaded game keeps it, so the report can
    join its transcripts); `seed` fixes the order its choices are shown in (`engine.core.order`;
    None: the author's order); `chapter` is the chapter it started at (None: the beginning).
    """

    id: str
    seed: int | None = None
    chapter: str | None = None


_T = TypeVar("_T")


def fast_twin(cls: type[_T]) -> Any:
    """A plain slotted twin of a frozen slotted dataclass, for building many instances fast.

    A frozen dataclass sets each field through `object.__setattr__`; loading a big story makes
    tens of thousands of scenes, choices and citations. The twin has the same slots in the same
    order (so the same memory layout) and a plain positional `__init__` with the same defaults:
    build the value in the twin, then give it the real class (`obj.__class__ = cls`), and it is an
    ordinary, frozen, equal-comparing instance. None if the class cannot have such a twin.
    """
    slots = getattr(cls, "__slots__", None)
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    if slots is None or tuple(slots) != tuple(names) or any(not n.isidentifier() for n in names):
        return None
    defaults: dict[str, Any] = {}
    params = []
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default_factory is not MISSING:
            return None
        if f.default is not MISSING:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        else:
            params.append(f.name)
    body = "".join(f"\n    self.{n} = {n}" for n in names) or "\n    pass"
    # the source is made from the field names of our own classes (checked identifiers), never data
    exec(f"def __init__(self, {', '.join(params)}):{body}", defaults)  # noqa: S102
    return type(f"_{cls.__name__}Fields", (), {"__slots__": tuple(slots), "__init__": defaults["__init__"]})


def fast_maker(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor for a frozen slotted class, about 5 times faster than its __init__.

    Fields are passed in the order of `dataclasses.fields(cls)`; trailing ones may be left to
    their defaults (see `fast_twin`).
    """
    twin = fast_twin(cls)
    if twin is None:  # pragma: no cover - a class that is not slotted
        return cls

    def make(*values: Any) -> _T:
        obj = twin(*values)
        obj.__class__ = cls
        return obj  # type: ignore[no-any-return]

    return make
