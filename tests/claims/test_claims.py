from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from claims import services as claims
from claims.models import Claim, ClaimLine, Override
from coding.models import Derivation
from coding.services import derive_encounter
from encounters.models import (
    Administration,
    AdministrationEvent,
    AuditEntry,
    Encounter,
    Refusal,
    StaleVersion,
)
from tests.claims.claim_world import ready_encounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(nurse: User, coder: User) -> Encounter:
    return ready_encounter(nurse, coder)


def line_key(visit: Encounter, code: str) -> str:
    from claims.lines import keyed

    return next(k for k, line in keyed(visit.derivation.lines) if line["code"] == code)


def finalise(visit: Encounter, coder: User) -> Claim:
    visit.refresh_from_db()
    return claims.finalise_claim(visit, by=coder, version=visit.version)


def test_finalise_freezes_lines_diagnoses_policy_and_editions(
    visit: Encounter, coder: User
) -> None:
    claims.add_diagnosis(visit, code="c189", by=coder)
    claims.add_diagnosis(visit, code="Z51.11", by=coder)
    claim = finalise(visit, coder)

    visit.refresh_from_db()
    assert visit.status == Encounter.Status.FINALISED
    assert claim.version == 1
    assert claim.frequency_code == "1"
    assert claim.finalised_by == coder
    assert [d["code"] for d in claim.diagnoses] == ["C18.9", "Z51.11"]
    assert claim.policy_label.startswith("Medicare v2")
    assert claim.engine_version
    assert "mue_outpatient_hospital" in claim.reference_editions
    assert claim.parties["patient"]["mrn"] == visit.patient.mrn
    codes = [(line.code, line.units, line.revenue_code) for line in claim.lines.all()]
    assert codes == [
        ("96413", Decimal("1.00"), "0335"),
        ("96415", Decimal("1.00"), "0335"),
        ("96375", Decimal("1.00"), "0260"),
        ("J2405", Decimal("8.00"), "0636"),
        ("J9263", Decimal("340.00"), "0636"),
    ]
    assert all(line.pointers == [1] for line in claim.lines.all())
    assert AuditEntry.objects.filter(encounter=visit, action="claim.finalised").get()


def test_a_finalised_claim_cannot_change(visit: Encounter, coder: User) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    claim = finalise(visit, coder)
    claim.policy_label = "something else"
    with pytest.raises(TypeError):
        claim.save()
    with pytest.raises(TypeError):
        Claim.objects.filter(pk=claim.pk).update(policy_label="x")
    line = claim.lines.first()
    line.units = 99
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        ClaimLine.objects.filter(claim=claim).delete()


def test_a_finalised_encounter_refuses_coder_changes(
    visit: Encounter, coder: User
) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    finalise(visit, coder)
    with pytest.raises(Refusal, match="reopen it"):
        claims.add_diagnosis(visit, code="Z51.11", by=coder)


def test_finalise_without_a_diagnosis_saves_nothing(
    visit: Encounter, coder: User
) -> None:
    with pytest.raises(Refusal, match="at least one ICD-10-CM diagnosis"):
        finalise(visit, coder)
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.READY_FOR_CODING
    assert not Claim.objects.exists()


def test_finalise_with_a_stale_version_is_refused(
    visit: Encounter, coder: User
) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    visit.refresh_from_db()
    with pytest.raises(StaleVersion):
        claims.finalise_claim(visit, by=coder, version=visit.version - 1)
    assert not Claim.objects.exists()


def test_reopen_needs_a_reason_and_makes_a_linked_replacement(
    visit: Encounter, coder: User
) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    first = finalise(visit, coder)
    visit.refresh_from_db()
    with pytest.raises(Refusal, match="reason is required"):
        claims.reopen_claim(visit, reason="  ", by=coder, version=visit.version)

    second = claims.reopen_claim(
        visit, reason="Payer asked for JW", by=coder, version=visit.version
    )
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.CODED
    assert (second.version, second.replaces, second.is_final) == (2, first, False)
    assert second.frequency_code == "7"

    claims.add_diagnosis(visit, code="Z51.11", by=coder)
    with pytest.raises(Refusal, match="payer's claim number of"):
        finalise(visit, coder)
    claims.record_payer_number(first, number="2026000123", by=coder)
    second = finalise(visit, coder)
    assert second.pk == visit.claims.get(version=2).pk
    assert [d["code"] for d in second.diagnoses] == ["C18.9", "Z51.11"]
    first.refresh_from_db()
    assert [d["code"] for d in first.diagnoses] == ["C18.9"]
    assert first.lines.count() == second.lines.count() == 5
    assert list(Claim.objects.current()) == [second]
    assert AuditEntry.objects.filter(action="claim.reopened").get().after["reason"] == (
        "Payer asked for JW"
    )


