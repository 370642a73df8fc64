"""An encounter the nurses have sent to coding: a chemotherapy infusion and
an antiemetic push at a hospital outpatient department, derived."""

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from coding.services import derive_encounter
from demo.payers import seed_payers
from encounters.models import Administration, Encounter, Location, Method
from tests.encounters import world


def ready_encounter(
    nurse: User,
    *staff: User,
    setting: str = Location.Setting.FACILITY,
    payer: str = "Medicare",
    minutes: int = 123,
    place: Location | None = None,
    ndc: str = "",
) -> Encounter:
    seed_payers()
    drugs = world.formulary("J9263", "J2405")
    place = place or world.location(nurse, *staff, setting=setting)
    visit = world.encounter(place, payer=payer)
    site = world.site(visit, nurse)
    give(visit, nurse, drugs["J2405"], Method.PUSH, "8", site, "09:00")
    give(
        visit,
        nurse,
        drugs["J9263"],
        Method.INFUSION,
        "170",
        site,
        "09:02",
        minutes=minutes,
        ndc=ndc,
    )
    visit.mark_documented(at=world.at(visit, "12:00"))
    visit.send_to_coding()
    derive_encounter(visit, by=nurse)
    return visit


def give(
    visit: Encounter,
    nurse: User,
    drug: Any,
    method: str,
    dose: str,
    site: Any,
    start: str,
    *,
    minutes: int | None = None,
    ndc: str = "",
) -> Administration:
    a = Administration.objects.create(
        encounter=visit,
        drug=drug,
        method=method,
        site=site,
        dose_amount=Decimal(dose),
        dose_unit="mg",
        ndc=ndc,
        created_by=nurse,
    )
    at = world.at(visit, start)
    a.start(at=at, by=nurse, key=uuid.uuid4())
    if minutes is not None:
        a.stop(at=at + timedelta(minutes=minutes), by=nurse, key=uuid.uuid4())
    return a
