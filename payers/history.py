"""Who changed what and when, for a payer, its versions, their drug
overrides and its prior authorisation list: django-simple-history's records
told as the payer's page lists them."""

from collections.abc import Callable
from typing import Any

from payers.models import AuthorisationRequirement, DrugOverride, Payer, PolicyVersion

ENTRIES = 60
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def entries(payer: Payer, versions: list[PolicyVersion]) -> list[dict[str, Any]]:
    """The latest changes, newest first. Each record is compared with the one
    before it of the same object, in memory: four queries."""
    numbers = {v.pk: v.number for v in versions}
    # Each history manager (django-simple-history's, untyped), the filter of
    # this payer's records in it, and what a record is about.
    sources: tuple[tuple[Any, dict[str, Any], Callable[[Any], str]], ...] = (
        (payer.history, {}, lambda r: payer.name),
        (
            PolicyVersion.history,
            {"payer_id": payer.pk},
            lambda r: f"{payer.name} v{r.number}",
        ),
        (
            DrugOverride.history,
            {"version_id__in": list(numbers)},
            lambda r: f"Drug override {r.key} of v{numbers.get(r.version_id, '?')}",
        ),
        (
            AuthorisationRequirement.history,
            {"payer_id": payer.pk},
            lambda r: f"Prior authorisation requirement for {r.code}",
        ),
    )
    found = []
    for manager, filters, subject in sources:
        records = manager.filter(**filters).select_related("history_user")
        previous_of: dict[int, Any] = {}
        for record in records.order_by("history_date", "history_id"):
            previous = previous_of.get(record.id)
            previous_of[record.id] = record
            changes = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous)
                changes = [
                    f"{change.field}: {change.old} → {change.new}"
                    for change in delta.changes
                ]
                if not changes:
                    continue  # saved without a difference: nothing to tell
            found.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "what": subject(record),
                    "action": ACTIONS[record.history_type],
                    "changes": changes,
                    "reason": record.history_change_reason or "",
                }
            )
    found.sort(key=lambda entry: entry["when"], reverse=True)
    return found[:ENTRIES]
