"""The scrubber: what a payer's front door would refuse is said before
Finalise, every reason at once, and nothing is saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims import scrubber
from claims import services as claims
from claims.models import AuthorisationUse, Claim
from encounters.models import Encounter, Refusal
from payers.models import Authorisation, AuthorisationRequirement, Payer
from providers.models import Practitioner
from tests.claims.claim_world import ready_encounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(nurse: User, coder: User) -> Encounter:
    ready = ready_encounter(nurse, coder)
    claims.add_diagnosis(ready, code="C18.9", by=coder)
    return ready


def gaps(visit: Encounter) -> list[str]:
    visit.refresh_from_db()
    return scrubber.gaps(visit, claims.coding_of(visit, visit.derivation))


def finalise(visit: Encounter, coder: User) -> Claim:
    visit.refresh_from_db()
    return claims.finalise_claim(visit, by=coder, version=visit.version)


def test_a_claim_with_everything_has_no_gap(visit: Encounter) -> None:
    assert gaps(visit) == []


def test_every_gap_is_said_at_once_and_nothing_is_saved(
    visit: Encounter, coder: User
) -> None:
    visit.patient.coverages.all().delete()
    visit.patient.address_line1 = ""
    visit.patient.save()
    visit.location.billing_provider = None
    visit.location.save()
    Encounter.objects.filter(pk=visit.pk).update(attending_practitioner=None)
    with pytest.raises(Refusal) as refused:
        finalise(visit, coder)
    said = refused.value.message
    for reason in (
        "has no coverage in force on",
        "address (Patients: address)",
        "bills as no billing provider",
        "Name the attending practitioner",
    ):
        assert reason in said
    assert not Claim.objects.filter(finalised_at__isnull=False).exists()


def test_a_payer_other_than_the_primary_coverage_is_an_error(
    visit: Encounter,
) -> None:
    other = Payer.objects.get(name="Lakeshore Mutual")
    Encounter.objects.filter(pk=visit.pk).update(payer=other)
    found = gaps(visit)
    assert any("but the primary coverage on its date is Medicare" in g for g in found)
    assert any("has no Lakeshore Mutual coverage" in g for g in found)


def test_an_npi_with_a_wrong_check_digit_is_named(visit: Encounter) -> None:
    attending = visit.attending_practitioner
    assert attending is not None
    Practitioner.objects.filter(pk=attending.pk).update(npi="1003000127")
    (found,) = gaps(visit)
    assert "check digit" in found
    assert "attending practitioner" in found


def test_prior_authorisation_missing_expired_used_up_and_counted_once(
    visit: Encounter, coder: User, nurse: User
) -> None:
    AuthorisationRequirement.objects.create(payer=visit.payer, code="J9263")
    (missing,) = gaps(visit)
    assert "J9263 needs Medicare's prior authorisation and none is recorded" in missing

    day = visit.date
    expired = Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="MCR-OLD",
        codes=["J9263"],
        units_approved=Decimal(1000),
        effective_from=day - timedelta(days=200),
        effective_to=day - timedelta(days=1),
    )
    (ended,) = gaps(visit)
    assert f"{expired.number} does not cover" in ended

    current = Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="MCR-2026-77",
        codes=["J9263"],
        units_approved=Decimal(400),
        visits_approved=2,
        effective_from=day - timedelta(days=1),
        effective_to=day + timedelta(days=90),
    )
    assert gaps(visit) == []
    claim = finalise(visit, coder)
    assert claim.parties["authorisation"] == "MCR-2026-77"
    (use,) = AuthorisationUse.objects.all()
    assert (use.units, use.visits) == (Decimal(340), 1)

    # A replacement takes the place of the claim it replaces: counted once.
    visit.refresh_from_db()
    claims.reopen_claim(visit, reason="corrected", by=coder, version=visit.version)
    claims.record_payer_number(claim, number="26001", by=coder)
    finalise(visit, coder)
    (use,) = AuthorisationUse.objects.all()
    assert use.claim.version == 2
    assert current.left().describe() == "60 units and 1 visit left"

    # The next encounter needs 340 units of the 60 left.
    again = ready_encounter(nurse, coder)
    Encounter.objects.filter(pk=again.pk).update(patient=visit.patient)
    claims.add_diagnosis(again, code="C18.9", by=coder)
    (short,) = gaps(again)
    assert "MCR-2026-77 has 60 units and 1 visit left" in short
    assert "not enough for J9263" in short


def test_the_coder_names_the_practitioners_on_the_review_page(
    visit: Encounter, as_coder: Client
) -> None:
    Encounter.objects.filter(pk=visit.pk).update(attending_practitioner=None)
    address = reverse("claims:set_practitioners", kwargs={"pk": visit.pk})
    page = as_coder.get(reverse("claims:review", kwargs={"pk": visit.pk})).text
    assert "Name the attending practitioner" in page
    refused = as_coder.post(address, {"ordering": ""}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "This field is required." in refused.text
    chen = Practitioner.objects.create(
        last_name="Chen", first_name="Li", npi="1195738426", taxonomy="207RR0500X"
    )
    named = as_coder.post(
        address,
        {"ordering": chen.pk, "attending": chen.pk},
        headers={"HX-Request": "true"},
    )
    assert named.status_code == 200
    assert "attended by Li Chen" in named.text
    visit.refresh_from_db()
    assert visit.attending_practitioner == chen
    assert gaps(visit) == []
    assert visit.audit_entries.filter(action="claim.practitioners").exists()


def test_a_secondary_coverage_without_a_primary_in_force_is_an_error(
    visit: Encounter,
) -> None:
    # Billed as the secondary payer (SBR01 S) with no primary to name in
    # 2320: the payer would look for the primary's adjudication.
    visit.patient.coverages.update(order=2)
    (found,) = gaps(visit)
    assert "secondary coverage" in found
    assert "no primary coverage" in found


def test_a_replacement_without_the_authorisation_gives_its_use_back(
    visit: Encounter, coder: User
) -> None:
    AuthorisationRequirement.objects.create(payer=visit.payer, code="J9263")
    day = visit.date
    first = Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="MCR-A",
        codes=["J9263"],
        units_approved=Decimal(400),
        effective_from=day - timedelta(days=1),
        effective_to=day + timedelta(days=90),
    )
    claim = finalise(visit, coder)
    assert first.left().describe() == "60 units left"
    # The payer issues a new number for the same drug; the claim is replaced
    # under it: the first authorisation no longer carries this encounter.
    second = Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="MCR-B",
        codes=["J9263"],
        units_approved=Decimal(500),
        effective_from=day - timedelta(days=1),
        effective_to=day + timedelta(days=90),
    )
    Authorisation.objects.filter(pk=first.pk).update(effective_to=day - timedelta(1))
    visit.refresh_from_db()
    claims.reopen_claim(visit, reason="new number", by=coder, version=visit.version)
    claims.record_payer_number(claim, number="26002", by=coder)
    replacement = finalise(visit, coder)
    assert replacement.parties["authorisation"] == "MCR-B"
    first.refresh_from_db()
    assert first.left().describe() == "400 units left"
    assert second.left().describe() == "160 units left"
    # Replaced again with the requirement lifted: nothing is taken at all.
    AuthorisationRequirement.objects.all().delete()
    Authorisation.objects.filter(pk=second.pk).update(codes=["J9999"])
    visit.refresh_from_db()
    claims.reopen_claim(visit, reason="no auth", by=coder, version=visit.version)
    claims.record_payer_number(replacement, number="26003", by=coder)
    assert finalise(visit, coder).parties["authorisation"] == ""
    assert not AuthorisationUse.objects.exists()


def test_a_billing_provider_needs_its_nine_digit_zip(visit: Encounter) -> None:
    # 837 2010AA N403: the billing provider's ZIP code is all nine digits.
    billing = visit.location.billing_provider
    assert billing is not None
    type(billing).objects.filter(pk=billing.pk).update(postal_code="60601")
    (found,) = gaps(visit)
    assert "ZIP code" in found
    assert billing.name in found


def test_one_authorisation_for_two_codes_counts_their_units_together(
    visit: Encounter,
) -> None:
    # 340 units of J9263 and 8 of J2405, each within 345 alone, not together.
    for code in ("J9263", "J2405"):
        AuthorisationRequirement.objects.create(payer=visit.payer, code=code)
    Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="MCR-BOTH",
        codes=["J9263", "J2405"],
        units_approved=Decimal(345),
        effective_from=visit.date - timedelta(days=1),
        effective_to=visit.date + timedelta(days=30),
    )
    (short,) = gaps(visit)
    assert "MCR-BOTH has 345 units left" in short
    assert "J2405 × 8 and J9263 × 340" in short
