"""The save file format as untrusted input: checksums, nesting, types, sizes, newer formats."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.saves.errors import SaveError
from engine.saves.savefile import FORMAT, KIND, TooNew, decode, encode, nesting_depth, parse


def good() -> dict[str, Any]:
    return {"kind": KIND, "format": FORMAT, "engine": "0.1.0", "scenario": "vigil", "content_hash": "h",
            "slot": "s", "saved_at": "2024-01-01T00:00:00+00:00", "path": ["hall.pace"],
            "state": {"scene": "hall", "variables": {"resolve": 5, "warned": False, "mood": "calm"},
                      "visits": {"hall_again": 0}, "clock": 1140},
            "summary": {"title": "T", "scene_title": "S", "place": "P", "clock": "C"}}


def test_round_trip() -> None:
    data = decode(encode(good()))
    assert data.path == ("hall.pace",)
    assert data.variables == {"resolve": 5, "warned": False, "mood": "calm"}
    assert data.clock == 1140 and data.place == "P"


def test_file_is_plain_json_with_a_checksum() -> None:
    doc = json.loads(encode(good()))
    assert doc["checksum"].startswith("sha256:") and len(doc["checksum"]) == 7 + 64


def test_pretty_printed_by_hand_still_verifies() -> None:
    doc = json.loads(encode(good()))
    assert decode(json.dumps(doc, indent=4).encode()).slot == "s"


def test_every_single_bit_flip_is_caught() -> None:
    raw = encode(good())
    for i in range(len(raw)):
        for bit in (0, 3, 6):
            flipped = bytearray(raw)
            flipped[i] ^= 1 << bit
            try:
                decode(bytes(flipped))
            except SaveError:
                continue
            # the only harmless flips are in insignificant JSON whitespace (there is none but the newline)
            assert raw[i:i + 1] == b"\n", (i, bit)


def test_every_truncation_is_caught() -> None:
    raw = encode(good())
    for n in range(len(raw) - 1):  # keeping all but the final newline is still the whole save
        with pytest.raises(SaveError):
            decode(raw[:n])


def test_empty_and_blank() -> None:
    for raw in (b"", b"   \n", b"\x00" * 10):
        with pytest.raises(SaveError):
            decode(raw)


def test_newer_format_is_refused_as_newer() -> None:
    doc = good()
    doc["format"] = FORMAT + 1
    doc["something_new"] = {"a": 1}
    with pytest.raises(TooNew, match="newer version"):
        decode(encode(doc))


def test_newer_format_with_bad_checksum_is_called_damaged() -> None:
    raw = encode(good()).replace(b'"format":1', b'"format":3')
    with pytest.raises(SaveError) as info:
        decode(raw)
    assert not isinstance(info.value, TooNew) and "damaged" in info.value.message


def test_nesting_depth_scan() -> None:
    assert nesting_depth(b"{}", 10) == 1
    assert nesting_depth(b'{"a":[[1]],"b":"[[[[[[\\"[[["}', 10) == 3
    assert nesting_depth(b'["\\\\", [[]]]', 10) == 3
    assert nesting_depth(b"[" * 500_000, 8) == 9  # stops early


@pytest.mark.parametrize("raw", [
    b"[" * 200_000 + b"]" * 200_000,
    b'{"kind":"chronicle-save","x":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
])
def test_deep_nesting_is_refused_without_recursion(raw: bytes) -> None:
    with pytest.raises(SaveError, match="nested"):
        parse(raw)


@pytest.mark.parametrize("raw", [
    b"!!python/object/apply:os.system ['touch /tmp/chronicle-pwned']\n",
    b"--- !!python/object:__main__.Evil {}\n",
    b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94.",  # a pickle
    b'{"kind": "chronicle-save", "format": 1, "clock": NaN}',
    b'{"kind": "chronicle-save", "format": 1, "clock": ' + b"9" * 50_000 + b"}",
    b'"just a string"',
    b"[1, 2, 3]",
    b'{"format": 1}',
    b'{"kind": "chronicle-save", "format": "1"}',
    b'{"kind": "chronicle-save", "format": true}',
    b'{"kind": "chronicle-save", "format": 0}',
    b"\xff\xfe{}",
])
def test_not_saves(raw: bytes) -> None:
    with pytest.raises(SaveError) as info:
        decode(raw)
    assert info.value.message


def test_python_tag_message_says_it_is_not_run() -> None:
    with pytest.raises(SaveError, match="never run"):
        decode(b"!!python/object/apply:os.system ['echo hi']")


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc = good()
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize("path,value", [
    (("path",), "hall.pace"),
    (("path",), [1, 2]),
    (("path",), [None]),
    (("path",), [""]),
    (("path",), [["nested"]]),
    (("path",), ["x" * 1000]),
    (("path",), KeyError),
    (("state",), KeyError),
    (("state",), []),
    (("state", "scene"), 5),
    (("state", "scene"), ""),
    (("state", "variables"), [1]),
    (("state", "variables", "resolve"), [1]),
    (("state", "variables", "resolve"), None),
    (("state", "variables", "resolve"), 1.5),
    (("state", "variables", "resolve"), {"a": 1}),
    (("state", "visits"), {"hall_again": -1}),
    (("state", "visits"), {"hall_again": True}),
    (("state", "visits"), {"hall_again": "1"}),
    (("state", "clock"), "19:00"),
    (("state", "clock"), 10**12),
    (("scenario",), 5),
    (("scenario",), ""),
    (("scenario",), KeyError),
    (("engine",), ["0.1"]),
    (("summary",), "x"),
    (("summary", "place"), 3),
])
def test_wrong_types_are_refused(path: tuple[str, ...], value: Any) -> None:
    with pytest.raises(SaveError, match="not a valid save"):
        decode(encode(_with(path, value)))
