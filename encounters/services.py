"""Nurse actions on an encounter: once per key, only on the version on screen,
all or nothing, audited, then re-derived."""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from coding.models import Derivation
from coding.services import derive_encounter
from encounters.clock import clock
from encounters.models import (
    Administration,
    AdministrationEvent,
    AlreadyDone,
    AuditEntry,
    Encounter,
    IVSite,
    Patient,
    Refusal,
    StaleVersion,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to a tap, for the nurse: the HTTP status and a sentence."""

    status: int
    message: str
    level: str = "success"

    @property
    def changed(self) -> bool:
        return self.status == 200 and self.level == "success"


def key_seen(key: uuid.UUID) -> bool:
    return (
        AdministrationEvent.objects.filter(idempotency_key=key).exists()
        or AuditEntry.objects.filter(idempotency_key=key).exists()
    )


ALREADY_RECORDED = "That tap was already recorded; nothing was added."
RACED = (
    "Someone else did the same at the same moment. Nothing was saved; the "
    "screen now shows the current record."
)


def perform(
    encounter: Encounter,
    *,
    key: uuid.UUID,
    version: int,
    action: Callable[[], str],
    editable_only: bool = True,
) -> Outcome:
    """Run `action` (which returns the sentence to show) in one transaction
    that also takes the encounter's next version.

    A repeated key or a no-op (a second Stop) changes nothing and says so; a
    stale version or a refused action rolls everything back and says why.
    """
    if editable_only and not encounter.is_editable:
        return Outcome(
            409,
            f"This encounter is {encounter.get_status_display().lower()}; "
            "it can no longer be changed here.",
            "danger",
        )
    try:
        with transaction.atomic():
            message = action()
            encounter.claim_version(version)
    except AlreadyDone as done:
        return Outcome(200, done.message, "info")
    except StaleVersion as stale:
        if key_seen(key):
            return Outcome(200, ALREADY_RECORDED, "info")
        encounter.refresh_from_db(fields=["version", "status"])
        return Outcome(409, stale.message, "warning")
    except IntegrityError:
        # Two copies of one tap raced, and the other one was recorded; or two
        # people did the same thing at once (one chair, two check-ins).
        if key_seen(key):
            return Outcome(200, ALREADY_RECORDED, "info")
        return Outcome(409, RACED, "warning")
    except Refusal as refusal:
        return Outcome(409, refusal.message, "danger")
    return Outcome(200, message)


def rederive(
    encounter: Encounter,
    *,
    by: Any,
    administrations: Sequence[Administration],
    sites: Sequence[IVSite],
) -> Derivation | None:
    """The codes after a change. The change is already saved, so an engine
    failure is logged and shown in the codes panel, never lost work."""
    try:
        return derive_encounter(
            encounter, by=by, administrations=administrations, sites=sites
        )
    except Exception:
        logger.exception("Deriving encounter %s failed", encounter.pk)
        return None


def audit(
    subject: Encounter | Patient,
    action: str,
    *,
    by: Any,
    key: uuid.UUID | None,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write down a change to an encounter, or to a patient's registration."""
    return AuditEntry.objects.create(
        encounter=subject if isinstance(subject, Encounter) else None,
        patient=subject if isinstance(subject, Patient) else None,
        action=action,
        target=target,
        before=before or {},
        after=after or {},
        by=by,
        at=clock.now(),
        idempotency_key=key,
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def snapshot(instance: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(instance, name)) for name in fields}


def changes(
    instance: Any, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields whose value differs."""
    changed = [
        name for name, value in values.items() if getattr(instance, name) != value
    ]
    before = snapshot(instance, changed)
    for name in changed:
        setattr(instance, name, values[name])
    return before, snapshot(instance, changed)
