"""Workflows over payers' policy versions that need a lock or a transaction."""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payers.models import Payer, PolicyVersion
from payers.tasks import start_rederivation


class PolicyConflict(Exception):
    """The version cannot be published as it stands; the message says why."""


def publication_plan(version: PolicyVersion) -> tuple[PolicyVersion | None, str]:
    """What publishing `version` would do to the payer's published versions:
    (the open-ended predecessor it would end, or None; a refusal message or "").

    A new version may start inside the open-ended version in force before it;
    that one then ends the day before. Every other overlap is refused, because
    published versions of a payer never overlap.
    """
    overlaps = list(
        version.payer.policy_versions.published()
        .overlapping(version.effective_from, version.effective_to)
        .exclude(pk=version.pk)
        .order_by("effective_from")
    )
    if not overlaps:
        return None, ""
    first = overlaps[0]
    if (
        len(overlaps) == 1
        and first.effective_to is None
        and first.effective_from < version.effective_from
    ):
        return first, ""
    names = ", ".join(str(other) for other in overlaps)
    return None, (
        f"{version.payer.name} already has a published version for these dates: "
        f"{names}. Choose dates after it, or end this draft before it starts."
    )


def publish_policy_version(
    version: PolicyVersion, *, by: Any, note: str
) -> PolicyVersion:
    """Publish a draft: freeze it, end the open-ended predecessor it starts
    inside, and (after commit) re-derive the payer's open encounters in its
    range. Raises PolicyConflict instead of ever letting two published versions
    of one payer overlap."""
    note = note.strip()
    if not note:
        raise PolicyConflict("Say in a note what this version changes and why.")
    try:
        with transaction.atomic():
            # Publications of one payer queue up here, so the overlap check
            # below sees every version published before this one (SQLite has
            # no exclusion constraint; PostgreSQL has both).
            Payer.objects.select_for_update().get(pk=version.payer_id)
            version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
            if not version.is_draft:
                raise PolicyConflict(f"{version} is already {version.status}.")
            predecessor, refusal = publication_plan(version)
            if refusal:
                raise PolicyConflict(refusal)
            if predecessor is not None:
                predecessor.effective_to = version.effective_from - timedelta(days=1)
                predecessor._change_reason = f"Ended by v{version.number}"
                predecessor.save(update_fields=["effective_to"])
            version.status = PolicyVersion.Status.PUBLISHED
            version.published_at = timezone.now()
            version.published_by = by
            version.publication_note = note
            version._change_reason = "Published"
            version.save()
            transaction.on_commit(lambda: start_rederivation(version, by=by))
    except IntegrityError as error:
        # The database's own guard (PostgreSQL exclusion constraint) caught an
        # overlap the lock did not, e.g. a row written outside this service.
        raise PolicyConflict(
            f"{version.payer.name} already has a published version for these dates."
        ) from error
    return version


def retire_policy_version(
    version: PolicyVersion, *, by: Any, note: str
) -> PolicyVersion:
    """Take a published version out of force (published in error, or the payer
    withdrew it). Its dates then have no version until another is published,
    so the payer's open encounters in them are re-derived like after a
    publication; finalised ones are not touched."""
    note = note.strip()
    if not note:
        raise PolicyConflict("Say in a note why this version is retired.")
    with transaction.atomic():
        Payer.objects.select_for_update().get(pk=version.payer_id)
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != PolicyVersion.Status.PUBLISHED:
            raise PolicyConflict(f"Only a published version can be retired: {version}.")
        version.status = PolicyVersion.Status.RETIRED
        version._change_reason = f"Retired: {note}"
        version.save(update_fields=["status"])
        transaction.on_commit(lambda: start_rederivation(version, by=by))
    return version
