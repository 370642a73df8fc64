"""Reference data from CMS (loaded by `manage.py load_reference_data`)."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

# How bad a finding is, for "the worst finding" of an encounter.
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


class ReferenceEdition(models.Model):
    """Which edition of each reference table is loaded, so every edit can name it."""

    table = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=200)
    effective = models.DateField()
    rows = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["table"]

    def __str__(self) -> str:
        return f"{self.table} ({self.source}, effective {self.effective})"


class DrugCategory(models.TextChoices):
    """The contract's drug categories; which family of codes a drug earns."""

    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    HORMONAL_ANTINEOPLASTIC = "hormonal_antineoplastic", "Hormonal antineoplastic"
    BIOLOGIC = "biologic", "Biologic (non-cancer)"
    THERAPEUTIC = "therapeutic", "Therapeutic"
    HYDRATION = "hydration", "Hydration"


class Drug(models.Model):
    """A HCPCS Level II drug code with its CMS descriptors and billing unit.

    `category` comes from the reviewed mapping in coding/data/drug_categories.csv;
    blank means nobody has reviewed the code yet ("needs review"): it is never
    guessed.
    """

    hcpcs = models.CharField(max_length=5, unique=True)
    short_descriptor = models.CharField(max_length=60)
    long_descriptor = models.TextField(blank=True)
    billing_unit_amount = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    billing_unit = models.CharField(max_length=10, blank=True)
    unit_qualifier = models.CharField(max_length=10, blank=True)
    label = models.CharField(max_length=60, blank=True, help_text="Grouping label.")
    added = models.DateField(null=True, blank=True)
    terminated = models.DateField(null=True, blank=True)
    opps_status_indicator = models.CharField(max_length=4, blank=True)
    status_note = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=30, choices=DrugCategory, blank=True)

    class Meta:
        ordering = ["hcpcs"]

    def __str__(self) -> str:
        return f"{self.hcpcs} {self.name}"

    @property
    def name(self) -> str:
        """What nurses and coders call the drug: the generic name of the CMS
        long descriptor ("Injection, infliximab, excludes biosimilar, 10 mg"),
        else the short descriptor, which CMS cuts at 28 characters."""
        parts = [part.strip() for part in self.long_descriptor.split(",")]
        if len(parts) >= 3 and parts[0] in ("Injection", "Infusion") and parts[1]:
            return parts[1][0].upper() + parts[1][1:]
        return self.short_descriptor

    @property
    def needs_review(self) -> bool:
        return not self.category


class MueEdit(models.Model):
    """Medically unlikely edit: most units of a code per patient and date."""

    code = models.CharField(max_length=5, unique=True)
    practitioner_mue = models.PositiveIntegerField(null=True, blank=True)
    practitioner_mai = models.PositiveSmallIntegerField(null=True, blank=True)
    facility_mue = models.PositiveIntegerField(null=True, blank=True)
    facility_mai = models.PositiveSmallIntegerField(null=True, blank=True)
    practitioner_rationale = models.CharField(max_length=100, blank=True)
    facility_rationale = models.CharField(max_length=100, blank=True)
    effective = models.DateField()

    class Meta:
        ordering = ["code"]
        verbose_name = "MUE edit"

    def __str__(self) -> str:
        return f"MUE {self.code}"


class NcciEdit(models.Model):
    """An NCCI procedure-to-procedure pair (column 1 / column 2) for one setting."""

    class Setting(models.TextChoices):
        PRACTITIONER = "practitioner"
        OUTPATIENT_HOSPITAL = "outpatient_hospital"

    column1 = models.CharField(max_length=5)
    column2 = models.CharField(max_length=5)
    modifier_indicator = models.CharField(max_length=1)
    setting = models.CharField(max_length=20, choices=Setting)
    effective = models.DateField()
    deleted = models.DateField(null=True, blank=True)
    active = models.BooleanField()
    rationale = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["column1", "column2", "setting"]
        indexes = [models.Index(fields=["column1", "column2", "setting"])]
        verbose_name = "NCCI edit"

    def __str__(self) -> str:
        return f"NCCI {self.column1}/{self.column2} ({self.setting})"


class AddOnEdit(models.Model):
    """An NCCI add-on code edit: the add-on is payable with this primary."""

    add_on = models.CharField(max_length=5)
    primary = models.CharField(max_length=5)
    edit_type = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["add_on", "primary"]
        constraints = [
            models.UniqueConstraint(fields=["add_on", "primary"], name="unique_add_on")
        ]

    def __str__(self) -> str:
        return f"{self.add_on} with {self.primary}"


