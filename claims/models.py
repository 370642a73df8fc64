"""Claims: the coder's diagnoses, pointers and overrides, the price list, and
the finalised claims with their lines."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.immutable import Immutable, ImmutableQuerySet


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


class ClaimQuerySet(ImmutableQuerySet["Claim"]):
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


class Claim(Immutable):
    """One version of an encounter's claim, frozen when finalised.

    Version 1 is the original (frequency code 1). Reopening creates version
    n+1 linked to the one it replaces, open until finalised again, and sent
    as a replacement (frequency code 7). A finalised version never changes.
    """

    change_refused = "A claim is changed only through finalise and reopen."
    deletion_refused = "Claims are never deleted; reopen creates a new version."

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

    def change_refusal(self) -> str | None:
        # The stored row decides: an open version is still being written.
        if (
            not self._state.adding
            and Claim.objects.filter(pk=self.pk, finalised_at__isnull=False).exists()
        ):
            return "A finalised claim is immutable; reopen it instead."
        return None

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


class ClaimLine(Immutable):
    change_refused = "Claim lines are immutable."

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

    objects = ImmutableQuerySet["ClaimLine"].as_manager()

    class Meta:
        ordering = ["claim", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "number"], name="claim_line_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.code}{self.modifier_text} × {self.units}"

    @property
    def modifier_text(self) -> str:
        return "".join(f"-{m}" for m in self.modifiers)

    @property
    def line_id(self) -> str:
        """The line item control number (REF*6R) the payer echoes back on the
        835: the claim's control number and the line's, stable and unique."""
        return f"{self.claim.control_number}-{self.number}"


class ExportRecord(models.Model):
    """An 837 file as it was written, from the worklist or `export_claims`.

    Its row number is the file's interchange and group control number (ISA13,
    GS06), so no two files ever share one; the 999 and 277CA acknowledgements
    name it, and the time from finalising to export is measured from it."""

    class Format(models.TextChoices):
        PROFESSIONAL = "837p", "837P (professional)"
        INSTITUTIONAL = "837i", "837I (institutional)"

    format = models.CharField(max_length=4, choices=Format)
    claims = models.ManyToManyField(Claim, related_name="exports")
    file_name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a file written by the command line.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.control_number:09d}"

    @property
    def control_number(self) -> int:
        return self.pk % 1_000_000_000


class PayerClaimNumber(models.Model):
    """The number the payer gave a finalised claim (its claim control number,
    CLP07 of the 835): a replacement claim must name it in REF*F8. Kept beside
    the immutable claim; the coder records it, and later the remittance."""

    claim = models.OneToOneField(
        Claim, on_delete=models.PROTECT, related_name="payer_number"
    )
    number = models.CharField(
        "payer's claim control number",
        max_length=50,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]{1,50}$",
                "A payer's claim number is letters, digits and dashes (up to 50).",
            )
        ],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when an 835 imported from the command line gave it.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.number


class AuthorisationUse(models.Model):
    """What a finalised claim took of a prior authorisation: its units of the
    codes the authorisation covers, and one visit. One row per encounter, so
    a reopened and replaced claim updates its use instead of counting twice."""

    authorisation = models.ForeignKey(
        "payers.Authorisation", on_delete=models.PROTECT, related_name="uses"
    )
    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.PROTECT, related_name="+"
    )
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="+")
    units = models.DecimalField(max_digits=10, decimal_places=2)
    visits = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorisation", "encounter"],
                name="one_authorisation_use_per_encounter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim} used {self.units} units of {self.authorisation}"


class RemittanceFile(models.Model):
    """An 835, 999 or 277CA file as it came back from a payer or clearinghouse:
    recorded whole or not at all, and never twice (the same interchange from
    the same sender, or the same bytes)."""

    class Kind(models.TextChoices):
        REMITTANCE = "835", "835 remittance advice"
        FILE_ACKNOWLEDGEMENT = "999", "999 acknowledgement"
        CLAIM_ACKNOWLEDGEMENT = "277CA", "277CA claim acknowledgement"

    kind = models.CharField(max_length=5, choices=Kind)
    file_name = models.CharField(max_length=200)
    sender = models.CharField(max_length=15)
    control_number = models.CharField("interchange control number", max_length=9)
    sha256 = models.CharField(max_length=64, unique=True)
    summary = models.CharField(max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a file imported from the command line.",
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "control_number"], name="one_import_per_interchange"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class ClaimPayment(models.Model):
    """The payer's adjudication of one claim (a CLP loop of an 835). Kept in
    the order they came: a reversal and its correction are later rows, never
    changes to this one. No matching claim: `claim` is empty and the row is
    on the unmatched list with its raw segments."""

    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        DENIED = "denied", "Denied"
        REVERSED = "reversed", "Reversed"

    file = models.ForeignKey(
        RemittanceFile, on_delete=models.PROTECT, related_name="claim_payments"
    )
    sequence = models.PositiveIntegerField()
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    claim_number = models.CharField(max_length=38)
    claim_status_code = models.CharField("CLP02", max_length=2)
    status = models.CharField(max_length=16, choices=Status)
    billed = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    patient_responsibility = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    payer_claim_number = models.CharField(max_length=50, blank=True)
    payer_name = models.CharField(max_length=60, blank=True)
    trace_number = models.CharField("check or EFT number", max_length=50, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    remarks = models.JSONField(default=list, blank=True)
    segments = models.TextField()

    class Meta:
        ordering = ["file__imported_at", "file_id", "sequence"]
        indexes = [models.Index(fields=["claim", "file", "sequence"])]

    def __str__(self) -> str:
        return f"{self.claim_number}: {self.get_status_display()} {self.paid}"


class LinePaymentQuerySet(models.QuerySet["LinePayment"]):
    def for_user(self, user: Any) -> "LinePaymentQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            claim_payment__claim__encounter__location__staff=user
        ).distinct()

    def to_work(self) -> "LinePaymentQuerySet":
        """Denied and underpaid lines of the latest adjudication of each claim."""
        return self.filter(models.Q(denied=True) | models.Q(underpaid=True)).filter(
            claim_payment__claim__isnull=False, superseded=False
        )


class LinePayment(models.Model):
    """The payer's answer for one service line (an SVC loop), with its
    adjustments and remarks, and what the fee schedule expected."""

    claim_payment = models.ForeignKey(
        ClaimPayment, on_delete=models.PROTECT, related_name="lines"
    )
    line = models.ForeignKey(
        ClaimLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    code = models.CharField(max_length=5)
    modifiers = models.JSONField(default=list, blank=True)
    billed = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    allowed = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    units = models.DecimalField(max_digits=10, decimal_places=2)
    line_control = models.CharField(
        "line item control number", max_length=50, blank=True
    )
    service_date = models.DateField(null=True, blank=True)
    remarks = models.JSONField(default=list, blank=True)
    expected = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_note = models.CharField(max_length=200, blank=True)
    denied = models.BooleanField(default=False)
    underpaid = models.BooleanField(default=False)
    # A later adjudication of the same claim (a reversal, a correction) ends
    # this one's place on the denial worklist; the row stays as history.
    superseded = models.BooleanField(default=False)
    segments = models.TextField()

    objects = LinePaymentQuerySet.as_manager()

    class Meta:
        ordering = ["claim_payment", "pk"]
        indexes = [models.Index(fields=["denied", "underpaid", "superseded"])]

    def __str__(self) -> str:
        return f"{self.code} paid {self.paid}"


class Adjustment(models.Model):
    """A CAS adjustment: a group (CO, PR, OA, PI, CR), a reason (CARC), an
    amount and a quantity; on a line, or on the claim when `line` is empty."""

    claim_payment = models.ForeignKey(
        ClaimPayment, on_delete=models.PROTECT, related_name="adjustments"
    )
    line = models.ForeignKey(
        LinePayment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    group = models.CharField(max_length=2)
    reason = models.CharField("CARC", max_length=5)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["group", "reason"])]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} {self.amount}"


class Acknowledgement(models.Model):
    """What a 999 said of an exported 837 file, or a 277CA of one claim."""

    file = models.ForeignKey(
        RemittanceFile, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    export = models.ForeignKey(
        ExportRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledgements",
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledgements",
    )
    reference = models.CharField(
        max_length=38, help_text="The control or claim number it names."
    )
    accepted = models.BooleanField()
    status = models.CharField(max_length=10)
    message = models.TextField(blank=True)
    segments = models.TextField(blank=True)

    class Meta:
        ordering = ["file__imported_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference}: {'accepted' if self.accepted else 'rejected'}"


class FeeQuerySet(models.QuerySet["Fee"]):
    def in_force(self, payer: Any, on: date) -> "FeeQuerySet":
        return self.filter(payer=payer, effective__lte=on).order_by(
            "code", "modifier", "-effective"
        )


class Fee(models.Model):
    """What a payer allows for a code (and a payment modifier such as PN) from
    a date: an amount per unit, or for a drug a percentage of the CMS ASP
    payment limit in force on the date of service."""

    payer = models.ForeignKey(
        "payers.Payer", on_delete=models.PROTECT, related_name="fees"
    )
    code = models.CharField(max_length=5)
    modifier = models.CharField(max_length=2, blank=True)
    amount = models.DecimalField(
        "allowed per unit",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    asp_percent = models.DecimalField(
        "percent of ASP",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    effective = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = FeeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["payer", "code", "modifier", "-effective"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "code", "modifier", "effective"], name="one_fee_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=False)
                ^ models.Q(asp_percent__isnull=False),
                name="fee_is_an_amount_or_a_percent_of_asp",
            ),
        ]

    def __str__(self) -> str:
        what = (
            f"{self.amount}" if self.amount is not None else f"{self.asp_percent}% ASP"
        )
        return f"{self.code}{'-' + self.modifier if self.modifier else ''} {what}"
