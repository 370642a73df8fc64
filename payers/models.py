from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.expressions import Combinable
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.immutable import Immutable
from chairside_engine import policy
from encounters.models import Encounter, EncounterQuerySet
from payers.policy_keys import POLICY_KEY_NAMES, POLICY_KEYS, VALUE_WORDS
from reference.models import DrugCategory


class Payer(models.Model):
    """A health plan that receives claims; its coding choices live in policy
    versions."""

    class Kind(models.TextChoices):
        MEDICARE = "medicare", "Medicare"
        MEDICAID = "medicaid", "Medicaid"
        COMMERCIAL = "commercial", "Commercial"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind)
    # Claim settings: the identifier the payer is known by in X12 (NM109 of
    # loop 2010BB) and FHIR exports.
    payer_id = models.CharField("payer ID", max_length=80, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _choice_field(
    name: str, *, max_length: int
) -> "models.CharField[str | int | Combinable, str]":
    """A choice key as the engine accepts it: its values in the engine's order,
    the first the default (chairside_engine.policy CHOICES)."""
    values = policy.CHOICES[name]
    return models.CharField(
        max_length=max_length,
        choices=[(value, VALUE_WORDS[name].get(value, value)) for value in values],
        default=values[0],
    )


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def published(self) -> "PolicyVersionQuerySet":
        return self.filter(status=PolicyVersion.Status.PUBLISHED)

    def overlapping(self, start: date, end: date | None) -> "PolicyVersionQuerySet":
        """Versions sharing a day with start..end (end None: open-ended)."""
        versions = self.filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=start)
        )
        return versions if end is None else versions.filter(effective_from__lte=end)

    def in_force(self, payer: Payer, on: date) -> "PolicyVersion | None":
        """The published version of `payer` whose range covers `on` (at most one:
        published ranges never overlap)."""
        return self.published().overlapping(on, on).filter(payer=payer).first()

    def next_number(self) -> int:
        """Used as `payer.policy_versions.next_number()`."""
        latest = self.aggregate(models.Max("number"))["number__max"]
        return (latest or 0) + 1


