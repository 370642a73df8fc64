"""`seed_demo`: the nurse's chair day, the coder's weeks in every state and the
demo accounts, seeded once for this module.

Seeding takes seconds, so the three tests share one seeded database: they run
on one xdist worker (`--dist loadgroup`), each in a transaction rolled back
after it, and the database is emptied when the module is done. Each seeds
again, which must add nothing.
"""

from collections.abc import Iterator
from io import StringIO
from pathlib import Path
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
from encounters.models import (
    Administration,
    AuditEntry,
    Coverage,
    Encounter,
    Location,
    Patient,
)
from payers.models import Authorisation, AuthorisationRequirement
from providers.models import BillingProvider, Practitioner
from providers.npi import npi_problem, tax_id_problem

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


DEMO_TOWNS = {(town, "IL") for town in ("Chicago", "Oak Park", "Evanston", "Cicero")}


def test_every_demo_patient_is_registered_with_the_coverage_it_bills(
    demo: None,
) -> None:
    patients = list(Patient.objects.prefetch_related("coverages", "encounters"))
    assert len(patients) == 30  # the chair day's ten and the weeks' twenty
    for patient in patients:
        assert patient.name.startswith(f"{patient.first_name} ")
        assert patient.name.endswith(f" {patient.last_name}")
        assert patient.sex in {"F", "M"}
        assert patient.address_line1
        assert (patient.city, patient.state) in DEMO_TOWNS
        assert (len(patient.postal_code), len(patient.phone)) == (5, 10)
        for visit in patient.encounters.all():
            primary = patient.primary_coverage_on(visit.date)
            assert primary is not None
            assert primary.payer_id == visit.payer_id
    coverages = Coverage.objects.all()
    assert coverages.filter(order=Coverage.Order.SECONDARY).count() >= 3
    child = coverages.get(relationship=Coverage.Relationship.CHILD)
    assert child.patient.name == "Priya Raman"
    assert child.subscriber_last_name == "Raman"
    for coverage in coverages:
        coverage.full_clean()


def test_demo_providers_pass_their_checks_and_every_location_bills_as_one(
    demo: None,
) -> None:
    billing = list(BillingProvider.objects.all())
    practitioners = list(Practitioner.objects.all())
    assert len(billing) == 3  # two hospitals and the practice
    assert len(practitioners) == 3
    for provider in billing:
        assert npi_problem(provider.npi) is None
        assert tax_id_problem(provider.tax_id) is None
        provider.full_clean()
    for someone in practitioners:
        assert npi_problem(someone.npi) is None
        someone.full_clean()
    for place in Location.objects.all():
        place.full_clean()
        assert place.billing_provider is not None
        assert place.supervising_practitioner is not None
    # Every encounter names who ordered and attended it; the infliximab ones
    # were ordered by the rheumatologist, wherever they were given.
    encounters = Encounter.objects.select_related("location")
    assert not encounters.filter(attending_practitioner__isnull=True).exists()
    for visit in encounters.filter(administrations__drug__hcpcs="J1745"):
        assert visit.ordering_practitioner.last_name == "Chen"
        assert visit.attending_practitioner == visit.location.supervising_practitioner


def test_demo_biologics_have_their_prior_authorisations(demo: None) -> None:
    listed = set(AuthorisationRequirement.objects.values_list("payer__name", "code"))
    assert ("Prairie Health Plan", "J1745") in listed
    assert not {code for payer, code in listed if payer == "Medicare"}
    # Every encounter whose drug its payer lists has an authorisation naming
    # it, in force on the day except Priya Raman's, which ended last week.
    for payer, code in listed:
        for visit in Encounter.objects.filter(
            payer__name=payer, administrations__drug__hcpcs=code
        ):
            held = Authorisation.objects.filter(
                patient=visit.patient, payer=visit.payer
            ).get()
            held.full_clean()
            assert held.covers(code, visit.date) != (
                visit.patient.name == "Priya Raman"
            )
    (nearly,) = [
        held
        for held in Authorisation.objects.filter(payer__name="Lakeshore Mutual")
        if "J1745" in held.codes
    ]
    assert (nearly.units_approved, nearly.visits_approved) == (360, 9)
    # Nine visits for the nine encounters of the weeks: once they are all
    # finalised, nothing is left.
    assert Encounter.objects.filter(patient=nearly.patient).count() == 9
    board = Client()
    assert board.login(username="nurse", password="chairside-nurse")
    page = board.get(reverse("encounters:board"), secure=True).content.decode()
    assert "Authorisation PHP-24-118230 (J1745)" in page
    assert "No prior authorisation covers Omalizumab (J2357)" in page


