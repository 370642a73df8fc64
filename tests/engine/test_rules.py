"""Rules beyond the published cases: sites and visits, policy keys, edits, drugs."""

from chairside_engine import derive
from tests.engine.builders import admin, codes, document, finding_codes, totals


def test_a_second_site_needs_a_documented_reason_for_a_second_initial() -> None:
    sites = [
        {"id": "A", "label": "right forearm PIV"},
        {"id": "B", "label": "port", "separate_access_reason": "incompatible drugs"},
    ]
    both = (
        admin("1", "infusion", "chemotherapy", "09:00", 60),
        admin("2", "infusion", "therapeutic", "09:00", 60, name="abx", site="B"),
    )
    result = derive(document(*both, sites=sites))
    assert totals(result["lines"]) == {("96413", ()): 1, ("96365", ("59",)): 1}  # R46
    assert "initial.separate_access" in finding_codes(result)

    xu = derive(document(*both, sites=sites, policy={"distinct_modifier": "XU"}))
    assert ("96365", ("XU",)) in totals(xu["lines"])

    sites[1].pop("separate_access_reason")  # R96: without it, one access
    one = derive(document(*both, sites=sites))
    assert totals(one["lines"]) == {("96413", ()): 1, ("96368", ()): 1}


def test_a_later_visit_the_same_day_has_its_own_initial() -> None:
    result = derive(
        document(
            admin("1", "infusion", "chemotherapy", "09:00", 60),
            admin("2", "push", "therapeutic", "15:00", name="ondansetron", visit="2"),
            policy={"separate_visit_modifier": "XE"},
        )
    )
    assert totals(result["lines"]) == {("96413", ()): 1, ("96374", ("XE",)): 1}  # R47


def test_same_drug_push_is_96376_in_the_facility_only() -> None:
    pushes = (
        admin("1", "push", "therapeutic", "09:00", name="morphine"),
        admin("2", "push", "therapeutic", "09:20", name="morphine"),
        admin("3", "push", "therapeutic", "10:00", name="morphine"),
    )
    facility = derive(document(*pushes))
    # 09:20 is within 30 minutes of 09:00: not reported; 10:00 is 96376 (R52).
    assert codes(facility) == {"96374": 1, "96376": 1}
    assert "push.same_drug_within_30" in finding_codes(facility)
    office = derive(document(*pushes, setting="office"))
    assert codes(office) == {"96374": 1}  # R52, R67
    assert "push.same_drug_office" in finding_codes(office)


def test_missing_stop_policies() -> None:
    infusion = admin(
        "1",
        "infusion",
        "therapeutic",
        "09:00",
        rate={"amount": 100, "unit": "mL/h"},
        volume_infused={"amount": 250, "unit": "mL"},
    )
    assert codes(derive(document(infusion))) == {"96374": 1}  # R93 push
    derived = derive(document(infusion, policy={"missing_stop": "derive"}))
    assert codes(derived) == {"96365": 1, "96366": 1}  # 150 minutes
    none = derive(document(infusion, policy={"missing_stop": "not_billable"}))
    assert codes(none) == {}
    for result in (derived, none):
        assert "time.missing_stop" in finding_codes(result)
    hydration = derive(document(admin("1", "infusion", "hydration", "09:00")))
    assert codes(hydration) == {}  # R94
    assert "time.missing_stop" in finding_codes(hydration)


def test_biologic_policy_keys() -> None:
    injection = admin("1", "sc_injection", "biologic", "09:00", name="omalizumab")
    assert codes(derive(document(injection))) == {"96372": 1}
    chemo = derive(document(injection, policy={"biologic_injection": "chemotherapy"}))
    assert codes(chemo) == {"96401": 1}
    infusion = admin("1", "infusion", "biologic", "09:00", 120, name="infliximab")
    therapeutic = derive(
        document(infusion, policy={"biologic_infusion": "therapeutic"})
    )
    assert codes(therapeutic) == {"96365": 1, "96366": 1}


def test_drug_overrides_change_category_and_force_a_push() -> None:
    acetaminophen = admin(
        "1", "infusion", "therapeutic", "09:00", 30, name="Acetaminophen"
    )
    policy = {"drug_overrides": {"acetaminophen": {"force_push": True}}}
    result = derive(document(acetaminophen, policy=policy))
    assert codes(result) == {"96374": 1}  # R17
    recat = {"drug_overrides": {"acetaminophen": {"category": "chemotherapy"}}}
    assert codes(derive(document(acetaminophen, policy=recat))) == {"96413": 1}


def test_hydration_segments_sum_or_separate() -> None:
    # 29 minutes before and 20 after a chemotherapy infusion (R36).
    docs = (
        admin("1", "infusion", "hydration", "08:31", 29),
        admin("2", "infusion", "chemotherapy", "09:00", 60),
        admin("3", "infusion", "hydration", "10:00", 20),
    )
    assert codes(derive(document(*docs))) == {"96413": 1, "96361": 1}
    separate = derive(document(*docs, policy={"hydration_segments": "separate"}))
    assert codes(separate) == {"96413": 1}


