"""CMS reference tables, kept as dated editions, and the formulary."""

from datetime import date

from django.conf import settings
from django.db import models


class Table(models.TextChoices):
    """The CMS tables Chairside keeps, each loaded as dated editions."""

    MUE_PRACTITIONER = "mue_practitioner", "MUE, practitioner services"
    MUE_OUTPATIENT_HOSPITAL = "mue_outpatient_hospital", "MUE, outpatient hospital"
    NCCI_PTP_PRACTITIONER = "ncci_ptp_practitioner", "NCCI PTP, practitioner"
    NCCI_PTP_OUTPATIENT_HOSPITAL = (
        "ncci_ptp_outpatient_hospital",
        "NCCI PTP, outpatient hospital",
    )
    MEDICAID_MUE_PRACTITIONER = (
        "medicaid_mue_practitioner",
        "Medicaid MUE, practitioner services",
    )
    MEDICAID_MUE_OUTPATIENT_HOSPITAL = (
        "medicaid_mue_outpatient_hospital",
        "Medicaid MUE, outpatient hospital",
    )
    MEDICAID_PTP_PRACTITIONER = (
        "medicaid_ptp_practitioner",
        "Medicaid NCCI PTP, practitioner",
    )
    MEDICAID_PTP_OUTPATIENT_HOSPITAL = (
        "medicaid_ptp_outpatient_hospital",
        "Medicaid NCCI PTP, outpatient hospital",
    )
    NCCI_AOC = "ncci_aoc", "NCCI add-on code edits"
    ASP_PAYMENT_LIMITS = "asp_payment_limits", "ASP payment limits"
    NDC_CROSSWALK = "ndc_crosswalk", "ASP NDC-HCPCS crosswalk"
    OPPS_ADDENDUM_B = "opps_addendum_b", "OPPS Addendum B"
    HCPCS = "hcpcs", "HCPCS Level II"


class ReferenceEditionQuerySet(models.QuerySet["ReferenceEdition"]):
    def standing(self) -> "ReferenceEditionQuerySet":
        """Editions no corrected file has replaced."""
        return self.filter(replaced_at__isnull=True)

    def in_force(self, on: date) -> "ReferenceEditionQuerySet":
        return self.standing().filter(
            models.Q(ends__isnull=True) | models.Q(ends__gte=on), effective__lte=on
        )

    def upcoming(self, today: date) -> "ReferenceEditionQuerySet":
        return self.standing().filter(effective__gt=today)


class ReferenceEdition(models.Model):
    """One edition of one CMS table: the rows in force from `effective` until
    `ends` (open-ended while it is the latest). A corrected file for the same
    quarter replaces an edition, which stays here as history; every edit
    finding names the edition it came from."""

    table = models.CharField(max_length=40, choices=Table)
    source = models.CharField(max_length=500)
    effective = models.DateField()
    ends = models.DateField(null=True, blank=True)
    rows = models.PositiveIntegerField()
    rows_read = models.PositiveIntegerField(
        default=0, help_text="Rows in CMS's file before keeping the usable codes."
    )
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )

    objects = ReferenceEditionQuerySet.as_manager()

    class Meta:
        ordering = ["table", "-effective", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "effective"],
                condition=models.Q(replaced_at__isnull=True),
                name="one_standing_edition_per_table_and_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_table_display()} ({self.source}, effective {self.effective})"

    def status_on(self, day: date) -> str:
        """ "replaced", "upcoming", "in force" or "ended", as of `day`."""
        if self.replaced_at is not None:
            return "replaced"
        if self.effective > day:
            return "upcoming"
        if self.ends is None or self.ends >= day:
            return "in force"
        return "ended"


class DrugCategory(models.TextChoices):
    """The contract's drug categories; which family of codes a drug earns."""

    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    HORMONAL_ANTINEOPLASTIC = "hormonal_antineoplastic", "Hormonal antineoplastic"
    BIOLOGIC = "biologic", "Biologic (non-cancer)"
    THERAPEUTIC = "therapeutic", "Therapeutic"
    HYDRATION = "hydration", "Hydration"


class DrugQuerySet(models.QuerySet["Drug"]):
    def search(self, text: str) -> "DrugQuerySet":
        """The drugs a search box finds for `text`: by code or by any part of
        a CMS descriptor or the grouping label; every drug for no text."""
        if not text:
            return self
        return self.filter(
            models.Q(hcpcs__icontains=text)
            | models.Q(short_descriptor__icontains=text)
            | models.Q(long_descriptor__icontains=text)
            | models.Q(label__icontains=text)
        )

    def in_use(self) -> "DrugQuerySet":
        """Codes CMS has not terminated: the ones a nurse may give."""
        return self.filter(terminated__isnull=True)


