import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Sum
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
    # A remitted line paid this much less than its fee schedule expects is
    # flagged as underpaid; smaller differences are rounding, not revenue.
    underpayment_tolerance = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A line paid more than this below its expected amount is "
        "flagged as underpaid.",
    )

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


# Prior authorisation. A payer lists the codes it pays only with one; the
# patient's authorisation from that payer names the codes it covers, its
# dates and the units or visits approved. Check-in shows what is left, and a
# finalised claim counts it down (claims.AuthorisationUse, through
# authorisation_use below).

HCPCS_CODE = re.compile(r"[A-Z][0-9]{4}|[0-9]{4}[0-9A-Z]")


def code_problem(code: str) -> str | None:
    if HCPCS_CODE.fullmatch(code):
        return None
    shown = code or "An empty code"
    return f"{shown} is not a HCPCS or CPT code (5 characters, as J1745)."


def validate_code(value: str) -> None:
    problem = code_problem(value)
    if problem is not None:
        raise ValidationError(problem)


class AuthorisationRequirement(models.Model):
    """A code this payer pays only with a prior authorisation: check-in warns
    when a drug of the day has none, and the claim needs one (REF*G1)."""

    payer = models.ForeignKey(
        Payer, on_delete=models.CASCADE, related_name="authorisation_requirements"
    )
    code = models.CharField("HCPCS code", max_length=5, validators=[validate_code])

    history = HistoricalRecords()

    class Meta:
        ordering = ["payer__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "code"], name="authorisation_requirement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payer}: {self.code} needs a prior authorisation"


class Use(NamedTuple):
    """What finalised claims have taken of an authorisation so far."""

    units: Decimal
    visits: int


@dataclass(frozen=True)
class Remaining:
    """What an authorisation has left of what it approved; None for what it
    does not count (an authorisation of visits only has no units left)."""

    units: Decimal | None
    visits: int | None

    @property
    def exhausted(self) -> bool:
        return any(left is not None and left <= 0 for left in (self.units, self.visits))

    def describe(self) -> str:
        units = None if self.units is None else max(self.units, Decimal(0))
        visits = None if self.visits is None else max(self.visits, 0)
        return f"{amounts(units, visits)} left"


def amounts(units: Decimal | None, visits: int | None) -> str:
    """Units and visits in words, "40 units and 1 visit", leaving out None."""
    parts = []
    if units is not None:
        shown = f"{units.normalize():f}"
        parts.append(f"{shown} unit{'' if shown == '1' else 's'}")
    if visits is not None:
        parts.append(f"{visits} visit{'' if visits == 1 else 's'}")
    return " and ".join(parts)


