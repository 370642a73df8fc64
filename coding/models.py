"""Derivations: what the engine said of an encounter, under which policy."""

from typing import Any

from django.conf import settings
from django.db import models

SEVERITY_RANK = {
    "info": 1,
    "warning": 2,
    "error": 3,
}  # the worst finding of an encounter


class Derivation(models.Model):
    """The engine's latest result for an encounter, and what produced it."""

    # Keyed by the encounter: storing the latest result is one UPDATE (an
    # INSERT the first time), with no lookup of its own on every tap.
    encounter = models.OneToOneField(
        "encounters.Encounter",
        on_delete=models.CASCADE,
        related_name="derivation",
        primary_key=True,
    )
    result = models.JSONField()
    policy_version = models.ForeignKey(
        "payers.PolicyVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    policy_label = models.CharField(max_length=200, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    derived_at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Read from `result` when it is stored, so the worklist filters and shows
    # them for a page of 25 out of 100,000 without opening any JSON.
    worst_severity = models.CharField(max_length=8, blank=True)
    line_summary = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["worst_severity"])]

    def __str__(self) -> str:
        return f"Derivation of {self.encounter_id} at {self.derived_at}"

    @staticmethod
    def summary_of(result: dict[str, Any]) -> dict[str, str]:
        """The worklist's columns for a result: worst finding and the codes."""
        severities = [f.get("severity", "") for f in result.get("findings", [])]
        if result.get("errors"):
            severities.append("error")
        worst = max(severities, key=lambda s: SEVERITY_RANK.get(s, 0), default="")
        codes = " ".join(
            f"{line['code']}×{line['units']}"
            if line.get("units") != 1
            else line["code"]
            for line in result.get("lines", [])
        )
        return {"worst_severity": worst, "line_summary": codes[:200]}

    @property
    def lines(self) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = self.result.get("lines", [])
        return lines

    @property
    def findings(self) -> list[dict[str, Any]]:
        findings: list[dict[str, Any]] = self.result.get("findings", [])
        return findings

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.result.get("errors", [])
        return errors


# Coding an encounter: diagnoses, line pointers and overrides are the coder's
# additions, kept apart from the engine's Derivation so a re-derivation never
# erases them; a Claim is the frozen result.
