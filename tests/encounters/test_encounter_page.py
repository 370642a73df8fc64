import json
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from coding.documents import encounter_document
from coding.services import derive_encounter
from encounters.clock import clock
from encounters.models import Administration, AuditEntry, Encounter, IVSite, Method
from tests.conftest import client_for, make_user
from tests.encounters import world
from tests.encounters.world import HTMX

pytestmark = pytest.mark.django_db


def add(client: Client, visit: Encounter, **fields) -> object:
    return client.post(
        reverse("encounters:add_administration", args=[visit.pk]),
        world.post_data(visit, **fields),
        **HTMX,
    )


def tap(client: Client, verb: str, a: Administration, key: str | None = None):
    data = world.post_data(a.encounter)
    if key:
        data["key"] = key
    return client.post(
        reverse(f"encounters:{verb}", args=[a.encounter_id, a.pk]), data, **HTMX
    )


INLINE_FORMS = {
    "edit": "encounters:edit_administration",
    "correct": "encounters:correct",
}


def send(client: Client, form: str, a: Administration, **fields):
    """Post an administration's inline form ("edit" or "correct"), the field
    names given without the form's prefix."""
    prefix = f"{form}-{a.pk}"
    data = world.post_data(
        a.encounter, **{f"{prefix}-{name}": value for name, value in fields.items()}
    )
    return client.post(
        reverse(INLINE_FORMS[form], args=[a.encounter_id, a.pk]), data, **HTMX
    )


@pytest.fixture
def oxaliplatin(as_nurse, visit, drugs, port) -> Administration:
    response = add(
        as_nurse,
        visit,
        drug=drugs["J9263"].pk,
        method=Method.INFUSION,
        site=port.pk,
        dose_amount="170",
        dose_unit="mg",
    )
    assert response.status_code == 200
    return Administration.objects.get(encounter=visit, drug=drugs["J9263"])


def test_page_shows_the_encounter(as_nurse, visit) -> None:
    response = as_nurse.get(visit.get_absolute_url())
    assert response.status_code == 200
    assert visit.patient.name in response.text
    assert 'id="encounter"' in response.text


def test_stranger_gets_404(visit) -> None:
    stranger = client_for(make_user("other-nurse", Role.NURSE))
    assert stranger.get(visit.get_absolute_url()).status_code == 404


def test_coder_gets_403(as_coder, visit) -> None:
    assert as_coder.get(visit.get_absolute_url()).status_code == 403


