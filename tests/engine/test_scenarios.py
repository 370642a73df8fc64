"""Every published worked example passes (shared/scenarios/README.md)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from chairside_engine import derive
from tests.engine.builders import totals

pytestmark = pytest.mark.smoke

SCENARIOS = Path(settings.SHARED_DATA_DIR).parent / "scenarios" / "published.json"
CASES: list[dict[str, Any]] = json.loads(SCENARIOS.read_text())


def test_the_published_file_is_read_where_it_is() -> None:
    assert len(CASES) >= 30
    assert all(case["id"].startswith("S") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_published_case(case: dict[str, Any]) -> None:
    if "unsupported" in case:
        pytest.skip(case["unsupported"])
    result = derive(case["document"])
    assert "errors" not in result, result
    assert totals(result["lines"]) == totals(case["expected"]), case["note"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_every_line_names_its_administrations_and_explains_itself(
    case: dict[str, Any],
) -> None:
    result = derive(case["document"])
    ids = {a["id"] for a in case["document"].get("administrations", [])}
    for line in result["lines"]:
        if line["kind"] != "em":
            assert line["administrations"], line
        assert set(line["administrations"]) <= ids
        # One sentence that cites its rule.
        assert line["explanation"].endswith("."), line
        assert line["explanation"].count(". ") == 0, line["explanation"]
        if line["kind"] == "administration":
            assert re.search(r"\bR\d+", line["explanation"]), line["explanation"]
    for finding in result["findings"]:
        assert set(finding["administrations"]) <= ids
