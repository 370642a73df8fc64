"""The 837 loops a coverage asks for: a dependent's patient level (2000C),
another payer in force (2320/2330), the rendering provider only where it is
not the billing provider (837P 2310B)."""

from datetime import date, datetime

import pytest
from django.contrib.auth.models import User

from claims import services as claims
from claims.exports import x12
from claims.models import Claim
from encounters.models import Coverage, Encounter, Patient
from payers.models import Payer
from providers.models import Practitioner
from tests.claims.claim_world import ready_encounter

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 14, 30)


def finalised(visit: Encounter, coder: User) -> Claim:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    visit.refresh_from_db()
    return claims.finalise_claim(visit, by=coder, version=visit.version)


def segments(text: str) -> list[str]:
    return text.split("~\n")


@pytest.mark.parametrize("setting", ["office", "facility"])
def test_a_dependent_with_a_secondary_payer_passes_pyx12(
    nurse: User, coder: User, setting: str
) -> None:
    visit = ready_encounter(nurse, coder, setting=setting)
    Coverage.objects.filter(patient=visit.patient).update(
        relationship=Coverage.Relationship.CHILD,
        subscriber_last_name="Parent",
        subscriber_first_name="Pat",
        subscriber_date_of_birth=date(1950, 5, 5),
        subscriber_sex=Patient.Sex.MALE,
    )
    other = Payer.objects.get(name="Lakeshore Mutual")
    Coverage.objects.create(
        patient=visit.patient,
        payer=other,
        order=Coverage.Order.SECONDARY,
        member_id="LM-123",
        group_number="G77",
        effective_from=date(2020, 1, 1),
    )
    claim = finalised(visit, coder)
    text = x12.claims_837(
        [claim], institutional=setting == "facility", now=NOW, control=7
    )
    print(text)
    assert x12.validate(text) == []
    found = segments(text)
    assert "PAT*19" in found
    assert any(s.startswith("SBR*S*18*G77") for s in found)


def test_no_rendering_provider_on_an_837p_when_it_is_the_billing_provider(
    nurse: User, coder: User
) -> None:
    # A practitioner billing under their own NPI: 837P 2310B is sent only
    # when the rendering provider differs from the billing provider.
    visit = ready_encounter(nurse, coder, setting="office")
    billing = visit.location.billing_provider
    assert billing is not None
    Practitioner.objects.filter(pk=visit.attending_practitioner_id).update(
        npi=billing.npi
    )
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=8)
    assert x12.validate(text) == []
    assert not any(s.startswith("NM1*82*") for s in segments(text))
    # The attending provider of the 837I is required whoever bills.
    hospital = ready_encounter(nurse, coder)
    billing = hospital.location.billing_provider
    assert billing is not None
    facility = finalised(hospital, coder)
    text = x12.claims_837([facility], institutional=True, now=NOW, control=9)
    assert any(s.startswith("NM1*71*1*") for s in segments(text))


def test_another_payer_without_a_payer_id_is_not_named_as_the_one_billed(
    nurse: User, coder: User
) -> None:
    visit = ready_encounter(nurse, coder, setting="office")
    Payer.objects.filter(pk=visit.payer_id).update(payer_id="")
    other = Payer.objects.get(name="Lakeshore Mutual")
    Payer.objects.filter(pk=other.pk).update(payer_id="")
    Coverage.objects.create(
        patient=visit.patient,
        payer=other,
        order=Coverage.Order.SECONDARY,
        member_id="LM-123",
        effective_from=date(2020, 1, 1),
    )
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=10)
    assert x12.validate(text) == []
    payers = [s for s in segments(text) if s.startswith("NM1*PR*")]
    assert payers == [
        f"NM1*PR*2*MEDICARE*****PI*CS{visit.payer_id:05d}",
        f"NM1*PR*2*LAKESHORE MUTUAL*****PI*CS{other.pk:05d}",
    ]


def test_accented_names_are_written_in_the_x12_character_set(
    nurse: User, coder: User
) -> None:
    # An accented letter is not in the X12 character set: pyx12 refuses it,
    # as a clearinghouse would.
    visit = ready_encounter(nurse, coder, setting="office")
    patient = visit.patient
    patient.first_name, patient.last_name = "José", "Núñez-O'Brien"
    patient.address_line1 = "1 Rue d'Été #4"
    patient.save()
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=11)
    assert x12.validate(text) == []
    found = segments(text)
    member = patient.coverages.get().member_id
    assert f"NM1*IL*1*NUNEZ-O'BRIEN*JOSE****MI*{member}" in found
    assert "N3*1 RUE D'ETE #4" in found
