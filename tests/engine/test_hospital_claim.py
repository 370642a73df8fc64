"""Contract 1.1: the off-campus department's PO/PN (R99), 340B drugs (R100), the
hospital clinic visit G0463 (R101), the four-modifier cap, and R52 timed from
the end of an infusion."""

from datetime import date
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from chairside_engine import derive
from chairside_engine.modifiers import capped
from chairside_engine.result import Finding, Line
from chairside_engine.schema import document_schema
from tests.engine.builders import admin, codes, document, finding_codes, totals

INFLIXIMAB = {  # OPPS status K: separately payable
    "name": "infliximab",
    "category": "biologic",
    "hcpcs": "J1745",
    "billing_unit": {"amount": 10, "unit": "mg"},
    "single_dose_container": True,
}
OXALIPLATIN = {  # OPPS status N: packaged
    "name": "oxaliplatin",
    "category": "chemotherapy",
    "hcpcs": "J9263",
    "billing_unit": {"amount": 0.5, "unit": "mg"},
}
VISIT = {"code": "99214", "separately_identifiable": True}


def infliximab(id: str = "1", start: str = "09:00", **drug: object) -> dict:
    return admin(
        id,
        "infusion",
        "biologic",
        start,
        120,
        drug=INFLIXIMAB | drug,
        dose={"amount": 375, "unit": "mg"},
        wasted={"amount": 25, "unit": "mg"},
    )


