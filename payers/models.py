from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from chairside_engine import policy
from encounters.models import Encounter, EncounterQuerySet
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


class PolicyKey:
    """One policy key of the coding contract (shared/contract/README.md, "Policy
    keys and their defaults"): its field, plain-words meaning and rule numbers,
    and its values in words. The values themselves and the defaults are the
    engine's (coding/engine/policy.py); a value without words here (a code
    such as "XS") is shown as it is."""

    def __init__(
        self,
        name: str,
        label: str,
        rules: str,
        meaning: str,
        words: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.rules = rules
        self.meaning = meaning
        self.words = words or {}


# In contract order; drug_overrides lives in DrugOverride rows.
POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey(
        "initial_service",
        "Initial service in the office",
        "R42–R44",
        "In a physician office, which administration is reported as the initial "
        "service: the one the nurse marked as the main reason for the visit, or "
        "the one ranked highest (chemotherapy, then therapeutic, then hydration). "
        "Hospital outpatient claims always use the ranking.",
        words={
            "primary_reason": "Main reason for the visit",
            "hierarchy": "Ranking (chemotherapy first)",
        },
    ),
    PolicyKey(
        "biologic_injection",
        "Biologic given as a shot",
        "R6–R8",
        "A biologic (a monoclonal antibody for a non-cancer condition, such as "
        "omalizumab) injected under the skin or into a muscle: the ordinary "
        "injection code 96372, or the chemotherapy injection code 96401.",
        words={
            "therapeutic": "Therapeutic injection (96372)",
            "chemotherapy": "Chemotherapy injection (96401)",
        },
    ),
    PolicyKey(
        "biologic_infusion",
        "Biologic given into a vein",
        "R6–R8",
        "A biologic infused or pushed into a vein (such as infliximab): the "
        "chemotherapy codes (96413, 96409 …) or the therapeutic ones (96365, "
        "96374 …).",
        words={
            "chemotherapy": "Chemotherapy codes (96413 family)",
            "therapeutic": "Therapeutic codes (96365 family)",
        },
    ),
    PolicyKey(
        "missing_stop",
        "Infusion without a stop time",
        "R93–R94",
        "What an infusion becomes when nobody wrote down when it stopped: a push, "
        "a run timed from the volume infused and the rate (a push when those are "
        "missing too), or nothing billed. Hydration without a stop time is never "
        "billed; the coder always gets a warning.",
        words={
            "push": "Code as a push",
            "derive": "Time it from volume and rate",
            "not_billable": "Do not bill",
        },
    ),
    PolicyKey(
        "hydration_segments",
        "Hydration before and after",
        "R35–R36",
        "Hydration given in several pieces during one visit (for example before "
        "and after chemotherapy): the minutes are added up, or each piece must "
        "reach 31 minutes by itself.",
        words={
            "sum": "Add the pieces up",
            "separate": "Judge each piece alone",
        },
    ),
    PolicyKey(
        "repeat_infusion",
        "Same drug infused again",
        "R37",
        "A later infusion of a drug already infused in the visit: reported with "
        "its own additional-hour code, added to the earlier minutes, or reported "
        "as a repeat push of the same drug.",
        words={
            "additional_hour": "Its own additional-hour code",
            "sum": "Add to the earlier minutes",
            "push": "Same-drug push",
        },
    ),
    PolicyKey(
        "concurrent_min_overlap",
        "Minutes of overlap for concurrent",
        "R56",
        "How many minutes two separate infusions must run at the same time to be "
        "reported as concurrent (96368). 0 means any documented overlap.",
    ),
    PolicyKey(
        "distinct_modifier",
        "Modifier for a second IV site",
        "R46",
        "The modifier on a second initial service given through another IV site "
        "that was medically necessary.",
    ),
    PolicyKey(
        "separate_visit_modifier",
        "Modifier for a second visit the same day",
        "R47",
        "The modifier on the initial service of a later visit on the same day "
        "(the patient left and came back).",
    ),
    PolicyKey(
        "hydration_modifier",
        "Modifier on later hydration",
        "R90",
        "Whether hydration reported after another service carries modifier 59.",
        words={"none": "None"},
    ),
    PolicyKey(
        "midnight",
        "Infusions across midnight",
        "R70",
        "The date each unit of an infusion that runs past midnight is reported "
        "on: all on the day it started, or each on the day it was earned.",
        words={
            "start_date": "All on the start date",
            "actual_date": "Each unit on the day it was earned",
        },
    ),
    PolicyKey(
        "prolonged_pump_code",
        "Chemotherapy started on a pump",
        "R26",
        "The code for starting a chemotherapy infusion on a portable or implanted "
        "pump that runs more than 8 hours: CPT 96416 or Medicare's G0498.",
    ),
    PolicyKey(
        "discontinued_modifier",
        "Modifier on an infusion stopped early",
        "R39",
        "Whether an infusion stopped early (a reaction, a pump failure) carries "
        "modifier 53; it is always coded by the time actually given.",
        words={"none": "None"},
    ),
    PolicyKey(
        "waste_modifiers",
        "JW and JZ on single-dose drugs",
        "R80–R83",
        "For drugs from single-dose vials: report the discarded amount on a JW "
        "line and mark zero waste with JZ, or leave both modifiers off.",
    ),
    PolicyKey(
        "unit_rounding",
        "Drug units",
        "R78–R79",
        "Drug units rounded up to whole units, or kept to two decimals.",
        words={
            "ceil": "Round up to whole units",
            "decimal": "Two decimals",
        },
    ),
    PolicyKey(
        "ndc_required",
        "NDC required",
        "R84–R86",
        "Whether every drug line must carry the package's National Drug Code; a "
        "line without one is then an error the coder must fix.",
    ),
    PolicyKey(
        "mue",
        "Units over the medically unlikely edit",
        "R88–R89",
        "Units above CMS's medically unlikely edit for the setting: warn the "
        "coder, or cap the units and warn.",
        words={
            "warn": "Warn",
            "cap": "Cap the units and warn",
        },
    ),
    PolicyKey(
        "allow_99211_with_admin",
        "99211 with drug administration",
        "R73",
        "Whether the nurse visit code 99211 may be reported together with drug "
        "administration codes.",
    ),
    PolicyKey(
        "facility_visit_code",
        "Clinic visit on the hospital's claim",
        "R101, R73–R74",
        "On a hospital outpatient claim, a doctor's visit that is separately "
        "identifiable from the drug administration (any level, 99202–99215): "
        "reported as the hospital clinic visit G0463, with modifier 25 beside "
        "the drug administration, as Medicare has required since 2014; or as "
        "the level documented, 99211 then following the “99211 with drug "
        "administration” choice. A visit that is only the routine check before "
        "treatment is never reported. Office claims always carry the level "
        "documented.",
        words={
            "G0463": "G0463 for any level",
            "as_given": "The level documented (99202–99215)",
        },
    ),
)
POLICY_KEY_NAMES = tuple(key.name for key in POLICY_KEYS)
_WORDS = {key.name: key.words for key in POLICY_KEYS}


