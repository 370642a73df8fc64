from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from demo.payers import seed_payers
from encounters.models import Administration, Encounter, Method
from payers.models import Payer, PolicyVersion
from payers.services import publish_policy_version
from tests.encounters import world


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    # The background re-derivation runs inside the request, so tests see its
    # outcome without a worker.
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def payers(db: None) -> dict[str, Payer]:
    return seed_payers()


def draft(
    payer: Payer, start: date, end: date | None = None, **values: Any
) -> PolicyVersion:
    return PolicyVersion.objects.create(
        payer=payer,
        number=payer.policy_versions.next_number(),
        effective_from=start,
        effective_to=end,
        **values,
    )


def published(
    payer: Payer,
    start: date,
    end: date | None = None,
    by: User | None = None,
    **values: Any,
) -> PolicyVersion:
    return publish_policy_version(
        draft(payer, start, end, **values), by=by, note="Test version"
    )


def infliximab_infusion(visit: Encounter, nurse: User) -> Administration:
    """400 mg of infliximab (J1745) run 09:00-11:10: a biologic whose codes
    depend on the payer's biologic_infusion choice (R6-R8)."""
    infusion = Administration.objects.create(
        encounter=visit,
        drug=world.formulary("J1745")["J1745"],
        method=Method.INFUSION,
        site=world.site(visit, nurse),
        dose_amount=400,
        dose_unit="mg",
        created_by=nurse,
    )
    infusion.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    infusion.stop(at=world.at(visit, "11:10"), by=nurse, key=world.key())
    return infusion