def lines_by_code(result: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for line in result["lines"]:
        out.setdefault(line["code"], []).append(line)
    return out


@pytest.mark.parametrize(
    ("department", "modifier"),
    [("off_campus_excepted", "PO"), ("off_campus_nonexcepted", "PN")],
)
def test_every_line_of_an_off_campus_department_carries_po_or_pn(
    department: str, modifier: str
) -> None:
    result = derive(document(infliximab(), em=VISIT, department=department))
    kinds = {line["kind"] for line in result["lines"]}
    assert kinds == {"administration", "drug", "em"}
    for line in result["lines"]:
        assert modifier in line["modifiers"]  # R99
        assert f"{modifier}: " in line["explanation"]
        assert line["explanation"].endswith("(R99).")
    assert "department.off_campus" in finding_codes(result)


def test_on_campus_lines_carry_neither_po_nor_pn() -> None:
    for doc in (
        document(infliximab()),
        document(infliximab(), department="on_campus"),
    ):
        for line in derive(doc)["lines"]:
            assert not {"PO", "PN"} & set(line["modifiers"])


def test_department_is_refused_on_an_office_claim_and_checked() -> None:
    office = derive(document(infliximab(), setting="office", department="on_campus"))
    assert [e["path"] for e in office["errors"]] == ["department"]
    assert "R99" in office["errors"][0]["message"]
    wrong = derive(document(infliximab(), department="off_site"))
    assert [e["path"] for e in wrong["errors"]] == ["department"]
    bad_340b = derive(document(infliximab(), modifier_340b="JZ"))
    assert [e["path"] for e in bad_340b["errors"]] == ["modifier_340b"]
    flag = derive(document(infliximab(acquired_340b="yes")))
    assert [e["path"] for e in flag["errors"]] == [
        "administrations[0].drug.acquired_340b"
    ]


def test_a_340b_dose_of_a_separately_payable_drug_carries_jg_on_both_lines() -> None:
    result = derive(document(infliximab(acquired_340b=True)))
    # 375 mg = 38 units; 400 mg with the waste = 40: 2 units on the JW line.
    assert totals(result["lines"]) == {
        ("96413", ()): 1,
        ("96415", ()): 1,
        ("J1745", ("JG",)): 38,
        ("J1745", ("JG", "JW")): 2,
    }
    for line in lines_by_code(result)["J1745"]:
        assert "340B" in line["explanation"]
        assert "R100" in line["explanation"]
    tb = derive(document(infliximab(acquired_340b=True), modifier_340b="TB"))
    assert ("J1745", ("JW", "TB")) in totals(tb["lines"])


def test_a_packaged_340b_drug_carries_no_340b_modifier() -> None:
    given = admin(
        "1",
        "infusion",
        "chemotherapy",
        "09:00",
        90,
        drug=OXALIPLATIN | {"acquired_340b": True},
        dose={"amount": 170, "unit": "mg"},
    )
    result = derive(document(given))
    (line,) = lines_by_code(result)["J9263"]
    assert line["modifiers"] == []
    assert "OPPS status N" in line["explanation"]
    assert "R100" in line["explanation"]


def test_340b_and_other_stock_of_one_drug_go_on_separate_lines() -> None:
    result = derive(
        document(
            infliximab("1", "09:00", acquired_340b=True),
            infliximab("2", "09:00", single_dose_container=False),
        )
    )
    drug = lines_by_code(result)["J1745"]
    with_jg = [line for line in drug if "JG" in line["modifiers"]]
    without = [line for line in drug if "JG" not in line["modifiers"]]
    assert {a for line in with_jg for a in line["administrations"]} == {"1"}
    assert {a for line in without for a in line["administrations"]} == {"2"}


def test_the_office_ignores_340b_with_a_finding() -> None:
    result = derive(
        document(infliximab(acquired_340b=True), setting="office", modifier_340b="TB")
    )
    for line in result["lines"]:
        assert not {"JG", "TB"} & set(line["modifiers"])
    notes = [f for f in result["findings"] if f["code"] == "340b.office"]
    assert len(notes) == 2
    assert all(f["severity"] == "info" and "R100" in f["message"] for f in notes)


def test_a_nonexcepted_department_reporting_jg_is_warned() -> None:
    result = derive(
        document(infliximab(acquired_340b=True), department="off_campus_nonexcepted")
    )
    assert "340b.modifier_department" in finding_codes(result)
    tb = derive(
        document(
            infliximab(acquired_340b=True),
            department="off_campus_nonexcepted",
            modifier_340b="TB",
        )
    )
    assert "340b.modifier_department" not in finding_codes(tb)


@pytest.mark.parametrize("level", ["99202", "99211", "99213", "99215"])
def test_a_hospital_visit_of_any_level_is_g0463(level: str) -> None:
    push = admin("1", "push", "therapeutic", "09:00")
    em = {"code": level, "separately_identifiable": True}
    result = derive(document(push, em=em))
    assert totals(result["lines"]) == {("96374", ()): 1, ("G0463", ("25",)): 1}
    (line,) = lines_by_code(result)["G0463"]
    assert line["kind"] == "em"
    assert level in line["explanation"]
    assert "R101" in line["explanation"]
    # G0463 has no MUE, PTP or status row: no edit finding names it.
    assert not any("G0463" in f["message"] for f in result["findings"])
    alone = derive(document(em=em))
    assert totals(alone["lines"]) == {("G0463", ()): 1}


def test_a_visit_that_is_not_separately_identifiable_stays_unreported() -> None:
    push = admin("1", "push", "therapeutic", "09:00")
    em = {"code": "99214", "separately_identifiable": False}
    result = derive(document(push, em=em))
    assert codes(result) == {"96374": 1}
    assert "em.not_separately_identifiable" in finding_codes(result)


def test_as_given_keeps_the_documented_level_and_r73() -> None:
    push = admin("1", "push", "therapeutic", "09:00")
    as_given = {"facility_visit_code": "as_given"}
    result = derive(document(push, em=VISIT, policy=as_given))
    assert totals(result["lines"]) == {("96374", ()): 1, ("99214", ("25",)): 1}
    low = {"code": "99211", "separately_identifiable": True}
    r73 = derive(document(push, em=low, policy=as_given))
    assert codes(r73) == {"96374": 1}
    assert "em.99211_with_administration" in finding_codes(r73)


def test_the_office_reports_the_level_as_given() -> None:
    push = admin("1", "push", "therapeutic", "09:00")
    result = derive(document(push, em=VISIT, setting="office"))
    assert totals(result["lines"]) == {("96374", ()): 1, ("99214", ("25",)): 1}


def test_more_than_four_modifiers_keep_the_contracts_priority() -> None:
    line = Line(
        code="96413",
        units=Decimal(1),
        modifiers=("JG", "53", "XS", "XE", "PO"),
        kind="administration",
        date=date(2026, 3, 2),
        administrations=("1",),
        explanation="Initial service.",
    )
    findings: list[Finding] = []
    (kept,) = capped([line], findings)
    assert kept.modifiers == ("PO", "XS", "XE", "53")
    (finding,) = findings
    assert finding.severity == "warning"
    assert finding.code == "line.modifier_cap"
    assert "JG left out" in finding.message


# R52: a same-drug push is timed from the END of an earlier infusion of the drug.
@pytest.mark.parametrize(("after", "reported"), [(20, False), (30, False), (31, True)])
def test_a_push_after_an_infusion_of_the_same_drug(after: int, reported: bool) -> None:
    infusion = admin("1", "infusion", "therapeutic", "09:00", 43, name="vancomycin")
    end = 9 * 60 + 43 + after
    push = admin(
        "2", "push", "therapeutic", f"{end // 60:02d}:{end % 60:02d}", name="vancomycin"
    )
    result = derive(document(infusion, push))
    if reported:
        assert codes(result) == {"96365": 1, "96376": 1}
        (line,) = lines_by_code(result)["96376"]
        assert "R52" in line["explanation"]
    else:
        assert codes(result) == {"96365": 1}
        (finding,) = [
            f for f in result["findings"] if f["code"] == "push.same_drug_within_30"
        ]
        assert "09:43" in finding["message"]
        assert finding["administrations"] == ["2"]


@pytest.mark.parametrize("start", ["08:30", "09:30"])
def test_a_push_during_or_before_its_own_infusion_is_not_reported(start: str) -> None:
    infusion = admin("1", "infusion", "therapeutic", "09:00", 60, name="vancomycin")
    push = admin("2", "push", "therapeutic", start, name="vancomycin")
    result = derive(document(infusion, push))
    assert codes(result) == {"96365": 1}
    assert "push.same_drug_during_infusion" in finding_codes(result)


def test_the_later_of_infusion_end_and_last_push_starts_the_gap() -> None:
    result = derive(
        document(
            admin("1", "infusion", "therapeutic", "08:00", 30, name="vancomycin"),
            admin("2", "push", "therapeutic", "09:00", name="vancomycin"),
            admin("3", "push", "therapeutic", "09:20", name="vancomycin"),
        )
    )
    # 09:00 is 30 minutes after 08:30: not reported; 09:20 is 80 minutes after
    # the infusion but only 20 after the push at 09:00.
    assert codes(result) == {"96365": 1}


def test_repeat_infusion_as_push_uses_the_same_gap() -> None:
    policy = {"repeat_infusion": "push"}
    close = derive(
        document(
            admin("1", "infusion", "therapeutic", "08:00", 60, name="vancomycin"),
            admin("2", "infusion", "therapeutic", "09:30", 60, name="vancomycin"),
            policy=policy,
        )
    )
    assert codes(close) == {"96365": 1}
    assert "push.same_drug_within_30" in finding_codes(close)
    later = derive(
        document(
            admin("1", "infusion", "therapeutic", "08:00", 60, name="vancomycin"),
            admin("2", "infusion", "therapeutic", "09:31", 60, name="vancomycin"),
            policy=policy,
        )
    )
    assert codes(later) == {"96365": 1, "96376": 1}


def test_a_partial_overlap_explains_itself_with_r56() -> None:
    # MedLearn: A 06:00-07:30 beside B 07:00-16:00 is 96365 + 96366x8 + 96367.
    result = derive(
        document(
            admin("1", "infusion", "therapeutic", "06:00", 90, name="A"),
            admin("2", "infusion", "therapeutic", "07:00", 540, name="B"),
        )
    )
    assert "96368" not in codes(result)
    (line,) = lines_by_code(result)["96367"]
    assert "R56" in line["explanation"]


def test_the_schema_knows_the_new_fields() -> None:
    schema = Draft202012Validator(document_schema())
    doc = document(
        infliximab(acquired_340b=True),
        department="off_campus_excepted",
        modifier_340b="TB",
        policy={"facility_visit_code": "as_given"},
    )
    assert not list(schema.iter_errors(doc))
    assert list(schema.iter_errors({**doc, "department": "elsewhere"}))
