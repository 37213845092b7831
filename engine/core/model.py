"""The compiled story and the game state: immutable values, no behaviour beyond look-ups.

Like ink, Chronicle keeps story content (`Story`, built once by the compiler) apart from story
state (`State`, a small tuple that changes every turn). A `Choice` is the static choice point;
which choices are open in a given state is decided by `engine.core.machine`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal, NamedTuple, TypeVar

from engine.base.valueclass import FrozenValueClass, set_field
from engine.expressions.template import BoundTemplate

EndingMark = Literal["historical", "counterfactual"]
ChoiceMark = Literal["historical", "counterfactual", "neutral"]  # neutral: no claim either way
VISIT_CAP = 20  # visits() counts up to this many; keeps the state space finite
Vars = tuple[object, ...]
Visits = tuple[int, ...]
TestFn = Callable[[Vars, Visits], bool]
ApplyFn = Callable[[Vars, Visits], Vars]


# The classes below are written out rather than made with `dataclasses` (`engine.base.valueclass`): they
# are on the path to a plain start's first scene, where creating dataclasses cost about a tenth of the time.
# Each keeps what `@dataclass(frozen=True, slots=True)` gave it (Story: without slots); fields are named,
# in order, in `__match_args__`, and `tests/test_startup.py` compares each with the dataclass it was.


class Citation(FrozenValueClass):
    """A quote from a source that grounds a scene."""

    __match_args__ = __slots__ = ("source", "quote", "note", "found", "corrected")
    source: str
    quote: str
    note: str
    # where it was found: (start, end, paragraph) in the source's raw text; None if unverified
    found: tuple[int, int, int] | None
    corrected: tuple[tuple[str, str], ...]

    def __init__(self, source: str, quote: str, note: str = "", found: tuple[int, int, int] | None = None,
                 corrected: tuple[tuple[str, str], ...] = ()) -> None:
        set_field(self, "source", source)
        set_field(self, "quote", quote)
        set_field(self, "note", note)
        set_field(self, "found", found)
        set_field(self, "corrected", corrected)


class Account(FrozenValueClass):
    """One source's account of a disputed topic."""

    __match_args__ = __slots__ = ("source", "quote", "says", "found")
    source: str
    quote: str
    says: str
    found: tuple[int, int, int] | None

    def __init__(self, source: str, quote: str, says: str, found: tuple[int, int, int] | None = None) -> None:
        set_field(self, "source", source)
        set_field(self, "quote", quote)
        set_field(self, "says", says)
        set_field(self, "found", found)


class Dispute(FrozenValueClass):
    """A topic on which the sources disagree, with each one's account."""

    __match_args__ = __slots__ = ("topic", "accounts")
    topic: str
    accounts: tuple[Account, ...]

    def __init__(self, topic: str, accounts: tuple[Account, ...]) -> None:
        set_field(self, "topic", topic)
        set_field(self, "accounts", accounts)


class Ending(FrozenValueClass):
    """How a scene that ends the game ends it."""

    __match_args__ = __slots__ = ("kind", "epilogue", "debrief")
    kind: EndingMark
    epilogue: str
    debrief: str

    def __init__(self, kind: EndingMark, epilogue: str = "", debrief: str = "") -> None:
        set_field(self, "kind", kind)
        set_field(self, "epilogue", epilogue)
        set_field(self, "debrief", debrief)


