"""An answer's ``data`` list is decoded one item at a time, with ``json.loads``'s verdicts."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_exporter.openrouter.data_list import (
    MissingDataListError,
    converted_data_items,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def identity(item: Any) -> Any:
    return item


def test_each_item_is_converted_in_order() -> None:
    assert converted_data_items('{"data": [1, 2, 3]}', lambda item: item * 10) == [10, 20, 30]


def test_an_empty_list_has_no_items() -> None:
    assert converted_data_items('{"data": []}', identity) == []


def test_other_keys_before_and_after_the_list_are_skipped() -> None:
    text = '{"total_count": 2, "data": [{"a": 1}], "meta": {"next": null}}'
    assert converted_data_items(text, identity) == [{"a": 1}]


def test_whitespace_anywhere_json_allows_it_is_accepted() -> None:
    text = ' \n{ "data" :\t[ {"a" : [1 , 2]} ,\r\n 3 ] , "x" : "y" }\n '
    assert converted_data_items(text, identity) == [{"a": [1, 2]}, 3]


def test_the_last_data_key_wins_as_in_json_loads() -> None:
    assert converted_data_items('{"data": [1], "data": [2]}', identity) == [2]


def test_a_later_data_key_that_is_no_list_leaves_no_list() -> None:
    with pytest.raises(MissingDataListError):
        converted_data_items('{"data": [1], "data": {}}', identity)


@pytest.mark.parametrize(
    "text",
    ['{"data": {"rows": []}}', "{}", '{"items": []}', "[1, 2]", '"data"', "null"],
)
def test_json_without_a_data_list_is_told_apart(text: str) -> None:
    with pytest.raises(MissingDataListError):
        converted_data_items(text, identity)


@pytest.mark.parametrize(
    "text",
    [
        "",
        '{"data": [1, 2',
        '{"data": [1,]}',
        '{"data": [1] "x": 2}',
        "{data: [1]}",
        "{1: [1]}",
        '{"data": [1]} trailing',
        '{"data": [1]}{}',
        "<html>502 Bad Gateway</html>",
    ],
)
def test_a_body_that_is_not_json_is_a_decode_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        converted_data_items(text, identity)


@given(
    items=st.lists(JSON_VALUES, max_size=5),
    others=st.dictionaries(st.text(max_size=5).filter(lambda key: key != "data"), JSON_VALUES),
    indent=st.none() | st.integers(min_value=0, max_value=2),
)
def test_the_items_are_those_json_loads_finds(
    items: list[Any], others: dict[str, Any], indent: int | None
) -> None:
    text = json.dumps({**others, "data": items}, indent=indent)
    assert converted_data_items(text, identity) == json.loads(text)["data"]
