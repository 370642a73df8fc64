"""CMS reference tables (`manage.py load_reference_data`) and the formulary."""

from django.db import models


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