class Choice(FrozenValueClass):
    """One choice a scene offers."""

    __match_args__ = __slots__ = ("id", "key", "scene", "text", "target", "mark", "when", "do", "locked", "note",
                                  "record", "line", "test", "apply", "to_time", "to_day", "to_visit", "to_visit_cap")
    # the compiled forms and the precomputed transition data are never compared nor shown
    _unshown = _uncompared = ("test", "apply", "to_time", "to_day", "to_visit", "to_visit_cap")
    id: str  # stable: "scene.key"
    key: str
    scene: str
    text: str
    target: str
    mark: ChoiceMark | None
    when: str | None  # the author's condition, as written
    do: tuple[str, ...]  # the author's effects, as written
    locked: str | None
    note: str
    record: tuple[Citation, ...]
    line: int
    test: TestFn | None  # the condition, compiled
    apply: ApplyFn | None  # the effects, compiled
    to_time: int | None  # the target scene's time, day and visit index and cap
    to_day: int | None
    to_visit: int
    to_visit_cap: int

    def __init__(self, id: str, key: str, scene: str, text: str, target: str, mark: ChoiceMark | None = None,
                 when: str | None = None, do: tuple[str, ...] = (), locked: str | None = None, note: str = "",
                 record: tuple[Citation, ...] = (), line: int = 0, test: TestFn | None = None,
                 apply: ApplyFn | None = None, to_time: int | None = None, to_day: int | None = None,
                 to_visit: int = -1, to_visit_cap: int = 0) -> None:
        set_field(self, "id", id)
        set_field(self, "key", key)
        set_field(self, "scene", scene)
        set_field(self, "text", text)
        set_field(self, "target", target)
        set_field(self, "mark", mark)
        set_field(self, "when", when)
        set_field(self, "do", do)
        set_field(self, "locked", locked)
        set_field(self, "note", note)
        set_field(self, "record", record)
        set_field(self, "line", line)
        set_field(self, "test", test)
        set_field(self, "apply", apply)
        set_field(self, "to_time", to_time)
        set_field(self, "to_day", to_day)
        set_field(self, "to_visit", to_visit)
        set_field(self, "to_visit_cap", to_visit_cap)


class Scene(FrozenValueClass):
    """One scene of a story."""

    __match_args__ = __slots__ = ("id", "title", "place", "text", "time", "day", "record", "disputed", "events",
                                  "choices", "ending", "file", "line", "conditional", "invented")
    id: str
    title: str
    place: str
    text: str
    time: int | None  # minutes after midnight
    day: int | None  # explicit day offset from the scenario's start date
    record: tuple[Citation, ...]
    disputed: tuple[Dispute, ...]
    events: tuple[str, ...]
    choices: tuple[Choice, ...]
    ending: Ending | None
    file: str
    line: int
    conditional: bool  # any choice has a condition
    invented: str  # what in this scene is ours, not the record's ("" when nothing is)

    def __init__(self, id: str, title: str, place: str, text: str, time: int | None = None, day: int | None = None,
                 record: tuple[Citation, ...] = (), disputed: tuple[Dispute, ...] = (), events: tuple[str, ...] = (),
                 choices: tuple[Choice, ...] = (), ending: Ending | None = None, file: str = "", line: int = 0,
                 conditional: bool = False, invented: str = "") -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "place", place)
        set_field(self, "text", text)
        set_field(self, "time", time)
        set_field(self, "day", day)
        set_field(self, "record", record)
        set_field(self, "disputed", disputed)
        set_field(self, "events", events)
        set_field(self, "choices", choices)
        set_field(self, "ending", ending)
        set_field(self, "file", file)
        set_field(self, "line", line)
        set_field(self, "conditional", conditional)
        set_field(self, "invented", invented)

    @property
    def historical_choice(self) -> Choice | None:
        for c in self.choices:
            if c.mark == "historical":
                return c
        return None


class Variable(FrozenValueClass):
    """One variable of a story's state."""

    __match_args__ = __slots__ = ("name", "index", "type", "initial", "min", "max", "values", "visible", "label")
    name: str
    index: int
    type: Literal["int", "bool", "str"]
    initial: object
    min: int | None
    max: int | None
    values: tuple[str, ...] | None
    visible: bool
    label: str

    def __init__(self, name: str, index: int, type: Literal["int", "bool", "str"], initial: object,
                 min: int | None = None, max: int | None = None, values: tuple[str, ...] | None = None,
                 visible: bool = False, label: str = "") -> None:
        set_field(self, "name", name)
        set_field(self, "index", index)
        set_field(self, "type", type)
        set_field(self, "initial", initial)
        set_field(self, "min", min)
        set_field(self, "max", max)
        set_field(self, "values", values)
        set_field(self, "visible", visible)
        set_field(self, "label", label)