class PolicyVersion(Immutable):
    """One dated set of a payer's coding choices.

    A draft is edited freely; publishing freezes its choices for good (editing a
    published version starts a new draft). effective_to is the last day in
    force, inclusive; empty means open-ended. Published versions of one payer
    never overlap (see the migration's exclusion constraint and
    payers.services.publish_policy_version).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    # Two admins can meet these refusals (one publishes while the other
    # edits), so they are for showing, not mistakes in the code.
    refusal_error = ValidationError

    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, related_name="policy_versions"
    )
    number = models.PositiveIntegerField(help_text="Counts up per payer.")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    effective_from = models.DateField()
    effective_to = models.DateField(
        null=True, blank=True, help_text="Last day in force; empty means open-ended."
    )

    # The contract's policy keys with the engine's values and defaults.
    initial_service = _choice_field("initial_service", max_length=20)
    biologic_injection = _choice_field("biologic_injection", max_length=20)
    biologic_infusion = _choice_field("biologic_infusion", max_length=20)
    missing_stop = _choice_field("missing_stop", max_length=20)
    hydration_segments = _choice_field("hydration_segments", max_length=20)
    repeat_infusion = _choice_field("repeat_infusion", max_length=20)
    concurrent_min_overlap = models.PositiveSmallIntegerField(
        default=policy.DEFAULT.concurrent_min_overlap
    )
    distinct_modifier = _choice_field("distinct_modifier", max_length=4)
    separate_visit_modifier = _choice_field("separate_visit_modifier", max_length=4)
    hydration_modifier = _choice_field("hydration_modifier", max_length=4)
    midnight = _choice_field("midnight", max_length=20)
    prolonged_pump_code = _choice_field("prolonged_pump_code", max_length=5)
    discontinued_modifier = _choice_field("discontinued_modifier", max_length=4)
    waste_modifiers = models.BooleanField(default=policy.FLAGS["waste_modifiers"])
    unit_rounding = _choice_field("unit_rounding", max_length=10)
    ndc_required = models.BooleanField(default=policy.FLAGS["ndc_required"])
    mue = _choice_field("mue", max_length=4)
    allow_99211_with_admin = models.BooleanField(
        default=policy.FLAGS["allow_99211_with_admin"]
    )
    # Versions published before the key existed were migrated to as_given,
    # what they coded then (payers/migrations/0004).
    facility_visit_code = _choice_field("facility_visit_code", max_length=10)

    # Why each non-default choice was made: {policy key: "public source, rule"}.
    notes = models.JSONField(default=dict, blank=True)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version this draft was started from.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    publication_note = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = PolicyVersionQuerySet.as_manager()

    # The reason django-simple-history records with the next save, when set.
    _change_reason: str

    class Meta:
        ordering = ["payer__name", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "number"], name="policy_version_number_per_payer"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="policy_version_range_not_reversed",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(published_at__isnull=False),
                name="policy_version_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.payer.name} v{self.number} (from {self.effective_from:%Y-%m-%d}"
        if self.effective_to is not None:
            label += f" to {self.effective_to:%Y-%m-%d}"
        label += ")"
        if self.status != self.Status.PUBLISHED:
            label += f" – {self.get_status_display().lower()}"
        return label

    def change_refusal(self) -> str | None:
        # Invariant, not workflow: a published version's choices are frozen.
        # Only its end date (closed by a successor) and its status may change.
        if self.pk is None:
            return None
        stored = (
            PolicyVersion.objects.filter(pk=self.pk)
            .exclude(status=self.Status.DRAFT)
            .first()
        )
        if stored is None:
            return None
        if self.status == self.Status.DRAFT:
            return f"{stored} can never become a draft again."
        frozen = (
            *POLICY_KEY_NAMES,
            "effective_from",
            "payer_id",
            "number",
            "notes",
            "publication_note",
            "published_at",
            "published_by_id",
        )
        changed = [f for f in frozen if getattr(stored, f) != getattr(self, f)]
        if changed:
            return (
                f"{stored} is published and cannot be changed "
                f"({', '.join(changed)}); start a new draft instead."
            )
        return None

    def deletion_refusal(self) -> str | None:
        # Discarding deletes a draft; the payer's page and the Django admin
        # offer it for drafts only.
        return None

    @property
    def revision(self) -> int | None:
        """The latest audit record's id: a draft form carries it, so a save
        over someone else's newer save is refused instead of silently lost."""
        latest = self.history.order_by("-history_id").first()
        return latest.history_id if latest is not None else None

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_in_force(self, on: date) -> bool:
        """In memory, what PolicyVersion.objects.in_force asks the database."""
        return (
            self.status == self.Status.PUBLISHED
            and self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
        )

    def policy_values(self) -> dict[str, Any]:
        """Every policy key with this version's value (drug overrides excluded)."""
        return {name: getattr(self, name) for name in POLICY_KEY_NAMES}

    @classmethod
    def _policy_field(cls, name: str) -> "models.Field[Any, Any]":
        field = cls._meta.get_field(name)
        assert isinstance(field, models.Field)  # every policy key is a column
        return field

    @classmethod
    def default_values(cls) -> dict[str, Any]:
        return {
            name: cls._policy_field(name).get_default() for name in POLICY_KEY_NAMES
        }

    @classmethod
    def value_label(cls, name: str, value: Any) -> str:
        if isinstance(value, bool):
            return "Yes" if value else "No"
        choices = dict(cls._policy_field(name).choices or [])
        return str(choices.get(value, value))

    def policy_rows(self) -> list[dict[str, Any]]:
        """Each key with its value in words, whether it is the default, and the
        note behind it: what the version pages show."""
        defaults = self.default_values()
        return [
            {
                "key": key,
                "value": self.value_label(key.name, getattr(self, key.name)),
                "default": self.value_label(key.name, defaults[key.name]),
                "is_default": getattr(self, key.name) == defaults[key.name],
                "note": self.notes.get(key.name, ""),
            }
            for key in POLICY_KEYS
        ]

    def policy_document(self) -> dict[str, Any]:
        """The contract's `policy` object: the keys that differ from the
        contract's defaults, plus drug_overrides when there are any."""
        defaults = self.default_values()
        document = {
            name: value
            for name, value in self.policy_values().items()
            if value != defaults[name]
        }
        overrides = {
            override.key: override.contract_value()
            for override in self.drug_overrides.all()
        }
        if overrides:
            document["drug_overrides"] = overrides
        return document

    def encounters_in_range(self) -> EncounterQuerySet:
        """This payer's encounters whose date of service the version covers."""
        encounters = Encounter.objects.filter(
            payer=self.payer_id, date__gte=self.effective_from
        )
        if self.effective_to is not None:
            encounters = encounters.filter(date__lte=self.effective_to)
        return encounters

    def start_draft(
        self, *, by: Any, effective_from: date | None = None
    ) -> "PolicyVersion":
        """A new draft with this version's choices and overrides, for editing."""
        draft = PolicyVersion.objects.create(
            payer=self.payer,
            number=self.payer.policy_versions.next_number(),
            effective_from=effective_from or self.effective_from,
            effective_to=None,
            notes=dict(self.notes),
            author=by,
            based_on=self,
            **self.policy_values(),
        )
        # One by one (a payer has a handful), so each copy has its audit entry.
        for override in self.drug_overrides.all():
            DrugOverride.objects.create(
                version=draft,
                key=override.key,
                category=override.category,
                force_push=override.force_push,
                note=override.note,
            )
        return draft

    def set_override(
        self, key: str, *, category: str, force_push: bool, note: str
    ) -> None:
        """Set or change one drug's override on this draft, or remove it when
        it says nothing (neither a category nor force_push). A published
        version refuses with a ValidationError (DrugOverride)."""
        with transaction.atomic():
            existing = self.drug_overrides.filter(key=key).first()
            if not category and not force_push:
                if existing is not None:
                    existing.delete()
                return
            override = existing or DrugOverride(version=self, key=key)
            override.category = category
            override.force_push = force_push
            override.note = note
            override.save()


