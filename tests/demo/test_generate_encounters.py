import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from accounts.roles import Role
from claims.exports import x12
from claims.models import Claim
from coding.models import Derivation
from coding.services import derive_encounter
from encounters.models import Encounter
from reference.loader import load_reference_data
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db: None) -> None:
    load_reference_data()


def test_needs_the_demo_users_first(reference: None) -> None:
    with pytest.raises(CommandError, match="Run seed_demo first"):
        call_command("generate_encounters", "--count", "3")


def test_generated_encounters_are_what_the_engine_says(
    reference: None, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user("nurse", Role.NURSE)
    make_user("coder", Role.CODER)
    call_command("generate_encounters", "--count", "120", "--seed", "3")
    assert "120 encounters in" in capsys.readouterr().out
    assert Encounter.objects.count() == 120
    statuses = set(Encounter.objects.values_list("status", flat=True))
    assert statuses == {"documented", "ready_for_coding", "coded", "finalised"}
    finalised = Encounter.objects.filter(status="finalised")
    assert Claim.objects.count() == finalised.count()
    # The shared variant results are exactly the engine's for each encounter.
    for visit in Encounter.objects.order_by("?")[:15]:
        stored = Derivation.objects.get(encounter=visit).result
        fresh = derive_encounter(visit).result
        assert stored["lines"] == fresh["lines"]
        assert stored["findings"] == fresh["findings"]
        for a in visit.administrations.all():
            assert a.replay().started_at == a.started_at
            assert a.replay().stopped_at == a.stopped_at
    office = list(Claim.objects.filter(setting="office")[:20])
    text = x12.claims_837(
        office, institutional=False, now=office[0].finalised_at, control=7
    )
    assert x12.validate(text) == []
    assert User.objects.filter(username="nurse").exists()