class Drug(models.Model):
    """A HCPCS Level II drug code with its CMS descriptors and billing unit.

    `category` comes from the reviewed mapping in reference/data/drug_categories.csv;
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

    objects = DrugQuerySet.as_manager()

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

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="mue_edits"
    )
    code = models.CharField(max_length=5)
    units = models.PositiveIntegerField()
    mai = models.PositiveSmallIntegerField(
        "MUE adjudication indicator", null=True, blank=True
    )
    rationale = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "MUE edit"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_mue")
        ]

    def __str__(self) -> str:
        return f"MUE {self.code}: {self.units}"


class NcciEdit(models.Model):
    """An NCCI procedure-to-procedure pair (column 1 / column 2) as CMS's file
    lists it: deleted edits stay in the file, and here, with their dates."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="ncci_edits"
    )
    column1 = models.CharField(max_length=5)
    column2 = models.CharField(max_length=5)
    modifier_indicator = models.PositiveSmallIntegerField()
    effective = models.DateField(null=True, blank=True)
    deleted = models.DateField(null=True, blank=True)
    rationale = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["column1", "column2"]
        indexes = [models.Index(fields=["edition", "column1", "column2"])]
        verbose_name = "NCCI edit"

    def __str__(self) -> str:
        return f"NCCI {self.column1}/{self.column2}"

    def in_force_on(self, day: date) -> bool:
        return self.deleted is None or self.deleted > day


class AddOnEdit(models.Model):
    """An NCCI add-on code edit: the add-on is payable with this primary."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="add_on_edits"
    )
    add_on = models.CharField(max_length=5)
    primary = models.CharField(max_length=5)
    edit_type = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["add_on", "primary"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "add_on", "primary"], name="unique_add_on"
            )
        ]

    def __str__(self) -> str:
        return f"{self.add_on} with {self.primary}"


class OppsStatus(models.Model):
    """A code's row of OPPS Addendum B: its status indicator (N: packaged)."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="opps_statuses"
    )
    code = models.CharField(max_length=5)
    short_descriptor = models.CharField(max_length=60, blank=True)
    status_indicator = models.CharField(max_length=4)
    apc = models.CharField("APC", max_length=10, blank=True)
    payment_rate = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "OPPS status"
        verbose_name_plural = "OPPS statuses"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_opps")
        ]

    def __str__(self) -> str:
        return f"{self.code} SI {self.status_indicator}"


class HcpcsCode(models.Model):
    """A drug code as one HCPCS quarterly file describes it; the billing unit
    is read from its long descriptor, so a unit CMS changes takes effect on
    the date its file does."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="hcpcs_codes"
    )
    code = models.CharField(max_length=5)
    short_descriptor = models.CharField(max_length=60, blank=True)
    long_descriptor = models.TextField(blank=True)
    billing_unit_amount = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    billing_unit = models.CharField(max_length=10, blank=True)
    unit_qualifier = models.CharField(max_length=10, blank=True)
    added = models.DateField(null=True, blank=True)
    terminated = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "HCPCS code"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_hcpcs")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.short_descriptor}"


class AspPrice(models.Model):
    """A Medicare Part B payment limit per billing unit for one quarter."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="asp_prices"
    )
    code = models.CharField(max_length=5)
    short_description = models.CharField(max_length=80, blank=True)
    dosage = models.CharField(max_length=80, blank=True)
    payment_limit = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True
    )
    coinsurance_pct = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "ASP payment limit"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_asp")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.payment_limit}"


class NdcCodeQuerySet(models.QuerySet["NdcCode"]):
    def in_force(self, on: date) -> "NdcCodeQuerySet":
        """The crosswalk rows of the edition in force on `on`, else of the
        latest edition (a date before every edition still finds packages)."""
        editions = ReferenceEdition.objects.standing().filter(table=Table.NDC_CROSSWALK)
        edition = (
            editions.in_force(on).first() or editions.order_by("-effective").first()
        )
        return self.filter(edition=edition)


class NdcCode(models.Model):
    """A row of the CMS ASP NDC-HCPCS crosswalk: a package and its billing units."""

    edition = models.ForeignKey(
        ReferenceEdition, on_delete=models.CASCADE, related_name="ndc_codes"
    )
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

    objects = NdcCodeQuerySet.as_manager()

    class Meta:
        ordering = ["hcpcs", "ndc11"]
        verbose_name = "NDC"
        # One package can be billed under several codes (saline 250/500/1000 mL).
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "hcpcs", "ndc11"], name="unique_ndc_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ndc} ({self.drug_name})"