def _choice_field(name: str, *, max_length: int) -> models.CharField:
    """A choice key as the engine accepts it: its values in the engine's order,
    the first the default (coding/engine/policy.py CHOICES)."""
    values = policy.CHOICES[name]
    return models.CharField(
        max_length=max_length,
        choices=[(value, _WORDS[name].get(value, value)) for value in values],
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


class PolicyVersion(models.Model):
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Invariant, not workflow: a published version's choices are frozen.
        # Only its end date (closed by a successor) and its status may change.
        if self.pk is not None:
            stored = (
                PolicyVersion.objects.filter(pk=self.pk)
                .exclude(status=self.Status.DRAFT)
                .first()
            )
            if stored is not None and self.status == self.Status.DRAFT:
                raise ValidationError(f"{stored} can never become a draft again.")
            if stored is not None:
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
                    raise ValidationError(
                        f"{stored} is published and cannot be changed "
                        f"({', '.join(changed)}); start a new draft instead."
                    )
        super().save(*args, **kwargs)

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
    def default_values(cls) -> dict[str, Any]:
        return {
            name: cls._meta.get_field(name).get_default() for name in POLICY_KEY_NAMES
        }

    @classmethod
    def value_label(cls, name: str, value: Any) -> str:
        if isinstance(value, bool):
            return "Yes" if value else "No"
        choices = dict(cls._meta.get_field(name).choices or [])
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


class DrugOverride(models.Model):
    """A payer's exception for one drug: another category and/or the push code
    whatever the run time (R8, R17)."""

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        # A published version's overrides are as frozen as its other choices;
        # the stored status decides, not a possibly stale instance.
        draft = PolicyVersion.Status.DRAFT
        if not PolicyVersion.objects.filter(pk=self.version_id, status=draft).exists():
            raise ValidationError(
                f"{self.version} is published; start a new draft to change it."
            )

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
