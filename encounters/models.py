"""What happens at the chair: locations, patients, encounters and the timeline
of every administration, kept as an append-only log of events."""

import re
import uuid
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.forms import BaseForm, Form
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.immutable import Immutable, ImmutableQuerySet
from providers.models import BillingProvider, Practitioner

if TYPE_CHECKING:
    # payers.models imports this module; the board's template reads its check.
    from payers.models import AuthorisationCheck


class Refusal(ValidationError):
    """An action the record cannot take as it stands (stop before start, a stale
    version, ...). Views answer it with a 4xx and the message, nothing saved."""

    # Always one plain sentence, shown to the user as it is.
    message: str

    def __init__(
        self,
        message: str,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code, params)


class AlreadyDone(Refusal):
    """A repeated action that changes nothing (a second Stop): a no-op to report."""


class StaleVersion(Refusal):
    """The write carried an older version than the record has now."""


class Location(models.Model):
    class Setting(models.TextChoices):
        # The contract's `setting`: which claim and which hierarchy apply.
        FACILITY = "facility", "Hospital outpatient department"
        OFFICE = "office", "Physician office"

    class Department(models.TextChoices):
        # The contract's `department` (R99): the modifier every line carries.
        ON_CAMPUS = "on_campus", "On the hospital's campus"
        OFF_CAMPUS_EXCEPTED = "off_campus_excepted", "Off campus, excepted (PO)"
        OFF_CAMPUS_NONEXCEPTED = (
            "off_campus_nonexcepted",
            "Off campus, nonexcepted (PN)",
        )

    class Modifier340B(models.TextChoices):
        # The contract's `modifier_340b` (R100).
        JG = "JG", "JG"
        TB = "TB", "TB"

    class TypeOfBill(models.TextChoices):
        # The UB-04 type of bill without its frequency digit, which each
        # claim adds (1 an original, 7 a replacement): 13 is written 0131.
        HOSPITAL_OUTPATIENT = "13", "13x, hospital outpatient"
        CRITICAL_ACCESS = "85", "85x, critical access hospital"

    name = models.CharField(max_length=120, unique=True)
    setting = models.CharField(max_length=10, choices=Setting)
    timezone = models.CharField(max_length=60, default="America/Chicago")
    department = models.CharField(
        "department status",
        max_length=30,
        choices=Department,
        blank=True,
        help_text="Hospital outpatient locations only: on the hospital's campus, "
        "or an off-campus provider-based department, excepted (grandfathered: "
        "every line carries PO) or nonexcepted (every line carries PN). Empty "
        "for a physician office.",
    )
    covered_340b = models.BooleanField(
        "340B covered entity",
        default=False,
        help_text="The hospital buys drugs at the 340B price; doses given here "
        "then count as 340B stock unless the nurse unticks them.",
    )
    modifier_340b = models.CharField(
        "340B modifier",
        max_length=2,
        choices=Modifier340B,
        blank=True,
        help_text="What this hospital reports on a 340B drug: TB for rural sole "
        "community, children's, PPS-exempt cancer and critical access hospitals "
        "and for nonexcepted off-campus departments; JG for all others (R100). "
        "Empty for a physician office.",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="locations", blank=True
    )
    billing_provider = models.ForeignKey(
        BillingProvider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        help_text="Whom this location's claims are billed as.",
    )
    supervising_practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_locations",
        help_text="Orders and attends an encounter here unless the encounter "
        "names someone else.",
    )
    place_of_service = models.CharField(
        max_length=2,
        default="11",
        blank=True,
        validators=[
            RegexValidator(r"\A[0-9]{2}\Z", "A place of service is 2 digits, as 11.")
        ],
        help_text="Physician offices only: the CMS place of service code the "
        "837P carries, 11 for an office. Empty for a hospital.",
    )
    type_of_bill = models.CharField(
        max_length=3,
        choices=TypeOfBill,
        blank=True,
        help_text="Hospital outpatient locations only: the UB-04 type of bill "
        "of the 837I, without its frequency digit. Empty for a physician office.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.timezone not in zoneinfo.available_timezones():
            errors["timezone"] = f"Unknown time zone {self.timezone}."
        if self.setting == self.Setting.OFFICE:
            # R99 and R100 are about the hospital's claim; an office has neither.
            if self.department:
                errors["department"] = (
                    "A physician office has no hospital department status; "
                    "leave it empty."
                )
            if self.covered_340b:
                errors["covered_340b"] = (
                    "340B modifiers go on a hospital's claim only; a physician "
                    "office is not marked as a covered entity here."
                )
            if self.modifier_340b:
                errors["modifier_340b"] = (
                    "A physician office reports no 340B modifier; leave it empty."
                )
            if not self.place_of_service:
                errors["place_of_service"] = (
                    "An office claim carries its place of service: 11 for an office."
                )
            if self.type_of_bill:
                errors["type_of_bill"] = (
                    "A physician office bills on the 837P, which has no type of "
                    "bill; leave it empty."
                )
        elif self.setting == self.Setting.FACILITY:
            if not self.department:
                errors["department"] = (
                    "Say whether this hospital outpatient location is on campus "
                    "or an off-campus department."
                )
            if self.covered_340b and not self.modifier_340b:
                errors["modifier_340b"] = "A covered entity reports JG or TB."
            if (
                self.covered_340b
                and self.department == self.Department.OFF_CAMPUS_NONEXCEPTED
                and self.modifier_340b == self.Modifier340B.JG
            ):
                errors["modifier_340b"] = (
                    "A nonexcepted off-campus department reports its 340B drugs "
                    "with TB (R100)."
                )
            if self.place_of_service:
                errors["place_of_service"] = (
                    "A hospital's claim says where by its type of bill, not a "
                    "place of service; leave it empty."
                )
            if not self.type_of_bill:
                errors["type_of_bill"] = (
                    "Choose the hospital's type of bill: 13x for hospital outpatient."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def stocks_340b(self) -> bool:
        """Whether a dose given here is 340B stock unless the nurse says
        otherwise: a covered hospital's stock usually is. An office claim
        carries no 340B modifier (R100), so there the question never arises."""
        return self.setting == self.Setting.FACILITY and self.covered_340b


class ChairQuerySet(models.QuerySet["Chair"]):
    def free(self) -> "ChairQuerySet":
        """Chairs with nobody checked in."""
        return self.exclude(encounters__status=Encounter.Status.IN_CHAIR)


class OpeningHours(models.Model):
    """When a location's chairs are open on one weekday: what chair use is
    measured against."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["location", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(
                fields=["location", "weekday"], name="one_opening_a_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def hours(self) -> float:
        opens = self.opens.hour * 60 + self.opens.minute
        closes = self.closes.hour * 60 + self.closes.minute
        return (closes - opens) / 60


class Chair(models.Model):
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="chairs"
    )
    name = models.CharField(max_length=40)

    objects = ChairQuerySet.as_manager()

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="unique_chair")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


# Legal names as a claim carries them; `Patient.name` is the display name made
# of them, which the rest of the project reads and searches.
NAME_PARTS = ("first_name", "middle_name", "last_name")
MEMBER_ID = re.compile(r"[A-Za-z0-9-]{2,80}")
STATE = re.compile(r"[A-Z]{2}")


def display_name(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first, middle, last) if part)


class Patient(models.Model):
    """What identifies the patient at the chair and on the claim: the legal
    name, birth date and sex a payer matches its member on, and the address a
    claim names."""

    class Sex(models.TextChoices):
        # Administrative sex as X12 codes it (DMG03); FHIR spells it out
        # (fhir_gender).
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        UNKNOWN = "U", "Unknown"

    mrn = models.CharField("MRN", max_length=20, unique=True)
    # The display name ("First Middle Last"), made from the parts on save.
    name = models.CharField(max_length=120, editable=False)
    last_name = models.CharField(max_length=120, blank=True)
    first_name = models.CharField(max_length=120, blank=True)
    middle_name = models.CharField(max_length=120, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex, default=Sex.UNKNOWN)
    # Blank on patients registered before the address was asked; the
    # registration form and the import require it.
    address_line1 = models.CharField("address", max_length=55, blank=True)
    address_line2 = models.CharField("address, line 2", max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField("ZIP code", max_length=9, blank=True)
    phone = models.CharField(max_length=10, blank=True)

    # The name as last read or saved, to tell which side a caller changed.
    _stored: tuple[str, ...] = ("", "", "", "")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (MRN {self.mrn})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the display name and the legal name parts in step. The parts
        decide, unless a caller changed the display name alone (code that
        knows a patient by one name): it is then split on its last space, as
        the registration migration split every name."""
        parts = (self.first_name, self.middle_name, self.last_name)
        if self.name != self._stored[0] and parts == self._stored[1:]:
            first, _, last = self.name.strip().rpartition(" ")
            self.first_name, self.middle_name, self.last_name = first, "", last
        else:
            self.name = display_name(*parts)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", *NAME_PARTS} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name", *NAME_PARTS}
        super().save(*args, **kwargs)
        self._remember_name()

    def get_absolute_url(self) -> str:
        return reverse("encounters:patient", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if len(display_name(self.first_name, self.middle_name, self.last_name)) > 120:
            errors["last_name"] = "The whole name is longer than 120 characters."
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = "The date of birth is in the future."
        if self.state and not STATE.fullmatch(self.state):
            errors["state"] = "A state is its two-letter code: IL for Illinois."
        if self.postal_code and not (
            self.postal_code.isdigit() and len(self.postal_code) in (5, 9)
        ):
            errors["postal_code"] = "A ZIP code has 5 digits, or 9 (ZIP+4)."
        if self.phone and not (self.phone.isdigit() and len(self.phone) == 10):
            errors["phone"] = "A phone number has 10 digits, area code first."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(
        cls,
        db: str | None,
        field_names: Collection[str],
        values: Collection[Any],
        **kwargs: Any,
    ) -> "Patient":
        patient = super().from_db(db, field_names, values, **kwargs)
        patient._remember_name()
        return patient

    def _remember_name(self) -> None:
        fields = ("name", *NAME_PARTS)
        if all(f in self.__dict__ for f in fields):
            self._stored = tuple(self.__dict__[f] for f in fields)

    @property
    def fhir_gender(self) -> str:
        return {"F": "female", "M": "male"}.get(self.sex, "unknown")

    def coverages_on(self, day: date) -> "CoverageQuerySet":
        """The coverages in force on `day`, primary first."""
        return self.coverages.in_force(day).select_related("payer").order_by("order")

    def primary_coverage_on(self, day: date) -> "Coverage | None":
        return self.coverages_on(day).first()


class CoverageQuerySet(models.QuerySet["Coverage"]):
    def in_force(self, day: date) -> "CoverageQuerySet":
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class Coverage(models.Model):
    """A patient's health plan membership, as a claim names it: who the
    subscriber is, the member id, and in which order the payers are billed."""

    class Order(models.IntegerChoices):
        PRIMARY = 1, "Primary"
        SECONDARY = 2, "Secondary"
        TERTIARY = 3, "Tertiary"

    class Relationship(models.TextChoices):
        # The patient's relationship to the subscriber, as X12 codes it
        # (individual relationship code, SBR02 and PAT01).
        SELF = "18", "Self"
        SPOUSE = "01", "Spouse"
        CHILD = "19", "Child"
        OTHER = "G8", "Other relationship"

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="coverages"
    )
    payer = models.ForeignKey(
        "payers.Payer", on_delete=models.PROTECT, related_name="coverages"
    )
    order = models.PositiveSmallIntegerField(choices=Order, default=Order.PRIMARY)
    member_id = models.CharField(
        "member ID",
        max_length=80,
        help_text="As printed on the insurance card: letters, digits and dashes.",
    )
    group_number = models.CharField(max_length=50, blank=True)
    plan_name = models.CharField(max_length=60, blank=True)
    relationship = models.CharField(
        "patient's relationship to the subscriber",
        max_length=2,
        choices=Relationship,
        default=Relationship.SELF,
    )
    # The subscriber, when it is not the patient (a parent, a spouse).
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_first_name = models.CharField(max_length=35, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(max_length=1, choices=Patient.Sex, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(
        null=True, blank=True, help_text="Empty while the coverage is open."
    )

    objects = CoverageQuerySet.as_manager()

    # Set on each coverage for the patient's page (encounters.views.patients).
    edit_form: BaseForm
    end_form: BaseForm
    refused: bool
    in_force_today: bool

    class Meta:
        ordering = ["patient_id", "order", "-effective_from"]

    def __str__(self) -> str:
        order = self.get_order_display().lower()
        return f"{self.payer} ({order}), member {self.member_id}"

    @property
    def patient_is_subscriber(self) -> bool:
        return self.relationship == self.Relationship.SELF

    def is_in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not MEMBER_ID.fullmatch(self.member_id):
            errors["member_id"] = (
                "A member ID is 2 to 80 letters, digits or dashes, as on the card."
            )
        if (
            self.effective_from
            and self.effective_to
            and self.effective_to < self.effective_from
        ):
            errors["effective_to"] = "The coverage cannot end before it starts."
        wanted = {
            "subscriber_last_name": "Give the subscriber's last name.",
            "subscriber_first_name": "Give the subscriber's first name.",
            "subscriber_date_of_birth": "Give the subscriber's date of birth.",
            "subscriber_sex": "Give the subscriber's sex.",
        }
        for field, sentence in wanted.items():
            given = getattr(self, field)
            if self.patient_is_subscriber and given:
                errors[field] = (
                    "The patient is the subscriber; leave the subscriber's "
                    "details empty or choose another relationship."
                )
            elif not self.patient_is_subscriber and not given:
                errors[field] = sentence
        if self.patient_id and self.effective_from and "effective_to" not in errors:
            clash = self.overlapping().first()
            if clash is not None:
                until = (
                    f" to {clash.effective_to:%Y-%m-%d}" if clash.effective_to else ""
                )
                errors["order"] = (
                    f"{clash.payer} is already the patient's "
                    f"{clash.get_order_display().lower()} coverage from "
                    f"{clash.effective_from:%Y-%m-%d}{until}; end it first, or "
                    "choose another order."
                )
        if errors:
            raise ValidationError(errors)

    def overlapping(self) -> CoverageQuerySet:
        """The patient's other coverages of the same order whose dates meet
        this one's: one primary payer at a time, one secondary, one tertiary."""
        others = Coverage.objects.filter(
            patient_id=self.patient_id, order=self.order
        ).exclude(pk=self.pk)
        others = others.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to is not None:
            others = others.filter(effective_from__lte=self.effective_to)
        return others.select_related("payer")

    def end(self, day: date) -> None:
        """The coverage stops after `day` (the card was cancelled, the plan
        changed)."""
        if day < self.effective_from:
            raise Refusal(
                f"The coverage starts on {self.effective_from:%Y-%m-%d}; it "
                "cannot end before."
            )
        self.effective_to = day
        self.save(update_fields=["effective_to"])


class EncounterQuerySet(models.QuerySet["Encounter"]):
    def for_user(self, user: Any) -> "EncounterQuerySet":
        """Encounters at the locations the user works at; nothing for strangers."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(location__staff=user)

    def on(self, day: Any) -> "EncounterQuerySet":
        return self.filter(date=day)

    def open(self) -> "EncounterQuerySet":
        return self.exclude(status=Encounter.Status.FINALISED)


class Encounter(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        IN_CHAIR = "in_chair", "In chair"
        DOCUMENTED = "documented", "Documented"
        READY_FOR_CODING = "ready_for_coding", "Ready for coding"
        CODED = "coded", "Coded"
        FINALISED = "finalised", "Finalised"

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="encounters"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="encounters"
    )
    chair = models.ForeignKey(
        Chair,
        on_delete=models.PROTECT,
        related_name="encounters",
        null=True,
        blank=True,
    )
    # Left empty, it is taken from the primary coverage in force on the date.
    payer = models.ForeignKey(
        "payers.Payer",
        on_delete=models.PROTECT,
        related_name="encounters",
        blank=True,
    )
    date = models.DateField("date of service")
    visit_number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.SCHEDULED)
    # Optimistic locking: every change bumps it; a write carrying an older
    # number is refused, so two people never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    documented_at = models.DateTimeField(null=True, blank=True)
    # The 837I's attending provider, the 837P's rendering one. A new encounter
    # takes the location's supervising practitioner for whichever is not given
    # (save), as most encounters are ordered and attended by that physician.
    ordering_practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    attending_practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EncounterQuerySet.as_manager()

    # Set on a chair's encounter for the board's template (encounters.views.board).
    runs: list["Administration"]
    overdue: bool
    # Set on every encounter of the board: no coverage in force on its date.
    uncovered: bool
    # Set on the board's waiting and seated encounters.
    authorisation_check: "AuthorisationCheck"

    class Meta:
        ordering = ["date", "visit_number"]
        indexes = [models.Index(fields=["location", "date", "status"])]
        constraints = [
            # Two check-ins racing for one chair: the database lets one win.
            models.UniqueConstraint(
                fields=["chair"],
                condition=Q(status="in_chair"),
                name="one_patient_per_chair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_number} {self.patient.name} {self.date}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.payer_id is None:
            self.payer_from_coverage()
        if self._state.adding:
            self.practitioners_from_location()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("encounters:encounter", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.payer_id is None and self.patient_id and self.date:
            self.payer_from_coverage()
            if self.payer_id is None:
                raise ValidationError(
                    {
                        "payer": f"{self.patient.name} has no coverage in force on "
                        f"{self.date:%Y-%m-%d}; choose the payer, or register "
                        "the coverage first."
                    }
                )

    def payer_from_coverage(self) -> None:
        """Bill the payer of the patient's primary coverage on the date of
        service, unless a payer was chosen (a chosen payer that differs is the
        scrubber's to question)."""
        coverage = self.patient.primary_coverage_on(self.date)
        if coverage is not None:
            self.payer = coverage.payer

    def practitioners_from_location(self) -> None:
        """Name the location's supervising practitioner as the ordering and
        the attending practitioner, where the encounter names nobody."""
        if self.ordering_practitioner_id and self.attending_practitioner_id:
            return
        supervisor = self.location.supervising_practitioner_id
        if self.ordering_practitioner_id is None:
            self.ordering_practitioner_id = supervisor
        if self.attending_practitioner_id is None:
            self.attending_practitioner_id = supervisor

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.SCHEDULED, self.Status.IN_CHAIR}

    def claim_version(self, version: int) -> None:
        """Take the next version if `version` is still current, else refuse.

        One conditional UPDATE: the database decides who was first.
        """
        updated = Encounter.objects.filter(pk=self.pk, version=version).update(
            version=F("version") + 1
        )
        if not updated:
            raise StaleVersion(
                "Someone else changed this encounter a moment ago. Nothing was "
                "saved; the screen now shows the current record, check it and "
                "tap again if still needed."
            )
        self.version = version + 1

    def check_in(self, *, chair: "Chair", at: datetime) -> None:
        if self.status != self.Status.SCHEDULED:
            raise Refusal(f"{self.patient.name} is already checked in.")
        if chair.location_id != self.location_id:
            raise Refusal("That chair is at another location.")
        if chair.encounters.filter(status=self.Status.IN_CHAIR).exists():
            raise Refusal(f"{chair.name} is taken; choose a free chair.")
        self.chair = chair
        self.status = self.Status.IN_CHAIR
        self.checked_in_at = at
        self.save(update_fields=["chair", "status", "checked_in_at"])

    def mark_documented(self, *, at: datetime) -> None:
        if self.status != self.Status.IN_CHAIR:
            raise Refusal("Only an encounter in the chair can be marked documented.")
        open_runs = [
            a for a in self.administrations.all() if a.needs_stop and not a.stopped_at
        ]
        if open_runs:
            names = ", ".join(a.drug_name for a in open_runs)
            raise Refusal(
                f"Not documented: {names} has no stop time. Stop it, or record "
                "the stop time it really ended."
            )
        self.status = self.Status.DOCUMENTED
        self.documented_at = at
        self.save(update_fields=["status", "documented_at"])

    def send_to_coding(self) -> None:
        if self.status != self.Status.DOCUMENTED:
            raise Refusal("Mark the encounter documented before sending it to coding.")
        self.status = self.Status.READY_FOR_CODING
        self.save(update_fields=["status"])


class IVSite(models.Model):
    class Kind(models.TextChoices):
        PERIPHERAL = "peripheral", "Peripheral IV"
        PORT = "port", "Port"
        PICC = "picc", "PICC"
        CENTRAL = "central", "Central line"

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="sites"
    )
    label = models.CharField(max_length=80, help_text="For example: right forearm.")
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.PERIPHERAL)
    # What allows a second initial service (R41, R46); blank when not needed.
    separate_access_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["encounter", "pk"]
        verbose_name = "IV site"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.label}"


