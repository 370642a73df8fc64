"""Properties that hold for every encounter, checked on generated documents."""

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from chairside_engine import derive
from chairside_engine.parsing import DEPARTMENTS
from chairside_engine.schema import result_schema
from chairside_engine.tables import packaged
from tests.engine.builders import minutes_after

EXAMPLES = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
INITIAL_CODES = {"96360", "96365", "96374", "96409", "96413"}
HYDRATION_CODES = {"96360", "96361"}
RESULT = Draft202012Validator(result_schema())
DRUGS = ["oxaliplatin", "leucovorin", "ondansetron", "dexamethasone", "normal saline"]
# Drugs that also get a drug line: infliximab is separately payable under OPPS
# (status K: a 340B dose carries JG or TB), oxaliplatin packaged (status N).
SUPPLY = {
    "infliximab": ("J1745", 10),
    "oxaliplatin": ("J9263", 0.5),
    "ondansetron": ("J2405", 1),
}
CATEGORY = {
    "oxaliplatin": "chemotherapy",
    "leucovorin": "therapeutic",
    "ondansetron": "therapeutic",
    "dexamethasone": "therapeutic",
    "normal saline": "hydration",
}


@st.composite
def administrations(
    draw: st.DrawFn, sites: list[str], visits: bool = False
) -> dict[str, Any]:
    name = draw(st.sampled_from([*DRUGS, "infliximab", "omalizumab"]))
    category = CATEGORY.get(name, "biologic")
    method = draw(
        st.sampled_from(["infusion", "infusion", "infusion", "push", "sc_injection"])
    )
    start = draw(st.integers(min_value=6 * 60, max_value=14 * 60))
    out: dict[str, Any] = {
        "method": method,
        "drug": {"name": name, "category": category},
        "start": f"{start // 60:02d}:{start % 60:02d}",
    }
    if method in ("infusion", "push"):
        out["site"] = draw(st.sampled_from(sites))
        duration = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
        if duration is not None:
            out["stop"] = minutes_after(out["start"], duration)
        if draw(st.booleans()) and draw(st.booleans()):
            out["bag"] = draw(st.sampled_from(["b1", "b2"]))
    if draw(st.integers(0, 9)) == 0:
        out["primary_reason"] = True
    if name in SUPPLY and draw(st.booleans()):
        hcpcs, per = SUPPLY[name]
        out["drug"] |= {
            "hcpcs": hcpcs,
            "billing_unit": {"amount": per, "unit": "mg"},
            "single_dose_container": draw(st.booleans()),
            "acquired_340b": draw(st.booleans()),
        }
        out["dose"] = {"amount": draw(st.integers(1, 500)), "unit": "mg"}
        out["wasted"] = {"amount": draw(st.integers(0, 50)), "unit": "mg"}
    if draw(st.integers(0, 9)) == 0:
        out["discontinued"] = True
    if visits and draw(st.integers(0, 4)) == 0:
        out["visit"] = "2"
    return out


