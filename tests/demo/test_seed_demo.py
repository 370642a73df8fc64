"""`seed_demo`: the nurse's chair day, the coder's weeks in every state and the
demo accounts, seeded once for this module.

Seeding takes seconds, so the three tests share one seeded database: they run
on one xdist worker (`--dist loadgroup`), each in a transaction rolled back
after it, and the database is emptied when the module is done. Each seeds
again, which must add nothing.
"""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.exports import x12
from claims.models import Claim, Override
from claims.services import coding_of
from demo.chair_day import OFF_CAMPUS
from encounters.clock import clock
from encounters.models import Administration, AuditEntry, Encounter, Location

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
        call_command("seed_demo", stdout=StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_seed_demo_makes_a_chair_day_once(
    demo: None, capsys: pytest.CaptureFixture[str]
) -> None:
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


def test_seed_demo_gives_the_coder_weeks_in_every_state(
    demo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Coding: 0 past encounters added for the worklist." in out
    past = Encounter.objects.filter(visit_number__startswith="W")
    assert past.count() == 180
    assert set(Encounter.objects.values_list("status", flat=True)) == set(
        Encounter.Status.values
    )
    assert Override.objects.filter(action=Override.Action.REMOVE).exists()
    misfits = [
        e for e in past.filter(status="coded") if coding_of(e, e.derivation).misfits
    ]
    assert misfits
    held = past.exclude(status="finalised").filter(derivation__worst_severity="error")
    assert held.filter(payer__name="Illinois Medicaid").exists()
    replaced = Claim.objects.get(version=2)
    assert replaced.replaces.is_final
    assert AuditEntry.objects.filter(action="claim.reopened").count() == 1
    # A finalised hospital claim of the off-campus 340B department: PO on every
    # line (R99), JG on the infliximab from 340B stock (R100).
    off_campus = Claim.objects.finalised().filter(
        encounter__location__name=OFF_CAMPUS, lines__code="J1745"
    )
    claim = off_campus.first()
    assert claim is not None
    assert claim.setting == "facility"
    assert all("PO" in line.modifiers for line in claim.lines.all())
    assert set(claim.lines.get(code="J1745").modifiers) == {"PO", "JG"}

    # The demo coder signs in and exports what was finalised: valid files.
    client = Client()
    assert client.login(username="coder", password="chairside-coder")
    review = client.get(
        reverse("claims:review", kwargs={"pk": claim.encounter_id}), secure=True
    ).content.decode()
    assert "J1745-PO-JG×40" in review
    first, last = past.order_by("date").first().date, past.order_by("date").last().date
    for fmt in ("837p", "837i"):
        response = client.get(
            reverse("claims:export"),
            {"format": fmt, "date_from": first, "date_to": last},
            secure=True,
        )
        assert response.status_code == 200
        assert x12.validate(response.content.decode()) == []
    assert "*HC:J1745:PO:JG*" in response.content.decode()


def test_seed_demo_is_idempotent_and_prints_the_passwords(demo: None) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert User.objects.filter(username__in=["nurse", "coder", "admin"]).count() == 3
    assert "nurse  password: chairside-nurse" in out.getvalue()
    client = Client()
    assert client.login(username="coder", password="chairside-coder") is True
    assert client.get(reverse("home"))["Location"] == "/coding/worklist/"
    admin = User.objects.get(username="admin")
    assert admin.is_staff is True
    assert list(admin.groups.values_list("name", flat=True)) == ["Admin"]