class Method(models.TextChoices):
    # The contract's methods, most common first.
    INFUSION = "infusion", "IV infusion"
    PUSH = "push", "IV push"
    SC_INJECTION = "sc_injection", "SC injection"
    IM_INJECTION = "im_injection", "IM injection"
    SC_INFUSION = "sc_infusion", "SC infusion"
    PROLONGED_PUMP = "prolonged_pump", "Pump, over 8 hours"
    INTRA_ARTERIAL_PUSH = "intra_arterial_push", "Intra-arterial push"
    INTRA_ARTERIAL_INFUSION = "intra_arterial_infusion", "Intra-arterial infusion"
    INTRALESIONAL = "intralesional", "Intralesional"
    INTRATHECAL = "intrathecal", "Intrathecal"
    VENTRICULAR_RESERVOIR = "ventricular_reservoir", "Ventricular reservoir"
    INTRAPLEURAL = "intrapleural", "Intrapleural"
    INTRAPERITONEAL = "intraperitoneal", "Intraperitoneal"
    ON_BODY_INJECTOR = "on_body_injector", "On-body injector"
    PORT_FLUSH = "port_flush", "Port flush"
    PUMP_REFILL = "pump_refill", "Pump refill"
    ORAL = "oral", "Oral"


# Methods whose time is coded, so a run needs a stop (R27-R31).
TIMED_METHODS = {Method.INFUSION, Method.SC_INFUSION, Method.INTRA_ARTERIAL_INFUSION}
# Methods that go through an IV site (the contract requires one).
SITE_METHODS = {Method.INFUSION, Method.PUSH, Method.PROLONGED_PUMP}
# Methods with no drug of their own.
DRUGLESS_METHODS = {Method.PORT_FLUSH, Method.PUMP_REFILL}


