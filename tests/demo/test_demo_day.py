import pytest
from django.core.management import call_command
from django.utils import timezone

from encounters.clock import clock
from encounters.models import Administration, Encounter, Location

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_chair_day_once(capsys) -> None:
    call_command("load_reference_data")
    call_command("seed_demo")
    call_command("seed_demo")
    assert "Chair day: 0 encounters added for today." in capsys.readouterr().out
    today = Encounter.objects.filter(date=timezone.localdate(clock.now()))
    assert today.filter(visit_number__startswith="D").count() == 10
    assert set(Location.objects.values_list("setting", "department")) == {
        ("facility", "on_campus"),
        ("office", ""),
        ("facility", "off_campus_excepted"),
    }
    running = Administration.objects.running()
    assert running.count() >= 3
    assert any(a.is_overdue(clock.now()) for a in running)
    folfox = Encounter.objects.get(patient__name="Margaret Ellison")
    assert {a.drug.hcpcs for a in folfox.administrations.all()} >= {"J9263", "J0640"}
    # Every encounter is derived, so the board and the coders see codes at once.
    assert all(hasattr(e, "derivation") for e in today)
    omalizumab = Encounter.objects.get(patient__name="Priya Raman")
    codes = {line["code"] for line in omalizumab.derivation.lines}
    assert codes == {"96372", "J2357"}
    # The off-campus department of a 340B hospital: PO on every line (R99),
    # JG on the pembrolizumab from its 340B stock (R100).
    pembrolizumab = Encounter.objects.get(patient__name="Grace Whitaker")
    assert pembrolizumab.administrations.get().acquired_340b
    lines = {
        line["code"]: set(line["modifiers"]) for line in pembrolizumab.derivation.lines
    }
    assert lines["J9271"] == {"PO", "JG"}
    assert all("PO" in modifiers for modifiers in lines.values())