def test_an_override_changes_the_line_and_is_flagged_when_the_engine_moves(
    visit: Encounter, coder: User, nurse: User
) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    key = line_key(visit, "J9263")
    with pytest.raises(Refusal, match="needs a reason"):
        claims.add_override(
            visit,
            action=Override.Action.CHANGE,
            line_key=key,
            code="",
            units=Decimal(360),
            modifiers=[],
            reason=" ",
            by=coder,
        )
    override = claims.add_override(
        visit,
        action=Override.Action.CHANGE,
        line_key=key,
        code="",
        units=Decimal(360),
        modifiers=["JW"],
        reason="Vial of 180 mg documented as fully used",
        by=coder,
    )
    coding = claims.coding_of(visit, visit.derivation)
    drug = next(line for line in coding.lines if line.code == "J9263")
    assert (drug.text, drug.derived_text) == ("J9263-JW × 360", "J9263 × 340")
    assert coding.misfits == []

    # The nurse's dose changes (here straight in the record): re-derived, the
    # engine's line is no longer what the override was made for.
    infusion = visit.administrations.get(drug__hcpcs="J9263")
    infusion.dose_amount = 180
    infusion.save(update_fields=["dose_amount"])
    derivation = derive_encounter(visit)
    coding = claims.coding_of(visit, derivation)
    assert [c.problem for c in coding.misfits] == [
        "The engine's line changed since the override: J9263 × 340 became J9263 × 360."
    ]
    with pytest.raises(Refusal, match="Override no longer fits"):
        finalise(visit, coder)

    claims.withdraw_override(override, reason="Dose corrected at source", by=coder)
    claim = finalise(visit, coder)
    assert claim.lines.get(code="J9263").units == 360
    actions = list(
        AuditEntry.objects.filter(action__startswith="claim.override").values_list(
            "action", flat=True
        )
    )
    assert actions == ["claim.override.change", "claim.override.withdrawn"]


def test_an_added_line_is_flagged_once_the_engine_codes_it(
    visit: Encounter, coder: User
) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    claims.add_override(
        visit,
        action=Override.Action.ADD,
        line_key="",
        code="96415",
        units=Decimal(1),
        modifiers=[],
        reason="second hour",
        by=coder,
    )
    coding = claims.coding_of(visit, visit.derivation)
    assert "codes 96415 itself" in coding.misfits[0].problem


def test_a_removed_line_is_not_billed(visit: Encounter, coder: User) -> None:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    claims.add_override(
        visit,
        action=Override.Action.REMOVE,
        line_key=line_key(visit, "96375"),
        code="",
        units=None,
        modifiers=[],
        reason="Push given through the running chemo line",
        by=coder,
    )
    claim = finalise(visit, coder)
    assert "96375" not in [line.code for line in claim.lines.all()]
    assert claim.lines.get(code="96413").number == 1


def test_diagnoses_are_validated_and_pointers_follow_a_removal(
    visit: Encounter, coder: User
) -> None:
    with pytest.raises(Refusal, match="is a category, not a billable code"):
        claims.add_diagnosis(visit, code="C18", by=coder)
    with pytest.raises(Refusal, match="not an ICD-10-CM code"):
        claims.add_diagnosis(visit, code="Q99.99X", by=coder)
    first = claims.add_diagnosis(visit, code="C18.9", by=coder)
    claims.add_diagnosis(visit, code="Z51.11", by=coder)
    claims.add_diagnosis(visit, code="R11.2", by=coder)
    key = line_key(visit, "J2405")
    with pytest.raises(Refusal, match="at most 4"):
        claims.set_pointers(visit, line_key=key, ranks=[1, 2, 3, 1, 2], by=coder)
    claims.set_pointers(visit, line_key=key, ranks=[3, 1], by=coder)
    claims.remove_diagnosis(first, by=coder)
    assert list(visit.diagnoses.values_list("code", "rank")) == [
        ("Z51.11", 1),
        ("R11.2", 2),
    ]
    coding = claims.coding_of(visit, visit.derivation)
    assert next(line for line in coding.lines if line.code == "J2405").pointers == [2]
    assert next(line for line in coding.lines if line.code == "96413").pointers == [1]


def test_nurse_events_stay_untouched_by_coding(visit: Encounter, coder: User) -> None:
    events = AdministrationEvent.objects.count()
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    finalise(visit, coder)
    assert AdministrationEvent.objects.count() == events
    assert Derivation.objects.get(encounter=visit).lines


def test_an_office_claim_has_no_revenue_codes_and_carries_the_ndc(
    nurse: User, coder: User
) -> None:
    visit = ready_encounter(nurse, coder, setting="office", ndc="00409-0296-01")
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    claim = finalise(visit, coder)
    drug = claim.lines.get(code="J9263")
    assert (drug.ndc, drug.ndc_quantity, drug.ndc_unit) == (
        "00409029601",
        Decimal("170.000"),
        "ME",
    )
    assert {line.revenue_code for line in claim.lines.all()} == {""}


def test_the_ndc_quantity_of_a_drug_line_sums_its_doses_in_the_ndc_unit() -> None:
    # Two 8 mg pushes billed as one J2405 line of 16; micrograms go as mg (R85).
    given = {
        "1": Administration(
            ndc="00409-0296-01", dose_amount=Decimal(8), dose_unit="mg"
        ),
        "2": Administration(
            ndc="00409-0296-01",
            dose_amount=Decimal(8),
            dose_unit="mg",
            wasted_amount=Decimal(2),
        ),
        "3": Administration(
            ndc="00409-0296-01", dose_amount=Decimal(250), dose_unit="mcg"
        ),
    }
    assert claims.drug_detail(["1", "2"], given, waste=False) == {
        "ndc": "00409029601",
        "ndc_quantity": Decimal(16),
        "ndc_unit": "ME",
    }
    assert claims.drug_detail(["2"], given, waste=True)["ndc_quantity"] == Decimal(2)
    assert claims.drug_detail(["3"], given, waste=False)["ndc_quantity"] == Decimal(
        "0.250"
    )