@st.composite
def documents(
    draw: st.DrawFn, *, reasons: bool = True, visits: bool = False
) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=3))
    sites = [{"id": f"S{n}", "label": f"site {n}"} for n in range(count)]
    if reasons and draw(st.booleans()):
        sites[-1]["separate_access_reason"] = "incompatible drugs"
    ids = [s["id"] for s in sites]
    admins = draw(st.lists(administrations(ids, visits), min_size=1, max_size=8))
    for number, item in enumerate(admins, start=1):
        item["id"] = str(number)
    policy = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "initial_service": st.sampled_from(["primary_reason", "hierarchy"]),
                "hydration_segments": st.just("sum"),
                "repeat_infusion": st.sampled_from(["additional_hour", "sum", "push"]),
                "missing_stop": st.sampled_from(["push", "not_billable"]),
                "concurrent_min_overlap": st.integers(0, 30),
                "biologic_injection": st.sampled_from(["therapeutic", "chemotherapy"]),
                "discontinued_modifier": st.sampled_from(["none", "53"]),
                "distinct_modifier": st.sampled_from(["59", "XS", "XU"]),
                "separate_visit_modifier": st.sampled_from(["59", "XE"]),
                "facility_visit_code": st.sampled_from(["G0463", "as_given"]),
            },
        )
    )
    setting = draw(st.sampled_from(["facility", "office"]))
    doc = {
        "setting": setting,
        "timezone": "America/Chicago",
        "date_of_service": "2026-03-02",
        "policy": policy,
        "sites": sites,
        "administrations": admins,
    }
    if setting == "facility" and draw(st.booleans()):
        doc["department"] = draw(st.sampled_from(DEPARTMENTS))
    if draw(st.integers(0, 3)) == 0:
        doc["modifier_340b"] = draw(st.sampled_from(["JG", "TB"]))
    if draw(st.integers(0, 3)) == 0:
        doc["em"] = {
            "code": draw(st.sampled_from(["99211", "99213", "99215"])),
            "separately_identifiable": draw(st.booleans()),
        }
    return doc


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def damaged(draw: st.DrawFn) -> Any:
    """A valid document with one value anywhere replaced by arbitrary JSON."""
    doc = draw(documents())
    node: Any = doc
    for _ in range(draw(st.integers(1, 4))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or draw(st.booleans()):
                node[key] = draw(json_values)
                return doc
            node = node[key]
        elif isinstance(node, list) and node:
            node = node[draw(st.integers(0, len(node) - 1))]
    return doc


@EXAMPLES
@given(st.one_of(documents(), damaged(), json_values))
def test_derive_never_raises_and_always_answers_the_result_schema(doc: Any) -> None:
    RESULT.validate(derive(doc))


@EXAMPLES
@given(documents())
def test_every_add_on_line_has_one_of_its_primaries(doc: dict[str, Any]) -> None:
    lines = derive(doc)["lines"]
    present = {line["code"] for line in lines}
    for line in lines:
        primaries = packaged().addon_primaries.get(line["code"])
        if primaries is not None:
            assert present & primaries, line


@EXAMPLES
@given(documents())
def test_one_initial_service_unless_a_site_has_a_separate_access_reason(
    doc: dict[str, Any],
) -> None:
    lines = derive(doc)["lines"]
    initials = sum(line["units"] for line in lines if line["code"] in INITIAL_CODES)
    reasoned = sum(1 for site in doc["sites"] if site.get("separate_access_reason"))
    assert initials <= 1 + reasoned


def drip_minutes(doc: dict[str, Any], hydration: bool) -> set[int]:
    """The minutes of the day during which some (non-)hydration item ran."""
    minutes: set[int] = set()
    for item in doc["administrations"]:
        if (item["drug"]["category"] == "hydration") != hydration or "stop" not in item:
            continue
        start = int(item["start"][:2]) * 60 + int(item["start"][3:])
        stop = int(item["stop"][:2]) * 60 + int(item["stop"][3:])
        minutes |= set(range(start, stop))
    return minutes


@EXAMPLES
@given(documents(reasons=False))
def test_no_hydration_unit_is_earned_by_minutes_shared_with_another_drug(
    doc: dict[str, Any],
) -> None:
    for item in doc["administrations"]:
        item.pop("bag", None)  # a drug in the bag makes it a drug infusion (R9)
    alone = len(drip_minutes(doc, True) - drip_minutes(doc, False))
    units = sum(
        line["units"]
        for line in derive(doc)["lines"]
        if line["code"] in HYDRATION_CODES
    )
    # 96360 + its add-ons and 96361 alone both come to floor((H + 29) / 60).
    assert units <= (alone + 29) // 60 if alone >= 31 else units == 0


def claim(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (line["code"], tuple(line["modifiers"]), line["units"], line["date"])
        for line in result["lines"]
    )


@EXAMPLES
@given(documents(), st.randoms(use_true_random=False))
def test_the_order_of_administrations_never_changes_the_result(
    doc: dict[str, Any], rnd: random.Random
) -> None:
    before = derive(doc)
    rnd.shuffle(doc["administrations"])
    rnd.shuffle(doc["sites"])
    after = derive(doc)
    assert claim(after) == claim(before)
    assert sorted(f["code"] for f in after["findings"]) == sorted(
        f["code"] for f in before["findings"]
    )


@EXAMPLES
@given(documents(), st.integers(min_value=-400, max_value=400))
def test_moving_the_encounter_by_whole_days_never_changes_codes_or_units(
    doc: dict[str, Any], days: int
) -> None:
    # From 2026-03-02 the shift crosses the daylight-saving changes of Chicago.
    before = derive(doc)
    moved = date(2026, 3, 2) + timedelta(days=days)
    doc["date_of_service"] = moved.isoformat()
    after = derive(doc)
    assert [c[:3] for c in claim(after)] == [c[:3] for c in claim(before)]


@EXAMPLES
@given(documents(visits=True))
def test_facility_modifiers_follow_the_department_and_the_drug(
    doc: dict[str, Any],
) -> None:
    lines = derive(doc)["lines"]
    marks = [{"PO", "PN"} & set(line["modifiers"]) for line in lines]
    # R99: PO or PN on every line of an off-campus department or on none, never
    # both on one line.
    assert all(len(mark) <= 1 for mark in marks)
    assert len({frozenset(mark) for mark in marks}) <= 1
    if doc.get("department", "on_campus") == "on_campus":
        assert not any(marks)
    for line in lines:
        # R100: JG and TB only on drug lines; a line holds at most four
        # modifiers, each once.
        if {"JG", "TB"} & set(line["modifiers"]):
            assert line["kind"] == "drug"
            assert doc["setting"] == "facility"
        assert len(line["modifiers"]) <= 4
        assert len(set(line["modifiers"])) == len(line["modifiers"])