def test_repeat_infusion_policies() -> None:
    docs = (
        admin("1", "infusion", "therapeutic", "08:00", 60, name="vancomycin"),
        admin("2", "infusion", "therapeutic", "12:00", 60, name="vancomycin"),
    )
    assert codes(derive(document(*docs))) == {"96365": 1, "96366": 1}
    summed = derive(document(*docs, policy={"repeat_infusion": "sum"}))
    assert codes(summed) == {"96365": 1, "96366": 1}  # 120 minutes together
    push = derive(document(*docs, policy={"repeat_infusion": "push"}))
    assert codes(push) == {"96365": 1, "96376": 1}


def test_concurrent_minimum_overlap() -> None:
    docs = (
        admin("1", "infusion", "therapeutic", "09:00", 60, name="A"),
        admin("2", "infusion", "therapeutic", "09:45", 20, name="B"),
    )
    assert codes(derive(document(*docs))) == {"96365": 1, "96368": 1}
    strict = derive(document(*docs, policy={"concurrent_min_overlap": 16}))
    assert codes(strict) == {"96365": 1, "96367": 1}


def test_chemotherapy_is_never_concurrent() -> None:
    result = derive(
        document(
            admin("1", "infusion", "chemotherapy", "09:00", 60, name="A"),
            admin("2", "infusion", "chemotherapy", "09:00", 60, name="B"),
        )
    )
    assert codes(result) == {"96413": 1, "96417": 1}  # R55
    assert "concurrent.chemotherapy" in finding_codes(result)


def test_same_bag_is_one_infusion() -> None:
    result = derive(
        document(
            admin(
                "1",
                "infusion",
                "therapeutic",
                "09:00",
                60,
                name="magnesium",
                bag="B1",
                dose={"amount": 2, "unit": "g"},
            ),
            admin(
                "2",
                "infusion",
                "hydration",
                "09:00",
                60,
                name="normal saline",
                bag="B1",
            ),
        )
    )
    assert codes(result) == {"96365": 1}  # R9, R54


def test_paused_bag_counts_only_running_minutes() -> None:
    result = derive(
        document(
            admin("1", "infusion", "chemotherapy", "09:00", 60, bag="X"),
            admin("2", "infusion", "chemotherapy", "10:30", 45, bag="X"),
        )
    )
    assert codes(result) == {"96413": 1, "96415": 1}  # 105 minutes (R38)
    assert "09:00-10:00, 10:30-11:15 (105 min)" in result["lines"][0]["explanation"]


def test_discontinued_modifier() -> None:
    stopped = admin("1", "infusion", "chemotherapy", "09:00", 40, discontinued=True)
    assert totals(derive(document(stopped))["lines"]) == {("96413", ()): 1}
    policy = {"discontinued_modifier": "53"}
    assert totals(derive(document(stopped, policy=policy))["lines"]) == {
        ("96413", ("53",)): 1
    }


def test_midnight_units_on_start_date_or_actual_date() -> None:
    # R70: hydration 23:00-02:00 is one run: 96360 + 96361 x2.
    run = admin(
        "1", "infusion", "hydration", "2026-03-02T23:00", stop="2026-03-03T02:00"
    )
    start = derive(document(run))
    assert {(ln["code"], ln["date"], ln["units"]) for ln in start["lines"]} == {
        ("96360", "2026-03-02", 1),
        ("96361", "2026-03-02", 2),
    }
    actual = derive(document(run, policy={"midnight": "actual_date"}))
    # Unit 1 qualifies at minute 91 (00:30), unit 2 at minute 151 (01:30).
    assert {(ln["code"], ln["date"], ln["units"]) for ln in actual["lines"]} == {
        ("96360", "2026-03-02", 1),
        ("96361", "2026-03-03", 2),
    }


def test_daylight_saving_counts_real_minutes() -> None:
    # 2026-03-08 01:30 to 03:30 in Chicago is 60 real minutes (clocks jump).
    run = admin("1", "infusion", "chemotherapy", "01:30", stop="03:30")
    result = derive(
        document(run, date_of_service="2026-03-08", timezone="America/Chicago")
    )
    assert codes(result) == {"96413": 1}
    assert "(60 min)" in result["lines"][0]["explanation"]


def test_port_flush_only_alone() -> None:
    flush = {"id": "9", "method": "port_flush", "start": "08:00"}
    assert codes(derive(document(flush))) == {"96523": 1}
    with_push = derive(document(flush, admin("1", "push", "therapeutic", "08:10")))
    assert codes(with_push) == {"96374": 1}  # R24, NCCI modifier indicator 0
    finding = next(f for f in with_push["findings"] if f["code"] == "edit.ncci_bundled")
    assert "NCCI_PTP_OPH_2024Q3" in finding["message"]


