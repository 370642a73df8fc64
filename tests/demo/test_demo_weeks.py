import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from claims.exports import x12
from claims.models import Claim, Override
from claims.services import coding_of
from demo.chair_day import OFF_CAMPUS
from encounters.models import AuditEntry, Encounter

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_coder_weeks_in_every_state(capsys) -> None:
    call_command("load_reference_data")
    call_command("seed_demo")
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
