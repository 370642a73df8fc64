from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from payers.demo import seed_payers
from payers.models import Payer, PolicyVersion
from payers.services import publish_policy_version


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