def test_injection_with_an_iv_service_gets_the_distinct_modifier() -> None:
    result = derive(
        document(
            admin("1", "infusion", "chemotherapy", "09:00", 60),
            admin("2", "sc_injection", "therapeutic", "11:00", name="filgrastim"),
        )
    )
    assert totals(result["lines"]) == {("96413", ()): 1, ("96372", ("59",)): 1}


def test_pump_start_and_refill() -> None:
    pump = admin("1", "prolonged_pump", "chemotherapy", "11:00", name="fluorouracil")
    assert codes(derive(document(pump))) == {"96416": 1}
    g0498 = derive(
        document(pump, setting="office", policy={"prolonged_pump_code": "G0498"})
    )
    assert codes(g0498) == {"G0498": 1}
    refill = {"id": "2", "method": "pump_refill", "start": "12:00"}
    # R25: no refill on the day the pump is started.
    assert codes(derive(document(pump, refill))) == {"96416": 1}


def test_intralesional_counts_lesions_once() -> None:
    few = admin("1", "intralesional", "chemotherapy", "09:00", lesions=5)
    more = admin("2", "intralesional", "chemotherapy", "09:10", lesions=4)
    assert codes(derive(document(few))) == {"96405": 1}
    assert codes(derive(document(few, more))) == {"96406": 1}  # R22


def test_em_with_administration() -> None:
    push = admin("1", "push", "therapeutic", "09:00")
    em = {"code": "99214", "separately_identifiable": True}
    office = document(push, em=em, setting="office")
    assert totals(derive(office)["lines"]) == {
        ("96374", ()): 1,
        ("99214", ("25",)): 1,
    }
    visit = {"code": "99211", "separately_identifiable": True}
    allowed = derive(
        document(
            push,
            em=visit,
            policy={"allow_99211_with_admin": True, "facility_visit_code": "as_given"},
        )
    )
    assert ("99211", ("25",)) in totals(allowed["lines"])


def test_mue_warns_or_caps() -> None:
    pushes = [
        admin(str(n), "push", "therapeutic", f"{8 + n:02d}:00", name=f"drug {n}")
        for n in range(8)
    ]
    warned = derive(document(*pushes))
    assert codes(warned) == {"96374": 1, "96375": 7}
    mue = next(f for f in warned["findings"] if f["code"] == "edit.mue")
    assert "NCCI_MUE_2024Q3" in mue["message"]
    capped = derive(document(*pushes, policy={"mue": "cap"}))
    assert codes(capped) == {"96374": 1, "96375": 6}


def test_drug_units_rounding_waste_and_ndc() -> None:
    infliximab = {
        "name": "infliximab",
        "category": "biologic",
        "hcpcs": "J1745",
        "billing_unit": {"amount": 10, "unit": "mg"},
        "single_dose_container": True,
        "ndc": "57894-0030-01",
    }
    given = admin(
        "1",
        "infusion",
        "biologic",
        "09:00",
        120,
        drug=infliximab,
        dose={"amount": 0.375, "unit": "g"},
        wasted={"amount": 25, "unit": "mg"},
    )
    result = derive(document(given))
    drug_lines = [ln for ln in result["lines"] if ln["kind"] == "drug"]
    assert [(ln["units"], ln["modifiers"], ln["ndc"]) for ln in drug_lines] == [
        (38, [], "57894003001"),
        (2, ["JW"], "57894003001"),
    ]
    decimal = derive(document(given, policy={"unit_rounding": "decimal"}))
    assert [ln["units"] for ln in decimal["lines"] if ln["kind"] == "drug"] == [
        37.5,
        2.5,
    ]
    no_ndc = dict(given, drug={k: v for k, v in infliximab.items() if k != "ndc"})
    required = derive(document(no_ndc, policy={"ndc_required": True}))
    assert any(
        f["code"] == "drug.ndc_missing" and f["severity"] == "error"
        for f in required["findings"]
    )


def test_no_waste_modifiers_for_a_drug_packaged_in_the_hospital() -> None:
    # J2405 ondansetron has OPPS status indicator N: packaged, so no JZ (R83).
    ondansetron = {
        "name": "ondansetron",
        "category": "therapeutic",
        "hcpcs": "J2405",
        "billing_unit": {"amount": 1, "unit": "mg"},
        "single_dose_container": True,
    }
    push = admin(
        "1",
        "push",
        "therapeutic",
        "09:00",
        drug=ondansetron,
        dose={"amount": 4, "unit": "mg"},
    )
    facility = derive(document(push))
    assert ("J2405", ()) in totals(facility["lines"])
    office = derive(document(push, setting="office"))
    assert ("J2405", ("JZ",)) in totals(office["lines"])


def test_office_primary_reason_hydration_too_short_to_be_initial() -> None:
    result = derive(
        document(
            admin("1", "infusion", "hydration", "09:00", 25, primary_reason=True),
            admin("2", "push", "therapeutic", "09:10", name="ondansetron"),
            setting="office",
        )
    )
    assert codes(result) == {"96374": 1}
    assert "initial.primary_reason_too_short" in finding_codes(result)