class DoseUnit(models.TextChoices):
    MG = "mg"
    G = "g"
    MCG = "mcg"
    UNITS = "units"
    ML = "mL"
    MEQ = "mEq"


class AdministrationQuerySet(models.QuerySet["Administration"]):
    def for_user(self, user: Any) -> "AdministrationQuerySet":
        return self.filter(encounter__in=Encounter.objects.for_user(user))

    def running(self) -> "AdministrationQuerySet":
        return self.filter(
            method__in=TIMED_METHODS, started_at__isnull=False, stopped_at__isnull=True
        )


@dataclass(frozen=True)
class Run:
    """The timeline of one administration as its events say."""

    started_at: datetime | None = None
    stopped_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def stretches(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """The stretches the substance actually ran, pauses left out, up to
        the stop (or `until` while it has none)."""
        assert self.started_at is not None
        end = self.stopped_at or until
        out, cursor = [], self.started_at
        for paused, resumed in self.pauses:
            out.append((cursor, paused))
            cursor = resumed or end
        out.append((cursor, end))
        return [(s, e) for s, e in out if e > s]


class Administration(models.Model):
    class State(models.TextChoices):
        READY = "ready", "Not started"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        GIVEN = "given", "Given"

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="administrations"
    )
    drug = models.ForeignKey(
        "reference.Drug",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    method = models.CharField(max_length=30, choices=Method, default=Method.INFUSION)
    site = models.ForeignKey(
        IVSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
    )
    dose_amount = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    dose_unit = models.CharField(max_length=8, choices=DoseUnit, blank=True)
    wasted_amount = models.DecimalField(
        "wasted", max_digits=12, decimal_places=4, null=True, blank=True
    )
    ndc = models.CharField("NDC", max_length=13, blank=True)
    single_dose_container = models.BooleanField(default=False)
    # Ticked when added where the location stocks 340B drugs (the add form
    # starts from Location.stocks_340b); the hospital claim's drug lines then
    # carry the location's JG or TB (R100).
    acquired_340b = models.BooleanField(
        "340B stock",
        default=False,
        help_text="The dose was bought at the 340B price.",
    )
    bag = models.CharField(
        max_length=20, blank=True, help_text="Drugs mixed in one bag share it."
    )
    kvo = models.BooleanField(
        "KVO", default=False, help_text="Run only to keep the vein open."
    )
    continuous_presence = models.BooleanField(default=False)
    primary_reason = models.BooleanField(default=False)
    discontinued = models.BooleanField(default=False)
    rate = models.DecimalField(
        "rate (mL/h)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    volume_infused = models.DecimalField(
        "volume infused (mL)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    expected_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The ordered run time, for the overdue marker."
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The run as the event log says; written only by apply()/replay() below, in
    # the transaction that appends the event, so pages need no event query.
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    stopped_at = models.DateTimeField(null=True, blank=True, editable=False)
    pauses = models.JSONField(default=list, blank=True, editable=False)

    objects = AdministrationQuerySet.as_manager()

    # Set by the views for their templates, which cannot call a method with an
    # argument (encounters.views.access.clock_on) and show a form sent back
    # with its errors in its card (encounters.views.encounter.workspace).
    running_seconds_now: int
    overdue: bool
    edit_form: Form | None
    correct_form: Form | None

    class Meta:
        ordering = ["encounter", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True)
                | Q(stopped_at__gte=F("started_at")),
                name="administration_stop_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug_name} ({self.get_method_display()})"

    @property
    def drug_name(self) -> str:
        if self.drug is None:
            return self.get_method_display()
        return self.drug.name

    @property
    def offers_340b(self) -> bool:
        """Whether 340B stock is a question for this dose: a drug given where
        the location stocks 340B drugs, or a dose already marked as 340B (so
        the mark can always be taken off)."""
        if self.acquired_340b:
            return True
        return self.drug_id is not None and self.encounter.location.stocks_340b

    @property
    def needs_stop(self) -> bool:
        return self.method in TIMED_METHODS and not self.kvo

    @property
    def is_timed(self) -> bool:
        return self.method in TIMED_METHODS

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("run", None)
        super().refresh_from_db(*args, **kwargs)

    @cached_property
    def run(self) -> Run:
        # Read on every card, bar and timer; _store() drops it when it changes.
        return Run(
            started_at=self.started_at,
            stopped_at=self.stopped_at,
            pauses=tuple(
                (
                    datetime.fromisoformat(start),
                    datetime.fromisoformat(end) if end else None,
                )
                for start, end in self.pauses
            ),
        )

    @property
    def state(self) -> "Administration.State":
        if self.started_at is None:
            return self.State.READY
        if not self.is_timed:
            return self.State.GIVEN
        if self.stopped_at is not None:
            return self.State.STOPPED
        if self.run.paused:
            return self.State.PAUSED
        return self.State.RUNNING

    @property
    def in_progress(self) -> bool:
        """Started and not yet stopped: running, or paused."""
        return self.state in {self.State.RUNNING, self.State.PAUSED}

    def running_seconds(self, now: datetime) -> int:
        """Seconds the substance actually ran, pauses excluded (R27, R38)."""
        run = self.run
        if run.started_at is None:
            return 0
        end = run.stopped_at or now
        paused = sum(
            ((resumed or end) - paused).total_seconds()
            for paused, resumed in run.pauses
        )
        return max(0, int((end - run.started_at).total_seconds() - paused))

    def is_overdue(self, now: datetime) -> bool:
        """Still running past its ordered run time: the stop was probably missed."""
        if not self.in_progress:
            return False
        if self.expected_minutes is None:
            return False
        return self.running_seconds(now) > self.expected_minutes * 60

    # Actions. Each appends one event and brings the cached run up to date; the
    # caller holds the transaction and has claimed the encounter's version.

    def start(self, *, at: datetime, by: Any, key: uuid.UUID) -> "AdministrationEvent":
        if self.started_at is not None:
            raise AlreadyDone(f"{self.drug_name} was already started.")
        return self._append(AdministrationEvent.Kind.STARTED, at=at, by=by, key=key)

    def pause(self, *, at: datetime, by: Any, key: uuid.UUID) -> "AdministrationEvent":
        if self.state == self.State.PAUSED:
            raise AlreadyDone(f"{self.drug_name} is already paused.")
        if self.state != self.State.RUNNING:
            raise Refusal(f"{self.drug_name} is not running, so it cannot be paused.")
        return self._append(AdministrationEvent.Kind.PAUSED, at=at, by=by, key=key)

    def resume(self, *, at: datetime, by: Any, key: uuid.UUID) -> "AdministrationEvent":
        if self.state == self.State.RUNNING:
            raise AlreadyDone(f"{self.drug_name} is already running.")
        if self.state != self.State.PAUSED:
            raise Refusal(f"{self.drug_name} is not paused.")
        return self._append(AdministrationEvent.Kind.RESUMED, at=at, by=by, key=key)

    def stop(self, *, at: datetime, by: Any, key: uuid.UUID) -> "AdministrationEvent":
        if self.started_at is None:
            raise Refusal(f"{self.drug_name} was never started, so it cannot stop.")
        if not self.is_timed:
            raise Refusal(f"A {self.get_method_display()} has no stop time.")
        if self.stopped_at is not None:
            raise AlreadyDone(f"{self.drug_name} was already stopped.")
        return self._append(AdministrationEvent.Kind.STOPPED, at=at, by=by, key=key)

    def change_rate(
        self, *, rate: Decimal, at: datetime, by: Any, key: uuid.UUID
    ) -> "AdministrationEvent":
        if not self.in_progress:
            raise Refusal(f"{self.drug_name} is not running.")
        if rate <= 0:
            raise Refusal("A rate must be above zero; pause the infusion instead.")
        event = self._append(
            AdministrationEvent.Kind.RATE_CHANGED, at=at, by=by, key=key, rate=rate
        )
        self.rate = rate
        self.save(update_fields=["rate"])
        return event

    def correct(
        self,
        event: "AdministrationEvent",
        *,
        to: datetime,
        reason: str,
        by: Any,
        key: uuid.UUID,
    ) -> "AdministrationEvent":
        """Record that `event` really happened at `to`; the original stays."""
        if not reason.strip():
            raise Refusal("Say why the time is corrected; the reason is required.")
        if event.administration_id != self.pk or event.kind not in TIMED_KINDS:
            raise Refusal("Only a start, pause, resume or stop time can be corrected.")
        events = [*self.events.all()]
        correction = AdministrationEvent(
            administration=self,
            kind=AdministrationEvent.Kind.CORRECTED,
            at=to,
            by=by,
            idempotency_key=key,
            reason=reason.strip(),
            corrects=event,
        )
        run = replay([*events, correction])
        self._check(run)
        correction.save()
        self._store(run)
        return correction

    def _append(
        self, kind: str, *, at: datetime, by: Any, key: uuid.UUID, **fields: Any
    ) -> "AdministrationEvent":
        event = AdministrationEvent(
            administration=self, kind=kind, at=at, by=by, idempotency_key=key, **fields
        )
        run = apply(self.run, event)
        self._check(run)
        event.save()
        self._store(run)
        return event

    def _check(self, run: Run) -> None:
        points = [run.started_at]
        for paused, resumed in run.pauses:
            points += [paused, resumed]
        points.append(run.stopped_at)
        known = [p for p in points if p is not None]
        if known != sorted(known):
            raise Refusal(
                f"Refused: the times of {self.drug_name} would be out of order "
                "(a stop or pause before the start, or a resume before the pause)."
            )

    def _store(self, run: Run) -> None:
        self.__dict__["run"] = run
        self.started_at = run.started_at
        self.stopped_at = run.stopped_at
        self.pauses = [
            [start.isoformat(), end.isoformat() if end else None]
            for start, end in run.pauses
        ]
        self.save(update_fields=["started_at", "stopped_at", "pauses"])

    def replay(self) -> Run:
        """The run recomputed from the whole log (what the cache must equal)."""
        return replay(self.events.all())


class AdministrationEvent(Immutable):
    """One entry of an administration's append-only log: who said what happened
    when. A wrong time is never edited; a `corrected` event with a reason says
    what the time really was."""

    change_refused = "The event log is append-only."

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        RATE_CHANGED = "rate_changed", "Rate changed"
        STOPPED = "stopped", "Stopped"
        CORRECTED = "corrected", "Time corrected"

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    at = models.DateTimeField(help_text="When it happened at the chair.")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # One tap, one key: a double tap or a retry sends the same key again.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4)
    rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )

    objects = ImmutableQuerySet["AdministrationEvent"].as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="corrected")
                | (Q(corrects__isnull=False) & ~Q(reason="")),
                name="correction_has_target_and_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%H:%M}"


