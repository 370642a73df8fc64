import contextlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from encounters.models import (
    Administration,
    AdministrationEvent,
    AlreadyDone,
    Encounter,
    Method,
    Refusal,
    StaleVersion,
)
from tests.encounters import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(nurse: User) -> Encounter:
    return world.encounter(world.location(nurse))


@pytest.fixture
def infusion(visit: Encounter, nurse: User) -> Administration:
    drug = world.formulary("J9263")["J9263"]
    return Administration.objects.create(
        encounter=visit,
        drug=drug,
        method=Method.INFUSION,
        site=world.site(visit, nurse),
        dose_amount=170,
        dose_unit="mg",
        created_by=nurse,
    )


def test_start_and_stop_come_from_the_event_log(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:02"), by=nurse, key=world.key())
    infusion.stop(at=world.at(visit, "11:05"), by=nurse, key=world.key())
    infusion.refresh_from_db()
    assert infusion.started_at == world.at(visit, "09:02")
    assert infusion.stopped_at == world.at(visit, "11:05")
    assert [e.kind for e in infusion.events.all()] == ["started", "stopped"]
    assert infusion.replay().stopped_at == infusion.stopped_at


def test_stop_without_start_is_refused(infusion, nurse, visit) -> None:
    with pytest.raises(Refusal, match="never started"):
        infusion.stop(at=world.at(visit, "10:00"), by=nurse, key=world.key())
    assert not infusion.events.exists()


def test_stop_before_start_is_refused(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:30"), by=nurse, key=world.key())
    with pytest.raises(Refusal, match="out of order"):
        infusion.stop(at=world.at(visit, "09:10"), by=nurse, key=world.key())
    assert infusion.events.count() == 1


def test_second_stop_is_a_no_op(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    infusion.stop(at=world.at(visit, "10:00"), by=nurse, key=world.key())
    with pytest.raises(AlreadyDone):
        infusion.stop(at=world.at(visit, "10:05"), by=nurse, key=world.key())
    assert infusion.events.count() == 2


def test_one_key_makes_one_event(infusion, nurse, visit) -> None:
    tap = world.key()
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=tap)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrationEvent.objects.create(
            administration=infusion,
            kind="stopped",
            at=world.at(visit, "10:00"),
            by=nurse,
            idempotency_key=tap,
        )
    assert infusion.events.count() == 1


def test_pauses_are_left_out_of_the_running_time(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    infusion.pause(at=world.at(visit, "09:20"), by=nurse, key=world.key())
    assert infusion.state == Administration.State.PAUSED
    infusion.resume(at=world.at(visit, "09:35"), by=nurse, key=world.key())
    infusion.stop(at=world.at(visit, "10:00"), by=nurse, key=world.key())
    assert infusion.running_seconds(world.at(visit, "12:00")) == 45 * 60
    assert infusion.replay() == infusion.run


def test_correction_needs_a_reason_and_keeps_the_original(
    infusion, nurse, visit
) -> None:
    started = infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    with pytest.raises(Refusal, match="reason is required"):
        infusion.correct(
            started, to=world.at(visit, "08:50"), reason=" ", by=nurse, key=world.key()
        )
    infusion.correct(
        started,
        to=world.at(visit, "08:50"),
        reason="pump log shows 08:50",
        by=nurse,
        key=world.key(),
    )
    infusion.refresh_from_db()
    assert infusion.started_at == world.at(visit, "08:50")
    started.refresh_from_db()
    assert started.at == world.at(visit, "09:00")
    assert infusion.replay().started_at == world.at(visit, "08:50")


def test_correction_cannot_put_stop_before_start(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    stopped = infusion.stop(at=world.at(visit, "10:00"), by=nurse, key=world.key())
    with pytest.raises(Refusal, match="out of order"):
        infusion.correct(
            stopped,
            to=world.at(visit, "08:00"),
            reason="typo",
            by=nurse,
            key=world.key(),
        )
    assert infusion.events.count() == 2


def test_event_log_is_append_only(infusion, nurse, visit) -> None:
    event = infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    event.at = world.at(visit, "08:00")
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AdministrationEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        AdministrationEvent.objects.all().delete()


def test_stale_version_is_refused(visit) -> None:
    visit.claim_version(1)
    assert visit.version == 2
    other = Encounter.objects.get(pk=visit.pk)
    with pytest.raises(StaleVersion):
        other.claim_version(1)
    other.refresh_from_db()
    assert other.version == 2


def test_cannot_mark_documented_while_an_infusion_runs(infusion, nurse, visit) -> None:
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    with pytest.raises(Refusal, match="no stop time"):
        visit.mark_documented(at=world.at(visit, "12:00"))
    infusion.stop(at=world.at(visit, "10:00"), by=nurse, key=world.key())
    visit.mark_documented(at=world.at(visit, "12:00"))
    assert visit.status == Encounter.Status.DOCUMENTED


def test_overdue_when_past_the_expected_run(infusion, nurse, visit) -> None:
    infusion.expected_minutes = 120
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    assert not infusion.is_overdue(world.at(visit, "10:59"))
    assert infusion.is_overdue(world.at(visit, "11:01"))


def test_for_user_shows_only_the_users_locations(visit, nurse) -> None:
    stranger = User.objects.create_user("stranger")
    world.encounter(world.location(stranger))
    assert list(Encounter.objects.for_user(nurse)) == [visit]


TAPS = st.lists(st.sampled_from(["start", "pause", "resume", "stop"]), max_size=12)


@settings(max_examples=40, deadline=None)
@given(taps=TAPS)
def test_cached_run_always_equals_the_replayed_log(taps: list[str]) -> None:
    nurse = User.objects.get_or_create(username="hypothesis-nurse")[0]
    visit = world.encounter(world.location(nurse))
    drug = world.formulary("J7050")["J7050"]
    infusion = Administration.objects.create(
        encounter=visit, drug=drug, created_by=nurse
    )
    moment = world.at(visit, "08:00")
    for tap in taps:
        moment += timedelta(minutes=7)
        with contextlib.suppress(Refusal):
            getattr(infusion, tap)(at=moment, by=nurse, key=world.key())
    assert infusion.replay() == infusion.run
    infusion.refresh_from_db()
    assert infusion.replay() == infusion.run


def test_one_patient_per_chair_is_enforced_by_the_database(visit) -> None:
    other = world.encounter(visit.location, status=Encounter.Status.SCHEDULED)
    other.chair, other.status = visit.chair, Encounter.Status.IN_CHAIR
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()
