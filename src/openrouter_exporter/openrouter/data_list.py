"""The items of an answer's ``data`` list, decoded and converted one at a time.

``json.loads`` of a large account's 30-day ``/activity`` builds every row as a dict before
the first is converted: about 9 MiB of short-lived objects for 9,000 rows, on top of the
rows themselves. Walking the top-level object with the standard library's own decoder and
converting each item as soon as it is decoded keeps one dict alive at a time. What is and
is not JSON is exactly what ``json.loads`` says (the same scanner decodes every value).
"""

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

_Item = TypeVar("_Item")
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class MissingDataListError(ValueError):
    """The body is JSON, but not an object with a ``data`` list."""


def converted_data_items(text: str, convert: Callable[[Any], _Item]) -> list[_Item]:
    """``convert`` applied to each item of the top-level object's ``data`` list (the last
    ``data`` key wins, as in ``json.loads``). Raises :class:`json.JSONDecodeError` for a
    body that is not JSON and :class:`MissingDataListError` for one without the list."""
    position = _skip(text, 0)
    if not text.startswith("{", position):
        _, position = _DECODER.raw_decode(text, position)
        _expect_end(text, position)
        raise MissingDataListError
    items: list[_Item] | None = None
    position = _skip(text, position + 1)
    if text.startswith("}", position):
        position += 1
    else:
        while True:
            _expect(text, position, '"')
            key, position = _DECODER.raw_decode(text, position)
            position = _skip(text, _expect(text, _skip(text, position), ":"))
            if key == "data" and text.startswith("[", position):
                items, position = _converted_list(text, position + 1, convert)
            else:
                _, position = _DECODER.raw_decode(text, position)
                items = None if key == "data" else items
            position = _skip(text, position)
            if not text.startswith(",", position):
                position = _expect(text, position, "}")
                break
            position = _skip(text, position + 1)
    _expect_end(text, position)
    if items is None:
        raise MissingDataListError
    return items


def _converted_list(
    text: str, position: int, convert: Callable[[Any], _Item]
) -> tuple[list[_Item], int]:
    items: list[_Item] = []
    position = _skip(text, position)
    if text.startswith("]", position):
        return items, position + 1
    while True:
        item, position = _DECODER.raw_decode(text, position)
        items.append(convert(item))
        position = _skip(text, position)
        if not text.startswith(",", position):
            return items, _expect(text, position, "]")
        position = _skip(text, position + 1)


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


def _expect(text: str, position: int, character: str) -> int:
    if not text.startswith(character, position):
        raise json.JSONDecodeError(f"Expecting {character!r}", text, position)
    return position + 1


def _expect_end(text: str, position: int) -> None:
    if _skip(text, position) != len(text):
        raise json.JSONDecodeError("Extra data", text, position)
