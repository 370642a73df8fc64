"""What happens at the chair: locations, patients, encounters and the timeline
of every administration, kept as an append-only log of events."""

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.forms import Form
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.immutable import Immutable, ImmutableQuerySet


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


class Patient(models.Model):
    """Only what identifies the patient at the chair and on the claim."""

    mrn = models.CharField("MRN", max_length=20, unique=True)
    name = models.CharField(max_length=120)
    date_of_birth = models.DateField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (MRN {self.mrn})"


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
    payer = models.ForeignKey(
        "payers.Payer", on_delete=models.PROTECT, related_name="encounters"
    )
    date = models.DateField("date of service")
    visit_number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.SCHEDULED)
    # Optimistic locking: every change bumps it; a write carrying an older
    # number is refused, so two people never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    documented_at = models.DateTimeField(null=True, blank=True)

    objects = EncounterQuerySet.as_manager()

    # Set on a chair's encounter for the board's template (encounters.views.board).
    runs: list["Administration"]
    overdue: bool

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

    def get_absolute_url(self) -> str:
        return reverse("encounters:encounter", kwargs={"pk": self.pk})

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
    """Who changed what on an encounter, and the values before and after.

    Administration events are their own audit (the log); everything else an
    encounter goes through is written here, in the same transaction.
    """

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=120, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target} by {self.by} at {self.at:%Y-%m-%d %H:%M}"
