"""The codes Chairside keeps from CMS's national files."""

import pytest

from reference.scope import usable_code


@pytest.mark.parametrize(
    "code",
    [
        "96360",
        "96549",
        "99202",
        "99215",
        "G0463",
        "C8957",
        "G0498",
        "Q0081",
        "Q0083",
        "Q0084",
        "Q0085",
        "36000",
        "36410",
        "36591",
        "36592",
        "36593",
        "J9035",
        "Q5101",
        "C9000",
        "C9399",
        "C9999",
        " j1745 ",
    ],
)
def test_kept(code: str) -> None:
    assert usable_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "96359",
        "96550",
        "99201",
        "99216",
        "99221",
        "G0464",
        "36590",
        "11042",
        "C8999",
        "A9606",
        "J903",
        "J90355",
        "JA035",
        "90371",
        "",
    ],
)
def test_not_kept(code: str) -> None:
    assert not usable_code(code)