def test_add_site(as_nurse, visit) -> None:
    response = as_nurse.post(
        reverse("encounters:add_site", args=[visit.pk]),
        world.post_data(visit, kind="port", label="right chest"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "IV site added: Port, right chest." in response.text
    site = IVSite.objects.get(encounter=visit)
    assert site.created_by.username == "nurse"
    entry = AuditEntry.objects.get(action="encounter.site.added")
    assert entry.after["label"] == "right chest"


def test_invalid_site_answers_422_in_place(as_nurse, visit) -> None:
    response = as_nurse.post(
        reverse("encounters:add_site", args=[visit.pk]),
        world.post_data(visit, kind="port", label=""),
        **HTMX,
    )
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not IVSite.objects.exists()


def test_infusion_without_site_is_refused(as_nurse, visit, drugs) -> None:
    response = add(as_nurse, visit, drug=drugs["J9263"].pk, method="infusion")
    assert response.status_code == 422
    assert "An IV push or infusion needs its IV site." in response.text
    assert not Administration.objects.exists()


def test_drug_typeahead_marks_unreviewed_codes(as_nurse, drugs) -> None:
    response = as_nurse.get(reverse("encounters:drugs"), {"q": "oxali"}, **HTMX)
    assert "J9263" in response.text
    assert "Chemotherapy" in response.text
    response = as_nurse.get(reverse("encounters:drugs"), {"q": "J3490"}, **HTMX)
    assert "needs review" in response.text


def test_start_and_stop_show_the_codes(as_nurse, oxaliplatin) -> None:
    visit = oxaliplatin.encounter
    response = tap(as_nurse, "start", oxaliplatin)
    assert response.status_code == 200
    assert "started at" in response.text
    clock.advance(timedelta(minutes=123))
    response = tap(as_nurse, "stop", oxaliplatin)
    assert response.status_code == 200
    assert 'data-code="96413"' in response.text
    assert 'data-code="96415"' in response.text
    assert 'data-code="J9263"' in response.text
    visit.refresh_from_db()
    assert visit.derivation.result["lines"][0]["code"] == "96413"


def test_double_tap_records_one_event(as_nurse, oxaliplatin) -> None:
    key = str(world.key())
    data = world.post_data(oxaliplatin.encounter, key=key)
    url = reverse("encounters:start", args=[oxaliplatin.encounter_id, oxaliplatin.pk])
    first = as_nurse.post(url, data, **HTMX)
    second = as_nurse.post(url, data, **HTMX)
    assert first.status_code == 200
    assert second.status_code == 200
    assert "already" in second.text
    assert oxaliplatin.events.count() == 1


def test_retry_with_stale_version_and_same_key_is_recognised(
    as_nurse, oxaliplatin
) -> None:
    tap(as_nurse, "start", oxaliplatin)
    data = world.post_data(oxaliplatin.encounter)
    url = reverse("encounters:stop", args=[oxaliplatin.encounter_id, oxaliplatin.pk])
    assert as_nurse.post(url, data, **HTMX).status_code == 200
    retry = as_nurse.post(url, data, **HTMX)
    assert retry.status_code == 200
    assert oxaliplatin.events.filter(kind="stopped").count() == 1


def test_second_stop_is_a_no_op_with_a_message(as_nurse, oxaliplatin) -> None:
    tap(as_nurse, "start", oxaliplatin)
    tap(as_nurse, "stop", oxaliplatin)
    response = tap(as_nurse, "stop", oxaliplatin)
    assert response.status_code == 200
    assert "was already stopped" in response.text
    assert oxaliplatin.events.filter(kind="stopped").count() == 1


def test_stop_without_start_is_refused(as_nurse, oxaliplatin) -> None:
    response = tap(as_nurse, "stop", oxaliplatin)
    assert response.status_code == 409
    assert "was never started, so it cannot stop" in response.text
    assert not oxaliplatin.events.exists()


def test_stale_version_is_refused_and_shows_the_current_state(
    as_nurse, oxaliplatin, nurse
) -> None:
    visit = oxaliplatin.encounter
    stale = world.post_data(visit)
    # Someone else starts the infusion first.
    other = client_for(make_user("nurse-b", Role.NURSE))
    visit.location.staff.add(User.objects.get(username="nurse-b"))
    assert tap(other, "start", oxaliplatin).status_code == 200
    response = as_nurse.post(
        reverse("encounters:pause", args=[visit.pk, oxaliplatin.pk]), stale, **HTMX
    )
    assert response.status_code == 409
    assert "Someone else changed this encounter" in response.text
    assert "Running" in response.text
    assert oxaliplatin.events.count() == 1


def test_pause_and_resume_leave_a_gap(as_nurse, oxaliplatin) -> None:
    tap(as_nurse, "start", oxaliplatin)
    clock.advance(timedelta(minutes=20))
    tap(as_nurse, "pause", oxaliplatin)
    clock.advance(timedelta(minutes=30))
    response = tap(as_nurse, "resume", oxaliplatin)
    assert 'class="gap"' in response.text
    clock.advance(timedelta(minutes=20))
    tap(as_nurse, "stop", oxaliplatin)
    document = encounter_document(oxaliplatin.encounter)
    # R38: the run goes to the engine as one bag in the two pieces that ran.
    pieces = document["administrations"]
    assert [p["id"] for p in pieces] == [str(oxaliplatin.pk), f"{oxaliplatin.pk}/2"]
    assert len({p["bag"] for p in pieces}) == 1
    ran = [
        datetime.fromisoformat(p["stop"]) - datetime.fromisoformat(p["start"])
        for p in pieces
    ]
    assert ran == [timedelta(minutes=20), timedelta(minutes=20)]
    assert "dose" not in pieces[1]
    derivation = derive_encounter(oxaliplatin.encounter)
    (line,) = [ln for ln in derivation.result["lines"] if ln["code"] == "96413"]
    # 40 minutes coded; the lines point at the administration, not its pieces;
    # the explanation shows the real clock times with the gap.
    assert line["administrations"] == [str(oxaliplatin.pk)]
    assert "(40 min)" in line["explanation"]
    assert line["explanation"].count("-") >= 2


def test_correct_time_needs_a_reason(as_nurse, oxaliplatin) -> None:
    tap(as_nurse, "start", oxaliplatin)
    visit = oxaliplatin.encounter
    response = send(as_nurse, "correct", oxaliplatin, point="started:0", time="08:30")
    assert response.status_code == 422
    assert "Say why the time is corrected." in response.text
    response = send(
        as_nurse,
        "correct",
        oxaliplatin,
        point="started:0",
        time="08:30",
        reason="pump log",
    )
    assert response.status_code == 200
    assert "time corrected" in response.text
    oxaliplatin.refresh_from_db()
    local = oxaliplatin.started_at.astimezone(visit.location.tz)
    assert f"{local:%H:%M}" == "08:30"
    assert oxaliplatin.events.filter(kind="corrected", reason="pump log").exists()


def test_edit_marks_kvo_and_audits(as_nurse, oxaliplatin) -> None:
    response = send(
        as_nurse,
        "edit",
        oxaliplatin,
        dose_amount="170",
        dose_unit="mg",
        wasted_amount="30",
        kvo="on",
    )
    assert response.status_code == 200
    oxaliplatin.refresh_from_db()
    assert oxaliplatin.kvo is True
    entry = AuditEntry.objects.get(action="encounter.administration.changed")
    assert entry.before == {"wasted_amount": None, "kvo": False}
    assert entry.after == {"wasted_amount": "30", "kvo": True}


def test_a_note_is_shown_on_the_administration_once_saved(
    as_nurse, oxaliplatin
) -> None:
    response = send(
        as_nurse,
        "edit",
        oxaliplatin,
        dose_amount="170",
        dose_unit="mg",
        note="Patient asked to slow the rate",
    )
    assert response.status_code == 200
    assert "Note: Patient asked to slow the rate" in response.text
    page = as_nurse.get(oxaliplatin.encounter.get_absolute_url())
    assert "Note: Patient asked to slow the rate" in page.text


def test_cannot_mark_documented_while_running(as_nurse, oxaliplatin) -> None:
    tap(as_nurse, "start", oxaliplatin)
    visit = oxaliplatin.encounter
    url = reverse("encounters:mark_documented", args=[visit.pk])
    response = as_nurse.post(url, world.post_data(visit), **HTMX)
    assert response.status_code == 409
    assert "has no stop time" in response.text
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.IN_CHAIR
    clock.advance(timedelta(minutes=30))
    tap(as_nurse, "stop", oxaliplatin)
    response = as_nurse.post(url, world.post_data(visit), **HTMX)
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.DOCUMENTED
    response = as_nurse.post(
        reverse("encounters:send_to_coding", args=[visit.pk]),
        world.post_data(visit),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("encounters:board")
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.READY_FOR_CODING


def test_documented_encounter_refuses_taps(as_nurse, visit, drugs) -> None:
    visit.status = Encounter.Status.DOCUMENTED
    visit.save()
    response = add(as_nurse, visit, drug=drugs["J2357"].pk, method="sc_injection")
    assert response.status_code == 409
    assert "can no longer be changed" in response.text


def test_unreviewed_drug_is_a_finding_not_a_guess(as_nurse, visit, drugs, port) -> None:
    add(as_nurse, visit, drug=drugs["J3490"].pk, method="push", site=port.pk)
    a = Administration.objects.get(drug=drugs["J3490"])
    response = tap(as_nurse, "start", a)
    assert "has no reviewed drug category" in response.text


def test_tap_without_key_is_a_400(as_nurse, oxaliplatin) -> None:
    response = as_nurse.post(
        reverse("encounters:start", args=[oxaliplatin.encounter_id, oxaliplatin.pk]),
        {},
        **HTMX,
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not oxaliplatin.events.exists()


def test_without_htmx_a_tap_redirects_to_the_page(as_nurse, oxaliplatin) -> None:
    visit = oxaliplatin.encounter
    response = as_nurse.post(
        reverse("encounters:start", args=[visit.pk, oxaliplatin.pk]),
        world.post_data(visit),
    )
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url()


def test_forms_load_when_their_disclosure_opens(as_nurse, oxaliplatin) -> None:
    visit = oxaliplatin.encounter
    page = as_nurse.get(visit.get_absolute_url())
    # The page carries no form fields, only the disclosures that load them.
    assert 'name="dose_amount"' not in page.text
    for name, args, field in (
        ("add_site", [visit.pk], 'name="label"'),
        ("add_administration", [visit.pk], 'name="dose_amount"'),
        ("edit_administration", [visit.pk, oxaliplatin.pk], "edit-1-kvo"),
    ):
        response = as_nurse.get(reverse(f"encounters:{name}", args=args), **HTMX)
        assert response.status_code == 200
        assert field.replace("edit-1", f"edit-{oxaliplatin.pk}") in response.text
        assert 'name="key"' in response.text
    tap(as_nurse, "start", oxaliplatin)
    response = as_nurse.get(
        reverse("encounters:correct", args=[visit.pk, oxaliplatin.pk]), **HTMX
    )
    assert 'value="started:0"' in response.text


def test_forms_of_a_documented_encounter_are_refused(as_nurse, visit) -> None:
    visit.status = Encounter.Status.DOCUMENTED
    visit.save()
    response = as_nurse.get(reverse("encounters:add_site", args=[visit.pk]), **HTMX)
    assert response.status_code == 409


def test_rate_change_while_running_is_an_event(as_nurse, oxaliplatin) -> None:
    tap(as_nurse, "start", oxaliplatin)
    response = send(
        as_nurse, "edit", oxaliplatin, dose_amount="170", dose_unit="mg", rate="125"
    )
    assert response.status_code == 200
    event = oxaliplatin.events.get(kind="rate_changed")
    assert event.rate == 125
    oxaliplatin.refresh_from_db()
    assert oxaliplatin.rate == 125


def test_correcting_the_stop_before_the_start_is_refused(as_nurse, oxaliplatin):
    tap(as_nurse, "start", oxaliplatin)
    clock.advance(timedelta(minutes=30))
    tap(as_nurse, "stop", oxaliplatin)
    visit = oxaliplatin.encounter
    start = oxaliplatin.events.get(kind="started").at.astimezone(visit.location.tz)
    earlier = (start - timedelta(minutes=10)).strftime("%H:%M")
    response = send(
        as_nurse, "correct", oxaliplatin, point="stopped:0", time=earlier, reason="typo"
    )
    assert response.status_code == 409
    assert "would be out of order" in response.text
    assert not oxaliplatin.events.filter(kind="corrected").exists()


def test_pause_before_start_is_refused(as_nurse, oxaliplatin) -> None:
    response = tap(as_nurse, "pause", oxaliplatin)
    assert response.status_code == 409
    assert "is not running, so it cannot be paused" in response.text


def test_send_to_coding_before_documented_is_refused(as_nurse, visit) -> None:
    response = as_nurse.post(
        reverse("encounters:send_to_coding", args=[visit.pk]),
        world.post_data(visit),
        **HTMX,
    )
    assert response.status_code == 409
    assert "Mark the encounter documented before sending it to coding." in (
        response.text
    )
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.IN_CHAIR


def test_adding_a_site_twice_with_one_key_adds_one_site(as_nurse, visit) -> None:
    data = world.post_data(visit, kind="port", label="right chest")
    url = reverse("encounters:add_site", args=[visit.pk])
    assert as_nurse.post(url, data, **HTMX).status_code == 200
    again = as_nurse.post(url, data, **HTMX)
    assert again.status_code == 200
    assert "already recorded" in again.text
    assert IVSite.objects.filter(encounter=visit).count() == 1


def test_a_tap_answers_with_its_card_and_the_new_version(as_nurse, oxaliplatin):
    visit = oxaliplatin.encounter
    response = tap(as_nurse, "start", oxaliplatin)
    visit.refresh_from_db()
    assert response.text.lstrip().startswith(
        f'<article class="card mb-2 administration state-running" '
        f'id="administration-{oxaliplatin.pk}"'
    )
    for part in ('id="notice" hx-swap-oob="true"', 'id="codes" hx-swap-oob="true"'):
        assert part in response.text
    assert json.loads(response["HX-Trigger"]) == {
        "encounterVersion": {"version": visit.version}
    }


def test_a_refused_tap_shows_the_whole_record(as_nurse, oxaliplatin) -> None:
    response = tap(as_nurse, "stop", oxaliplatin)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#encounter"
    assert response["HX-Reswap"] == "outerHTML"
    assert response.text.lstrip().startswith('<div id="encounter"')