class Authorisation(models.Model):
    """A payer's prior authorisation for one patient: its number goes on the
    claim (REF*G1); it covers its codes from its first to its last day, up to
    the units and/or visits approved."""

    patient = models.ForeignKey(
        "encounters.Patient", on_delete=models.PROTECT, related_name="authorisations"
    )
    payer = models.ForeignKey(
        Payer, on_delete=models.PROTECT, related_name="authorisations"
    )
    number = models.CharField(
        "authorisation number",
        max_length=50,
        help_text="As the payer gave it; the claim carries it in REF*G1.",
    )
    codes = models.JSONField(
        "HCPCS codes",
        default=list,
        help_text="The codes it covers, as J1745, J9271.",
    )
    units_approved = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Billing units of its codes approved in all, as on the claim "
        "lines (infliximab 400 mg is 40 units of J1745). Empty when the payer "
        "approved visits only.",
    )
    visits_approved = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Visits approved; empty when the payer approved units only.",
    )
    effective_from = models.DateField("first day")
    effective_to = models.DateField("last day", help_text="Inclusive.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["payer__name", "-effective_from", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "number"], name="authorisation_number_per_payer"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__gte=models.F("effective_from")),
                name="authorisation_range_not_reversed",
            ),
            models.CheckConstraint(
                condition=models.Q(units_approved__isnull=False)
                | models.Q(visits_approved__isnull=False),
                name="authorisation_approves_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} authorisation {self.number}"

    def clean(self) -> None:
        """Every problem at once, each beside its field."""
        errors: dict[str, str] = {}
        codes = self.codes if isinstance(self.codes, list) else []
        self.codes = list(dict.fromkeys(str(c).strip().upper() for c in codes))
        problems = [p for p in map(code_problem, self.codes) if p is not None]
        if problems:
            errors["codes"] = " ".join(problems)
        elif not self.codes:
            errors["codes"] = "Name the codes the authorisation covers, as J1745."
        if self.units_approved is None and self.visits_approved is None:
            errors["units_approved"] = (
                "Give the units or the visits approved (or both), as the "
                "payer's letter says."
            )
        elif self.units_approved is not None and self.units_approved <= 0:
            errors["units_approved"] = "Units approved must be above zero."
        if (
            self.effective_from
            and self.effective_to
            and self.effective_to < self.effective_from
        ):
            errors["effective_to"] = "The last day comes before the first."
        if errors:
            raise ValidationError(errors)

    @property
    def approved(self) -> str:
        return amounts(self.units_approved, self.visits_approved)

    def covers(self, code: str, day: date) -> bool:
        """Whether its codes and dates take in `code` given on `day`."""
        return code in self.codes and self.effective_from <= day <= self.effective_to

    def remaining(self, used_units: Decimal, used_visits: int) -> Remaining:
        """What is left after `used_units` and `used_visits` (which may have
        gone past what was approved: the result is then below zero)."""
        return Remaining(
            units=None
            if self.units_approved is None
            else self.units_approved - used_units,
            visits=None
            if self.visits_approved is None
            else self.visits_approved - used_visits,
        )

    def left(self) -> Remaining:
        return self.remaining(*authorisation_use(self))

    def left_for(self, encounter: Encounter) -> Remaining:
        """What is left for `encounter`'s claim: what its own earlier claim
        took (one now reopened to be replaced) is not counted against it."""
        return self.remaining(*authorisation_use(self, besides=encounter))


def authorisation_use(
    authorisation: Authorisation, *, besides: Encounter | None = None
) -> Use:
    """The units and visits finalised claims have taken of `authorisation`,
    leaving out what the claims of `besides` took.

    Finalising writes claims.AuthorisationUse, one row per encounter whatever
    its replacements; it is read here through its reverse relation, so this
    layer imports nothing of claims."""
    uses = authorisation.uses.all()
    if besides is not None:
        uses = uses.exclude(encounter=besides)
    totals = uses.aggregate(units=Sum("units"), visits=Sum("visits"))
    return Use(units=totals["units"] or Decimal(0), visits=totals["visits"] or 0)


@dataclass(frozen=True)
class AuthorisationCheck:
    """What check-in says of one encounter's prior authorisations."""

    # The authorisations of the patient and the payer in force on the day,
    # each with what it has left.
    in_force: list[tuple[Authorisation, Remaining]]
    # A sentence for each drug of the day whose code the payer requires an
    # authorisation for, when none in force covers it with something left.
    warnings: list[str]


def check_authorisations(
    encounters: Iterable[Encounter],
) -> dict[int, AuthorisationCheck]:
    """The check of each encounter, by its id: two queries whatever their
    number, the use of each authorisation summed by the second. Their
    administrations are read with their drugs: prefetch them."""
    encounters = list(encounters)
    if not encounters:
        return {}
    payers = {e.payer_id for e in encounters}
    required: dict[int, set[str]] = {}
    for payer_id, code in AuthorisationRequirement.objects.filter(
        payer_id__in=payers
    ).values_list("payer_id", "code"):
        required.setdefault(payer_id, set()).add(code)
    held: dict[tuple[int, int], list[tuple[Authorisation, Remaining]]] = {}
    found = (
        Authorisation.objects.filter(
            patient_id__in={e.patient_id for e in encounters},
            payer_id__in=payers,
            effective_from__lte=max(e.date for e in encounters),
            effective_to__gte=min(e.date for e in encounters),
        )
        .annotate(used_units=Sum("uses__units"), used_visits=Sum("uses__visits"))
        .order_by("effective_to", "number")
    )
    for authorisation in found:
        key = (authorisation.patient_id, authorisation.payer_id)
        left = authorisation.remaining(
            authorisation.used_units or Decimal(0), authorisation.used_visits or 0
        )
        held.setdefault(key, []).append((authorisation, left))
    checks = {}
    for encounter in encounters:
        in_force = [
            (a, left)
            for a, left in held.get((encounter.patient_id, encounter.payer_id), [])
            if a.effective_from <= encounter.date <= a.effective_to
        ]
        checks[encounter.pk] = AuthorisationCheck(
            in_force=in_force,
            warnings=_warnings(
                encounter, in_force, required.get(encounter.payer_id, set())
            ),
        )
    return checks


def _warnings(
    encounter: Encounter,
    in_force: list[tuple[Authorisation, Remaining]],
    required: set[str],
) -> list[str]:
    drugs = {
        a.drug.hcpcs: a.drug.name
        for a in encounter.administrations.all()
        if a.drug is not None and a.drug.hcpcs in required
    }
    warnings = []
    for code, name in sorted(drugs.items()):
        covering = [(a, left) for a, left in in_force if a.covers(code, encounter.date)]
        if not covering:
            warnings.append(
                f"No prior authorisation covers {name} ({code}) on "
                f"{encounter.date:%Y-%m-%d}: {encounter.payer} requires one."
            )
        elif all(left.exhausted for _a, left in covering):
            numbers = ", ".join(a.number for a, _left in covering)
            warnings.append(
                f"Authorisation {numbers} covers {name} ({code}) but has nothing "
                f"left: ask {encounter.payer} for more."
            )
    return warnings