class Story(FrozenValueClass):
    """A scenario, loaded and checked: its scenes, variables and sources."""

    __match_args__ = ("id", "title", "summary", "role", "start", "start_date", "calendar", "start_clock",
                      "variables", "scenes", "questions", "teacher_note", "length", "folder", "content_hash",
                      "tracked", "initial_visits", "choices_by_id", "chapters", "fixed_order", "templates")
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
    questions: tuple[str, ...]
    teacher_note: str
    length: str
    folder: str
    content_hash: str
    tracked: tuple[str, ...]  # scenes whose visits conditions can ask about
    initial_visits: Visits
    choices_by_id: Mapping[str, Choice]
    chapters: tuple[tuple[str, str], ...]  # (name, start scene), in the author's order
    fixed_order: frozenset[str]  # scenes whose choices are always in the author's order
    # every text with a brace, compiled (`engine.expressions.template`); rendered by `engine.core.prose`
    templates: Mapping[str, BoundTemplate]

    def __init__(self, id: str, title: str, summary: str, role: str, start: str, start_date: date,
                 calendar: Literal["julian", "gregorian"], start_clock: int | None, variables: tuple[Variable, ...],
                 scenes: Mapping[str, Scene], questions: tuple[str, ...] = (), teacher_note: str = "",
                 length: str = "", folder: str = "", content_hash: str = "", tracked: tuple[str, ...] = (),
                 initial_visits: Visits = (), choices_by_id: Mapping[str, Choice] | None = None,
                 chapters: tuple[tuple[str, str], ...] = (), fixed_order: frozenset[str] = frozenset(),
                 templates: Mapping[str, BoundTemplate] | None = None) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "summary", summary)
        set_field(self, "role", role)
        set_field(self, "start", start)
        set_field(self, "start_date", start_date)
        set_field(self, "calendar", calendar)
        set_field(self, "start_clock", start_clock)
        set_field(self, "variables", variables)
        set_field(self, "scenes", scenes)
        set_field(self, "questions", questions)
        set_field(self, "teacher_note", teacher_note)
        set_field(self, "length", length)
        set_field(self, "folder", folder)
        set_field(self, "content_hash", content_hash)
        set_field(self, "tracked", tracked)
        set_field(self, "initial_visits", initial_visits)
        set_field(self, "choices_by_id", {} if choices_by_id is None else choices_by_id)
        set_field(self, "chapters", chapters)
        set_field(self, "fixed_order", fixed_order)
        set_field(self, "templates", {} if templates is None else templates)

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
    """A plain slotted twin of a frozen slotted class, for building many instances fast.

    A frozen value sets each field through `object.__setattr__`; loading a big story makes tens
    of thousands of scenes, choices and citations. The twin has the same bases and the same slots
    in the same order (so the same memory layout) and a plain positional `__init__` with the same
    defaults: build the value in the twin, then give it the real class (`obj.__class__ = cls`), and
    it is an ordinary, frozen, equal-comparing instance. None if the class cannot have such a twin.
    """
    slots = cls.__dict__.get("__slots__")
    names = tuple(getattr(cls, "__match_args__", ()))
    if slots is None or tuple(slots) != names or any(not n.isidentifier() for n in names):
        return None
    init = cls.__dict__["__init__"]
    code = init.__code__
    if code.co_varnames[1:code.co_argcount] != names:
        return None
    given = init.__defaults__ or ()
    defaults = {f"_default_{n}": d for n, d in zip(names[len(names) - len(given):], given, strict=True)}
    params = [f"{n}=_default_{n}" if f"_default_{n}" in defaults else n for n in names]
    body = "".join(f"\n    self.{n} = {n}" for n in names) or "\n    pass"
    # the source is made from the field names of our own classes (checked identifiers), never data
    exec(f"def __init__(self, {', '.join(params)}):{body}", defaults)  # noqa: S102
    return type(f"_{cls.__name__}Fields", cls.__bases__,
                {"__slots__": tuple(slots), "__init__": defaults["__init__"], "__setattr__": object.__setattr__})


def fast_maker(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor for a frozen slotted class, about 5 times faster than its __init__.

    Fields are passed in the order of `cls.__match_args__`; trailing ones may be left to
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
