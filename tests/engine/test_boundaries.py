"""The minute boundaries of section N's unit table, for every time-based family."""

import pytest

from chairside_engine import derive
from tests.engine.builders import admin, codes, document

BOUNDARIES = [15, 16, 30, 31, 90, 91, 150, 151, 210, 211]


def hours(minutes: int) -> int:
    """R31, written out as the unit table reads: 91-150 one, 151-210 two ..."""
    if minutes <= 90:
        return 0
    return (minutes - 91) // 60 + 1


@pytest.mark.parametrize("minutes", BOUNDARIES)
@pytest.mark.parametrize(
    ("category", "initial", "push", "addon"),
    [
        ("chemotherapy", "96413", "96409", "96415"),
        ("therapeutic", "96365", "96374", "96366"),
        ("biologic", "96413", "96409", "96415"),  # R6-R7 default: complex
    ],
)
def test_initial_infusion(
    minutes: int, category: str, initial: str, push: str, addon: str
) -> None:
    result = derive(document(admin("1", "infusion", category, "09:00", minutes)))
    if minutes <= 15:
        assert codes(result) == {push: 1}  # R14
    else:
        expected = {initial: 1}
        if hours(minutes):
            expected[addon] = hours(minutes)
        assert codes(result) == expected


@pytest.mark.parametrize("minutes", BOUNDARIES)
def test_initial_hydration(minutes: int) -> None:
    result = derive(document(admin("1", "infusion", "hydration", "09:00", minutes)))
    if minutes <= 30:
        assert codes(result) == {}  # R30
        assert "hydration.under_31" in {f["code"] for f in result["findings"]}
    else:
        expected = {"96360": 1}
        if hours(minutes):
            expected["96361"] = hours(minutes)
        assert codes(result) == expected


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        (15, 0),
        (16, 0),
        (30, 0),
        (31, 1),
        (90, 1),
        (91, 2),
        (150, 2),
        (151, 3),
        (210, 3),
        (211, 4),
    ],
)
def test_secondary_hydration(minutes: int, units: int) -> None:
    # R32: after a push initial, hydration earns 96361 from its 31st minute.
    result = derive(
        document(
            admin("1", "push", "therapeutic", "08:00", 2, name="ondansetron"),
            admin("2", "infusion", "hydration", "08:02", minutes),
        )
    )
    expected = {"96374": 1}
    if units:
        expected["96361"] = units
    assert codes(result) == expected


@pytest.mark.parametrize("minutes", BOUNDARIES)
@pytest.mark.parametrize(
    ("category", "sequential", "push", "addon"),
    [
        ("chemotherapy", "96417", "96411", "96415"),
        ("therapeutic", "96367", "96375", "96366"),
    ],
)
def test_sequential_infusion(
    minutes: int, category: str, sequential: str, push: str, addon: str
) -> None:
    # After a 60-minute chemotherapy initial, the second drug starts its own clock.
    result = derive(
        document(
            admin("1", "infusion", "chemotherapy", "08:00", 60, name="cisplatin"),
            admin("2", "infusion", category, "09:00", minutes, name="second drug"),
        )
    )
    expected = {"96413": 1}
    if minutes <= 15:
        expected[push] = 1
    else:
        expected[sequential] = 1
        if hours(minutes):
            expected[addon] = hours(minutes)
    assert codes(result) == expected


@pytest.mark.parametrize("minutes", BOUNDARIES)
def test_subcutaneous_infusion(minutes: int) -> None:
    result = derive(
        document(admin("1", "sc_infusion", "therapeutic", "09:00", minutes, site=None))
    )
    if minutes <= 15:
        assert codes(result) == {"96372": 1}
    else:
        expected = {"96369": 1}
        if hours(minutes):
            expected["96370"] = hours(minutes)
        assert codes(result) == expected


@pytest.mark.parametrize("minutes", BOUNDARIES)
def test_intra_arterial_chemotherapy(minutes: int) -> None:
    result = derive(
        document(
            admin("1", "intra_arterial_infusion", "chemotherapy", "09:00", minutes)
        )
    )
    if minutes <= 15:
        assert codes(result) == {"96420": 1}
    else:
        expected = {"96422": 1}
        if hours(minutes):
            expected["96423"] = hours(minutes)
        assert codes(result) == expected


@pytest.mark.parametrize("minutes", BOUNDARIES)
def test_repeat_infusion_of_the_same_drug(minutes: int) -> None:
    # R37 (a): the later bag takes the hour add-on for its own minutes.
    result = derive(
        document(
            admin("1", "infusion", "therapeutic", "08:00", 60, name="vancomycin"),
            admin("2", "infusion", "therapeutic", "12:00", minutes, name="vancomycin"),
        )
    )
    expected = {"96365": 1}
    if minutes <= 15:
        expected["96376"] = 1  # a push of a drug infused earlier (R52)
    else:
        expected["96366"] = 1 + hours(minutes)
    assert codes(result) == expected
