from datetime import datetime

import pytest
from django.contrib.auth.models import User

from claims import services as claims
from claims.exports import x12
from claims.models import Claim
from encounters.models import Encounter
from tests.claims.claim_world import ready_encounter

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 14, 30)


def finalised(visit: Encounter, coder: User, *codes: str) -> Claim:
    for code in codes or ("C18.9", "Z51.11"):
        claims.add_diagnosis(visit, code=code, by=coder)
    visit.refresh_from_db()
    return claims.finalise_claim(visit, by=coder, version=visit.version)


def test_x12_837p_passes_pyx12(nurse: User, coder: User) -> None:
    visit = ready_encounter(nurse, coder, setting="office", ndc="00409-0296-01")
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=1)
    print(text)
    assert x12.validate(text) == []


def test_pyx12_catches_a_broken_837(nurse: User, coder: User) -> None:
    visit = ready_encounter(nurse, coder, setting="office")
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=1)
    # A claim without its diagnoses, and a service line without its code.
    broken = "\n".join(
        line for line in text.splitlines() if not line.startswith("HI*")
    ).replace("SV1*HC:96413*", "SV1*HC*")
    assert len(x12.validate(broken)) >= 2


def test_long_names_are_cut_to_the_element_size(nurse: User, coder: User) -> None:
    visit = ready_encounter(nurse, coder, setting="office")
    visit.patient.name = "Maria-Fernanda Alessandra Guadalupe " + "Q" * 70
    visit.patient.save()
    claim = finalised(visit, coder)
    text = x12.claims_837([claim], institutional=False, now=NOW, control=1)
    assert x12.validate(text) == []
    assert f"NM1*IL*1*{'Q' * 60}*MARIA-FERNANDA ALESSANDRA GUADALUPE*" in text
