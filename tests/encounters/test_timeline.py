from datetime import timedelta

import pytest

from coding.services import derive_encounter
from encounters import timeline
from encounters.models import Administration, Method
from tests.encounters import world

pytestmark = pytest.mark.django_db


def given(visit, nurse, drug, site, method, start, stop=None):
    a = Administration.objects.create(
        encounter=visit, drug=drug, method=method, site=site, created_by=nurse
    )
    a.start(at=world.at(visit, start), by=nurse, key=world.key())
    if stop:
        a.stop(at=world.at(visit, stop), by=nurse, key=world.key())
    return a


def test_lanes_bars_ticks_and_codes(visit, nurse, drugs, port) -> None:
    arm = world.site(visit, nurse, "left forearm")
    chemo = given(visit, nurse, drugs["J9263"], port, Method.INFUSION, "09:00", "11:05")
    given(visit, nurse, drugs["J0640"], arm, Method.INFUSION, "09:00", "11:00")
    given(visit, nurse, drugs["J2405"], port, Method.PUSH, "08:45")
    administrations = list(visit.administrations.select_related("drug", "site"))
    result = derive_encounter(visit).result
    picture = timeline.build(
        administrations,
        [port, arm],
        now=world.at(visit, "12:00"),
        zone=visit.location.tz,
        result=result,
    )
    assert [lane.label for lane in picture.lanes] == [
        "Peripheral IV, port",
        "Peripheral IV, left forearm",
    ]
    assert len(picture.bars) == 2
    assert len(picture.ticks) == 1
    chemo_bar = next(b for b in picture.bars if b.administration == chemo)
    assert chemo_bar.codes.startswith("96413")
    # Oxaliplatin and leucovorin ran together: both bars are hatched.
    assert {y for _, _, y in picture.overlaps} == {b.y for b in picture.bars}
    assert picture.now_x is None
    assert picture.hours[0][1] == "08:00"


def test_pause_is_a_gap_and_a_run_has_a_now_line(visit, nurse, drugs, port) -> None:
    a = Administration.objects.create(
        encounter=visit, drug=drugs["J7050"], site=port, created_by=nurse
    )
    a.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    a.pause(at=world.at(visit, "09:30"), by=nurse, key=world.key())
    a.resume(at=world.at(visit, "09:45"), by=nurse, key=world.key())
    now = world.at(visit, "10:15")
    picture = timeline.build([a], [port], now=now, zone=visit.location.tz)
    bar = picture.bars[0]
    assert len(bar.segments) == 2
    assert len(bar.gaps) == 1
    assert bar.segments[0].x + bar.segments[0].width == pytest.approx(bar.gaps[0].x)
    assert picture.now_x == pytest.approx(bar.segments[1].x + bar.segments[1].width)
    assert bar.running is True


def test_empty_encounter_has_an_empty_timeline(visit) -> None:
    now = world.at(visit, "09:00") + timedelta(minutes=1)
    assert timeline.build([], [], now=now, zone=visit.location.tz).empty