class DrugOverride(Immutable):
    """A payer's exception for one drug: another category and/or the push code
    whatever the run time (R8, R17)."""

    # The draft's page shows the refusal (payers.views.set_override).
    refusal_error = ValidationError

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="drug_overrides"
    )
    key = models.CharField(
        max_length=120,
        help_text="HCPCS code (upper case) or drug name (lower case).",
    )
    category = models.CharField(max_length=30, choices=DrugCategory, blank=True)
    force_push = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"], name="drug_override_once_per_version"
            ),
            models.CheckConstraint(
                condition=~models.Q(category="") | models.Q(force_push=True),
                name="drug_override_says_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.describe()}"

    def change_refusal(self) -> str | None:
        # A published version's overrides are as frozen as its other choices;
        # the stored status decides, not a possibly stale instance.
        draft = PolicyVersion.Status.DRAFT
        if not PolicyVersion.objects.filter(pk=self.version_id, status=draft).exists():
            return f"{self.version} is published; start a new draft to change it."
        return None

    def deletion_refusal(self) -> str | None:
        return self.change_refusal()

    def describe(self) -> str:
        parts = []
        if self.category:
            parts.append(f"as {self.get_category_display().lower()}")
        if self.force_push:
            parts.append("always the push code")
        return ", ".join(parts)

    def contract_value(self) -> dict[str, Any]:
        value: dict[str, Any] = {}
        if self.category:
            value["category"] = self.category
        if self.force_push:
            value["force_push"] = True
        return value


class Rederivation(models.Model):
    """One background run that re-derives the open encounters a newly published
    version governs (payers.tasks.rederive_encounters); its counters are the
    progress the admin watches."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="rederivations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    finalised_untouched = models.PositiveIntegerField(
        default=0, help_text="Finalised encounters in range, left alone."
    )
    problems = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Re-derivation for {self.version} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * (self.done + self.failed) / self.total)


def in_force_by_date(payer: Payer) -> Callable[[Encounter], PolicyVersion | None]:
    """The version in force for encounters of `payer`, looked up once per date:
    for runs over many encounters, most of which share a date with another."""

    @cache
    def on(day: date) -> PolicyVersion | None:
        return PolicyVersion.objects.in_force(payer, day)

    return lambda encounter: on(encounter.date)
