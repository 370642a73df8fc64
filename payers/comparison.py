"""Try a draft before publishing it: the same encounter document derived under
the version in force and under the draft, lines paired, differences marked."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from chairside_engine import date_of_service, derive
from coding.documents import app_ids, policy_of, reference_for
from payers.models import PolicyVersion


@dataclass
class Side:
    label: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Comparison:
    title: str
    published: Side
    draft: Side
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return any(
            item["changed"]
            for side in (self.published, self.draft)
            for item in (*side.lines, *side.findings)
        )


def service_date(document: dict[str, Any]) -> date:
    """The date whose version is in force: the engine's date of service of the
    document (its policy aside, which the comparison replaces), else today."""
    found = date_of_service({**document, "policy": None})
    return found if found is not None else timezone.localdate()


def line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two claim lines the same line, for try-it and the replay."""
    return (
        line.get("kind"),
        line.get("code"),
        line.get("units"),
        tuple(line.get("modifiers") or ()),
        line.get("date"),
        # The same code for another administration is a different line.
        tuple(line.get("administrations") or ()),
    )


def _finding_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding.get("severity"), finding.get("code"), finding.get("message"))


def _mark(
    mine: list[dict[str, Any]], theirs: list[dict[str, Any]], key: Any
) -> list[dict[str, Any]]:
    """Each of `mine` with changed=True when the other side has no equal left
    to pair it with (a multiset difference, so a doubled line shows)."""
    available = Counter(key(item) for item in theirs)
    marked = []
    for item in mine:
        item_key = key(item)
        if available[item_key]:
            available[item_key] -= 1
            marked.append({**item, "changed": False})
        else:
            marked.append({**item, "changed": True})
    return marked


def compare(
    document: dict[str, Any], *, title: str, draft: PolicyVersion
) -> Comparison:
    in_force = PolicyVersion.objects.in_force(draft.payer, service_date(document))
    published_label = (
        str(in_force)
        if in_force is not None
        else "Contract defaults (no version of this payer in force on that date)"
    )
    reference = reference_for(document)
    before = app_ids(
        derive({**document, "policy": policy_of(in_force)}, reference=reference)
    )
    after = app_ids(
        derive({**document, "policy": draft.policy_document()}, reference=reference)
    )
    published, drafted = Side(published_label), Side(str(draft))
    errors = before.get("errors") or after.get("errors")
    if errors:
        return Comparison(title, published, drafted, errors=errors)
    published.lines = _mark(before["lines"], after["lines"], line_key)
    drafted.lines = _mark(after["lines"], before["lines"], line_key)
    published.findings = _mark(before["findings"], after["findings"], _finding_key)
    drafted.findings = _mark(after["findings"], before["findings"], _finding_key)
    return Comparison(title, published, drafted)