TIMED_KINDS = {
    AdministrationEvent.Kind.STARTED,
    AdministrationEvent.Kind.PAUSED,
    AdministrationEvent.Kind.RESUMED,
    AdministrationEvent.Kind.STOPPED,
}


def apply(run: Run, event: AdministrationEvent) -> Run:
    """The run after one more event (corrections need the whole log: replay)."""
    kind = event.kind
    if kind == AdministrationEvent.Kind.STARTED:
        return Run(event.at, run.stopped_at, run.pauses)
    if kind == AdministrationEvent.Kind.PAUSED:
        return Run(run.started_at, run.stopped_at, (*run.pauses, (event.at, None)))
    if kind == AdministrationEvent.Kind.RESUMED:
        *done, (paused, _) = run.pauses
        return Run(run.started_at, run.stopped_at, (*done, (paused, event.at)))
    if kind == AdministrationEvent.Kind.STOPPED:
        # A stop while paused ends the pause there: nothing ran after it.
        pauses = run.pauses
        if run.paused:
            *done, (paused, _) = pauses
            pauses = (*done, (paused, event.at))
        return Run(run.started_at, event.at, pauses)
    return run


def replay(events: Any) -> Run:
    """Fold the log in order, each timed event at its latest corrected time."""
    events = sorted(events, key=lambda e: (e.recorded_at, e.pk or 0))
    corrected: dict[int, datetime] = {}
    for event in events:
        if event.kind == AdministrationEvent.Kind.CORRECTED:
            corrected[event.corrects_id] = event.at
    run = Run()
    for event in events:
        if event.kind == AdministrationEvent.Kind.CORRECTED:
            continue
        at = corrected.get(event.pk, event.at)
        shadow = AdministrationEvent(kind=event.kind, at=at)
        run = apply(run, shadow)
    return run


class AuditEntry(models.Model):
    """Who changed what on an encounter or a patient's registration, and the
    values before and after.

    Administration events are their own audit (the log); everything else an
    encounter or a registration goes through is written here, in the same
    transaction.
    """

    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        blank=True,
    )
    # Registration (the patient and their coverage) is audited by patient.
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        blank=True,
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=120, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # Empty for a change made on the server's command line (a patient list
    # imported with manage.py import_patients): no user signed in to make it.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(encounter__isnull=False) | Q(patient__isnull=False),
                name="audit_entry_has_a_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target} by {self.by} at {self.at:%Y-%m-%d %H:%M}"