def segments(text: str) -> list[list[str]]:
    return [segment.split("*") for segment in text.split("~\n") if segment]


def test_demo_claims_export_from_the_command_line_as_a_payer_would_take_them(
    demo: None, tmp_path: Path
) -> None:
    finalised = Claim.objects.finalised().current()
    first = min(c.date_of_service for c in finalised if c.date_of_service)
    last = max(c.date_of_service for c in finalised if c.date_of_service)
    files = {}
    for fmt in ("837p", "837i"):
        target = tmp_path / f"claims.{fmt}"
        out = StringIO()
        call_command(
            "export_claims",
            f"--format={fmt}",
            f"--from={first}",
            f"--to={last}",
            f"--output={target}",
            stdout=out,
        )
        assert "claims written" in out.getvalue()
        text = target.read_text()
        assert x12.validate(text) == []
        files[fmt] = segments(text)

    member_ids = set(Coverage.objects.values_list("member_id", flat=True))
    for found in files.values():
        subscribers = [s for s in found if s[:3] == ["NM1", "IL", "1"]]
        # The subscriber is named by the payer's member id, never our MRN.
        assert subscribers
        assert all(s[9] in member_ids for s in subscribers)
        sexes = {s[3] for s in found if s[0] == "DMG"}
        assert sexes <= {"F", "M", "U"}
        assert {"F", "M"} <= sexes
        npis = [s[9] for s in found if s[0] == "NM1" and s[8:9] == ["XX"]]
        assert npis
        assert all(npi_problem(npi) is None for npi in npis)
        lines = [s for s in found if s[0] == "LX"]
        assert len([s for s in found if s[:2] == ["REF", "6R"]]) == len(lines)
        # Two billing providers at least: each location bills as its own.
        assert len({s[9] for s in found if s[:2] == ["NM1", "85"]}) >= 1
    # The attending provider on the hospital's claims (2310A), the rendering
    # one on the office's (2310B).
    assert any(s[:2] == ["NM1", "71"] for s in files["837i"])
    assert any(s[:2] == ["NM1", "82"] for s in files["837p"])
    every = files["837p"] + files["837i"]
    assert any(s[:2] == ["REF", "G1"] for s in every)
    # A secondary payer's loop, and a patient who is not the subscriber.
    assert any(s[:2] == ["SBR", "S"] for s in every)
    assert any(s[0] == "PAT" for s in every)


def test_the_demo_loads_next_quarters_mue_and_the_replay_finds_its_effect(
    demo: None,
) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded, nothing changed" in out.getvalue()
    client = Client()
    client.login(username="admin", password="chairside-admin")
    page = client.get(reverse("payers:next_quarter")).text
    assert 'data-key="J1745"' in page
    starts = page.split('data-starts="')[1].split('"')[0]
    replay = client.post(
        reverse("payers:replay_next_quarter"),
        {"starts": starts},
        HTTP_HX_REQUEST="true",
    )
    assert replay.status_code == 200
    changed = replay.text.split("<strong>")[1].split(" of ")[0]
    assert int(changed) > 0
    assert 'data-testid="replay-encounters"' in replay.text


def test_the_demo_remittance_has_paid_denied_underpaid_and_rejected_claims(
    demo: None,
) -> None:
    from claims.models import Acknowledgement, LinePayment, RemittanceFile

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert out.getvalue().count("already imported; nothing added.") == (
        RemittanceFile.objects.count()
    )
    assert LinePayment.objects.filter(denied=True, superseded=False).count() == 1
    assert LinePayment.objects.filter(underpaid=True).exists()
    assert LinePayment.objects.filter(paid__gt=0, underpaid=False).count() > 20
    assert not LinePayment.objects.filter(line__isnull=True).exists()
    rejected = Acknowledgement.objects.filter(accepted=False)
    assert rejected.exists()
    assert all(ack.claim is not None for ack in rejected)
    client = Client()
    client.login(username="coder", password="chairside-coder")
    page = client.get(reverse("claims:denials")).text
    assert "CO-97" in page
    assert "underpaid" in page
