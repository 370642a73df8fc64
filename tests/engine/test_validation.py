"""An invalid document gets every problem with its path, and never a traceback."""

from chairside_engine import derive
from tests.engine.builders import admin, document


def errors_of(result: dict[str, object]) -> dict[str, str]:
    assert set(result) == {"errors"}
    return {e["path"]: e["message"] for e in result["errors"]}  # type: ignore[attr-defined]


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    bad = document(
        admin("1", "infusion", "chemotherapy", "09:40", stop="09:10"),
        admin("1", "push", "vitamin", "25:00", site="Z"),
        setting="home",
        timezone="Mars/Olympus",
        policy={"mue": "ignore", "colour": "blue"},
    )
    errors = errors_of(derive(bad))
    assert errors["administrations[0].stop"] == "stop 09:10 is before start 09:40"
    assert "used twice" in errors["administrations[1].id"]
    assert "administrations[1].drug.category" in errors
    assert "administrations[1].start" in errors
    assert "administrations[1].site" in errors
    assert "setting" in errors
    assert "timezone" in errors
    assert "policy.mue" in errors
    assert errors["policy.colour"] == "unknown policy key 'colour'"


def test_unknown_keys_are_refused_at_every_level() -> None:
    doc = document(admin("1", "push", "therapeutic", "09:00", colour="red"))
    doc["extra"] = 1
    doc["sites"][0]["floor"] = 2
    doc["administrations"][0]["drug"]["strength"] = "high"
    errors = errors_of(derive(doc))
    assert set(errors) == {
        "extra",
        "sites[0].floor",
        "administrations[0].colour",
        "administrations[0].drug.strength",
    }


def test_units_must_convert_to_the_billing_unit() -> None:
    drug = {
        "name": "x",
        "category": "therapeutic",
        "hcpcs": "J1234",
        "billing_unit": {"amount": 1, "unit": "mg"},
    }
    doc = document(
        admin(
            "1",
            "push",
            "therapeutic",
            "09:00",
            drug=drug,
            dose={"amount": 5, "unit": "mL"},
        )
    )
    assert "administrations[0].dose.unit" in errors_of(derive(doc))


def test_hh_mm_times_need_a_date_of_service() -> None:
    doc = document(admin("1", "push", "therapeutic", "09:00"))
    del doc["date_of_service"]
    assert "administrations[0].start" in errors_of(derive(doc))
    doc["administrations"][0]["start"] = "2026-03-02T09:00"
    assert derive(doc)["lines"][0]["date"] == "2026-03-02"


def test_not_an_object() -> None:
    for junk in (None, [], "text", 3, {"setting": []}):
        assert derive(junk)["errors"]


def test_an_em_code_that_is_not_text_is_refused() -> None:
    for junk in ({"code": "99213"}, ["99213"], 99213):
        doc = document(em={"code": junk, "separately_identifiable": True})
        assert "em.code" in errors_of(derive(doc))


def test_a_null_start_or_lesions_count_is_missing() -> None:
    doc = document(
        admin("1", "infusion", "chemotherapy", "09:00", 60),
        admin("2", "intralesional", "chemotherapy", "09:30", lesions=None),
    )
    doc["administrations"][0]["start"] = None
    errors = errors_of(derive(doc))
    assert errors["administrations[0].start"] == "start is required"
    assert "needs lesions" in errors["administrations[1].lesions"]


def test_absurd_amounts_are_refused_not_computed() -> None:
    # 10**5000 has more digits than Python writes as text by default; the last
    # has more than a decimal computes with.
    for amount in (
        "1e999999",
        10**30,
        "1e-999999",
        10**5000,
        -(10**5000),
        "1." + "0" * 40 + "1",
    ):
        doc = document(
            admin(
                "1",
                "push",
                "therapeutic",
                "09:00",
                dose={"amount": amount, "unit": "mg"},
            )
        )
        assert (
            "out of range" in errors_of(derive(doc))["administrations[0].dose.amount"]
        )