class NdcCode(models.Model):
    """A row of the CMS ASP NDC-HCPCS crosswalk: a package and its billing units."""

    ndc11 = models.CharField(max_length=11)
    ndc = models.CharField(max_length=13)
    hcpcs = models.CharField(max_length=5)
    labeler = models.CharField(max_length=120)
    drug_name = models.CharField(max_length=120)
    hcpcs_dosage = models.CharField(max_length=40)
    package_size = models.DecimalField(max_digits=12, decimal_places=4)
    package_quantity = models.DecimalField(max_digits=12, decimal_places=4)
    billing_units_per_item = models.DecimalField(max_digits=14, decimal_places=4)
    billing_units_per_package = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["hcpcs", "ndc11"]
        verbose_name = "NDC"
        # One package can be billed under several codes (saline 250/500/1000 mL).
        constraints = [
            models.UniqueConstraint(fields=["hcpcs", "ndc11"], name="unique_ndc_code")
        ]

    def __str__(self) -> str:
        return f"{self.ndc} ({self.drug_name})"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A per-user key for integrations calling the API without a session.

    Only a SHA-256 digest is stored: the key itself is shown once, when issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What the integration is.")
    prefix = models.CharField(
        max_length=8, help_text="First characters, to tell keys apart."
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: Any, name: str, by: Any) -> tuple["ApiToken", str]:
        """Create a token; return it with the key, which is never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:8],
            digest=cls.digest_of(key),
            created_by=by,
        )
        return token, key

    def revoke(self, *, by: Any) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_by = by
            self.save(update_fields=["revoked_at", "revoked_by"])


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
        return self.result.get("lines", [])

    @property
    def findings(self) -> list[dict[str, Any]]:
        return self.result.get("findings", [])

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.result.get("errors", [])


# Coding an encounter: diagnoses, line pointers and overrides are the coder's
# additions, kept apart from the engine's Derivation so a re-derivation never
# erases them; a Claim is the frozen result.


class Diagnosis(models.Model):
    """An ICD-10-CM code of the encounter; `rank` 1 is the principal one and
    the number claim lines point to."""

    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.PROTECT, related_name="diagnoses"
    )
    rank = models.PositiveSmallIntegerField()
    code = models.CharField("ICD-10-CM", max_length=8)
    description = models.CharField(max_length=250)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["encounter", "rank"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "code"], name="diagnosis_once_per_encounter"
            ),
            models.UniqueConstraint(
                fields=["encounter", "rank"], name="diagnosis_rank_unique"
            ),
            # An 837 carries at most 12 diagnoses (HI segment).
            models.CheckConstraint(
                condition=models.Q(rank__gte=1, rank__lte=12),
                name="diagnosis_rank_1_to_12",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class LinePointer(models.Model):
    """Which diagnoses (by rank, at most four) a claim line points to."""

    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.CASCADE, related_name="pointers"
    )
    line_key = models.CharField(max_length=120)
    ranks = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "line_key"], name="one_pointer_set_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_key} → {self.ranks}"


class OverrideQuerySet(models.QuerySet["Override"]):
    def active(self) -> "OverrideQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class Override(models.Model):
    """A coder's correction of the engine's lines, with the reason for it.

    `derived` is the engine's line as it stood when the override was made;
    after a re-derivation the override is checked against the new lines and
    flagged when it no longer fits (see coding/lines.py).
    """

    class Action(models.TextChoices):
        ADD = "add", "Add a line"
        REMOVE = "remove", "Remove the line"
        CHANGE = "change", "Change units or modifiers"

    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.PROTECT, related_name="overrides"
    )
    action = models.CharField(max_length=8, choices=Action)
    line_key = models.CharField(max_length=120, blank=True)
    code = models.CharField(max_length=5)
    units = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    modifiers = models.JSONField(default=list, blank=True)
    derived = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdraw_reason = models.TextField(blank=True)

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["encounter", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="override_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.code}"

    def describe(self) -> str:
        mods = "".join(f"-{m}" for m in self.modifiers)
        if self.action == self.Action.REMOVE:
            return f"remove {self.code}"
        units = f" × {self.units.normalize():f}" if self.units is not None else ""
        verb = "add" if self.action == self.Action.ADD else "change to"
        return f"{verb} {self.code}{mods}{units}"


class PriceBook:
    """Prices of the price list by code and date, read in one query."""

    def __init__(self, rows: Iterable[tuple[str, date, Decimal]]) -> None:
        self._prices: dict[str, list[tuple[date, Decimal]]] = {}
        for code, effective, price in sorted(rows):
            self._prices.setdefault(code, []).append((effective, price))

    def price(self, code: str, day: date) -> Decimal | None:
        """One unit of `code` on `day`: the latest price in force, if any."""
        found = None
        for effective, price in self._prices.get(code, ()):
            if effective > day:
                break
            found = price
        return found


class ChargeQuerySet(models.QuerySet["Charge"]):
    def book(self) -> PriceBook:
        return PriceBook(self.values_list("code", "effective", "price"))


class Charge(models.Model):
    """One line of the price list (the chargemaster): what the organisation
    charges for one unit of a code from a date. A new price is a new row from
    its own date, so a finalised claim keeps the price of its day."""

    code = models.CharField(
        max_length=5,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{5}$", "A CPT or HCPCS code: five letters or digits."
            )
        ],
        help_text="CPT or HCPCS code, e.g. 96413 or J9263.",
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="US dollars for one unit of the code.",
    )
    effective = models.DateField(
        "effective from", help_text="Claims with a date of service from this day on."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-effective"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective"], name="charge_code_effective_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.price} from {self.effective}"


class ClaimQuerySet(models.QuerySet["Claim"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("A claim is changed only through finalise and reopen.")

    def delete(self) -> Any:
        raise TypeError("Claims are never deleted; reopen creates a new version.")

    def finalised(self) -> "ClaimQuerySet":
        return self.filter(finalised_at__isnull=False)

    def current(self) -> "ClaimQuerySet":
        """The latest finalised version of each claim (none replaced it yet)."""
        return self.finalised().filter(
            models.Q(replaced_by__isnull=True)
            | models.Q(replaced_by__finalised_at__isnull=True)
        )

    def for_user(self, user: Any) -> "ClaimQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(encounter__location__staff=user)


class Claim(models.Model):
    """One version of an encounter's claim, frozen when finalised.

    Version 1 is the original (frequency code 1). Reopening creates version
    n+1 linked to the one it replaces, open until finalised again, and sent
    as a replacement (frequency code 7). A finalised version never changes.
    """

    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.PROTECT, related_name="claims"
    )
    version = models.PositiveSmallIntegerField(default=1)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    reopen_reason = models.TextField(blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The snapshot: what the claim said when it was finalised, whatever
    # changes later in the patient, payer, policy or reference data.
    date_of_service = models.DateField(null=True, blank=True)
    setting = models.CharField(max_length=10, blank=True)
    payer = models.ForeignKey(
        "payers.Payer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    parties = models.JSONField(default=dict, blank=True)
    diagnoses = models.JSONField(default=list, blank=True)
    findings = models.JSONField(default=list, blank=True)
    policy_version = models.ForeignKey(
        "payers.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    policy_label = models.CharField(max_length=200, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    reference_editions = models.JSONField(default=dict, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["encounter", "version"]
        indexes = [models.Index(fields=["finalised_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "version"], name="claim_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version=1, replaces__isnull=True)
                | models.Q(version__gt=1, replaces__isnull=False),
                name="claim_version_links_previous",
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | ~models.Q(reopen_reason=""),
                name="claim_reopen_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.control_number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            not self._state.adding
            and Claim.objects.filter(pk=self.pk, finalised_at__isnull=False).exists()
        ):
            raise TypeError("A finalised claim is immutable; reopen it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Claims are never deleted; reopen creates a new version.")

    @property
    def control_number(self) -> str:
        """The patient control number sent on exports (CLM01, Claim.identifier)."""
        return f"CS{self.encounter_id:07d}-{self.version}"

    @property
    def frequency_code(self) -> str:
        # 1: original claim; 7: replacement of a prior claim (NUBC UB-04 FL4).
        return "7" if self.replaces_id else "1"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    @property
    def institutional(self) -> bool:
        """A hospital outpatient claim (UB-04, 837I); an office's is professional."""
        return self.setting == "facility"

    @property
    def x12_format(self) -> str:
        return "837i" if self.institutional else "837p"

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines.all()), Decimal("0.00"))


class ClaimLineQuerySet(models.QuerySet["ClaimLine"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Claim lines are immutable.")

    def delete(self) -> Any:
        raise TypeError("Claim lines are immutable.")


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    code = models.CharField(max_length=5)
    modifiers = models.JSONField(default=list, blank=True)
    units = models.DecimalField(max_digits=10, decimal_places=2)
    date = models.DateField()
    explanation = models.TextField(blank=True)
    administrations = models.JSONField(default=list, blank=True)
    pointers = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    revenue_code = models.CharField(max_length=4, blank=True)
    ndc = models.CharField("NDC", max_length=11, blank=True)
    ndc_quantity = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    ndc_unit = models.CharField(max_length=2, blank=True)
    charge = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    objects = ClaimLineQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "number"], name="claim_line_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.code}{self.modifier_text} × {self.units}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Claim lines are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Claim lines are immutable.")

    @property
    def modifier_text(self) -> str:
        return "".join(f"-{m}" for m in self.modifiers)
