"""Every value of every published document, replaced by each kind of bad JSON
value in turn, gets an answer in the result schema: never a traceback."""

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chairside_engine import derive
from chairside_engine.schema import result_schema
from tests.engine.test_scenarios import CASES

RESULT = Draft202012Validator(result_schema())
# null where a value was, the wrong type, an empty value, and numbers and
# times at or past the edge of what can be read.
JUNK: tuple[Any, ...] = (
    None,
    True,
    -1,
    "",
    [],
    {},
    "1e999999",
    "25:00",
    {"amount": 10**30, "unit": "mg"},
    10**5000,  # an integer Python writes as no text
)

Path = tuple[str | int, ...]


def paths(node: Any, path: Path = ()) -> Iterator[Path]:
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*path, index))


def replaced(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = copy.deepcopy(value)
    return out


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_every_value_replaced_by_junk_is_answered(case: dict[str, Any]) -> None:
    document = case["document"]
    for path in paths(document):
        for value in JUNK:
            RESULT.validate(derive(replaced(document, path, value)))
