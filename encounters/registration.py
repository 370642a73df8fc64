"""Registering patients and their coverage, from the coders' pages and from a
CSV list: every change audited, a file all or nothing."""

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models, transaction

from encounters.forms import CoverageForm, PatientForm
from encounters.models import AuditEntry, Coverage, Patient
from encounters.services import audit, snapshot
from payers.models import Payer

# The columns of the import, in this order in its template: the fields of
# the two forms that check each row. Left empty, sex is unknown (U), order
# primary and relationship self; a row with no coverage column registers the
# patient alone.
COLUMNS = (
    "mrn",
    "last_name",
    "first_name",
    "middle_name",
    "date_of_birth",
    "sex",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "payer",
    "member_id",
    "group_number",
    "plan_name",
    "relationship",
    "order",
    "effective_from",
    "effective_to",
    "subscriber_last_name",
    "subscriber_first_name",
    "subscriber_date_of_birth",
    "subscriber_sex",
)
PATIENT_COLUMNS = tuple(PatientForm.Meta.fields)
COVERAGE_COLUMNS = tuple(CoverageForm.Meta.fields)


def save_audited(
    form: forms.ModelForm[Any], *, patient: Patient, by: Any
) -> AuditEntry | None:
    """Save a valid patient or coverage form of `patient` and audit it: added
    with its values, or changed with the values before and after of what
    changed. A form that changes nothing writes nothing (None)."""
    instance = form.instance
    noun = instance._meta.model_name
    fields = list(form._meta.fields or ())
    # The values as stored, not the instance the form has already changed.
    stored = type(instance).objects.filter(pk=instance.pk).first()
    before = snapshot(stored, fields) if stored is not None else None
    form.save()
    after = snapshot(instance, fields)
    if before is None:
        return audit(
            patient, f"{noun}.added", by=by, key=None, target=str(instance), after=after
        )
    changed = [name for name in fields if before[name] != after[name]]
    if not changed:
        return None
    return audit(
        patient,
        f"{noun}.changed",
        by=by,
        key=None,
        target=str(instance),
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )


def end_coverage(coverage: Coverage, day: date, *, by: Any) -> None:
    before = snapshot(coverage, ["effective_to"])
    coverage.end(day)
    audit(
        coverage.patient,
        "coverage.ended",
        by=by,
        key=None,
        target=str(coverage),
        before=before,
        after=snapshot(coverage, ["effective_to"]),
    )


# The CSV import


@dataclass(frozen=True)
class Imported:
    """What a file changed; each patient or coverage counted once."""

    patients_added: int
    patients_changed: int
    coverages_added: int
    coverages_changed: int

    def __str__(self) -> str:
        return (
            f"{self.patients_added} patient(s) registered, {self.patients_changed} "
            f"changed; {self.coverages_added} coverage(s) added, "
            f"{self.coverages_changed} changed."
        )


class ImportRefused(Exception):
    """The file had problems, each a sentence with its line: nothing was saved."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


def import_patients(text: str, *, by: Any) -> Imported:
    """Register every patient of the CSV `text` (one row per coverage; a
    patient may have several rows) and their coverage. A patient already
    registered under the MRN is updated, and so is a coverage the patient
    already has with the same payer, member ID and order. Any problem on any
    row: nothing is saved, and ImportRefused names every row and reason."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        read = reader.fieldnames
    except csv.Error as error:
        raise ImportRefused([unreadable(1, error)]) from None
    header = reader.fieldnames = [name.strip() for name in read or []]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    said = []
    if missing:
        said.append(f"Missing columns: {', '.join(missing)}.")
    if unknown:
        said.append(f"Unknown columns: {', '.join(unknown)}.")
    if said:
        raise ImportRefused([f"line 1: {' '.join(said)}"])
    rows = _Rows(by)
    with transaction.atomic():
        try:
            for row in reader:
                rows.take(reader.line_num, row)
        except csv.Error as error:
            # The line it failed on is the one after the last it read; the
            # exception rolls back the rows saved.
            problem = unreadable(reader.line_num + 1, error)
            raise ImportRefused([*rows.problems, problem]) from None
        if not rows.taken:
            rows.problems.append("The file has no rows under its header.")
        if rows.problems:
            # Leaving the block by an exception rolls back the rows saved.
            raise ImportRefused(rows.problems)
    done = rows.done
    return Imported(
        patients_added=len(done["patient.added"]),
        patients_changed=len(done["patient.changed"] - done["patient.added"]),
        coverages_added=len(done["coverage.added"]),
        coverages_changed=len(done["coverage.changed"] - done["coverage.added"]),
    )


def unreadable(line: int, error: csv.Error) -> str:
    # The csv module's own refusals (a field longer than its limit, say).
    return (
        f"line {line}: The file cannot be read as CSV ({error}); "
        "save it again as CSV UTF-8."
    )


class _Rows:
    """The rows of one file as they are read: the patients by MRN with the
    line that registered them, what was saved, and every problem. Rows are
    saved as they come, even after a problem (all is rolled back then), so
    that a later row is checked against the earlier ones: a second primary
    coverage overlapping the first is found."""

    def __init__(self, by: Any) -> None:
        self.by = by
        self.taken = 0
        self.problems: list[str] = []
        self.patients: dict[str, tuple[int, dict[str, str], Patient]] = {}
        # What each audited action was done to ("coverage.added": {pk, ...}).
        self.done: defaultdict[str, set[int]] = defaultdict(set)
        self.payers = {p.name.casefold(): p for p in Payer.objects.all()}

    def take(self, line: int, read: dict[str | None, Any]) -> None:
        self.taken += 1
        if None in read:  # csv.DictReader's key for values beyond the header
            self.problems.append(
                f"line {line}: The row has more values than the header has columns."
            )
            return
        # A short row's missing values are empty.
        row = {c: (read[c] or "").strip() for c in COLUMNS}
        patient = self.patient(line, row)
        if any(row[c] for c in COVERAGE_COLUMNS):
            self.coverage(line, row, patient)

    def patient(self, line: int, row: dict[str, str]) -> Patient:
        values = {c: row[c] for c in PATIENT_COLUMNS}
        values["sex"] = choice(Patient.Sex, values["sex"]) or Patient.Sex.UNKNOWN
        mrn = values["mrn"]
        if mrn in self.patients:
            first_line, first_values, patient = self.patients[mrn]
            differing = [c for c in PATIENT_COLUMNS if values[c] != first_values[c]]
            if differing:
                self.problems.append(
                    f"line {line}: MRN {mrn} is on line {first_line} with another "
                    f"{', '.join(differing)}; give the patient the same details "
                    "on every row."
                )
            return patient
        found = Patient.objects.filter(mrn=mrn).first() if mrn else None
        form = PatientForm(values, instance=found)
        if form.is_valid():
            self.save(form, form.instance)
        else:
            self.refuse(line, form)
        if mrn:
            self.patients[mrn] = (line, values, form.instance)
        return form.instance

    def coverage(self, line: int, row: dict[str, str], patient: Patient) -> None:
        values = {c: row[c] for c in COVERAGE_COLUMNS}
        payer = self.payers.get(values["payer"].casefold())
        if values["payer"] and payer is None:
            self.problems.append(
                f"line {line}: payer: No payer is named {values['payer']!r}; "
                f"use one of {', '.join(sorted(p.name for p in self.payers.values()))}."
            )
            return
        values["payer"] = str(payer.pk) if payer else ""
        values["relationship"] = (
            choice(Coverage.Relationship, values["relationship"])
            or Coverage.Relationship.SELF
        )
        values["order"] = choice(Coverage.Order, values["order"]) or "1"
        values["subscriber_sex"] = choice(Patient.Sex, values["subscriber_sex"])
        found = None
        if patient.pk and payer and values["order"] in map(str, Coverage.Order.values):
            found = patient.coverages.filter(
                payer=payer, member_id=values["member_id"], order=values["order"]
            ).first()
        form = CoverageForm(values, instance=found or Coverage(patient=patient))
        if not form.is_valid():
            self.refuse(line, form)
        elif patient.pk is not None:
            self.save(form, patient)

    def save(self, form: forms.ModelForm[Any], patient: Patient) -> None:
        entry = save_audited(form, patient=patient, by=self.by)
        if entry is not None:
            self.done[entry.action].add(form.instance.pk)

    def refuse(self, line: int, form: forms.BaseForm) -> None:
        for field, errors in form.errors.items():
            where = "" if field == NON_FIELD_ERRORS else f"{field}: "
            self.problems.extend(f"line {line}: {where}{error}" for error in errors)


def choice(choices: type[models.Choices], text: str) -> str:
    """A choice from its code or its label, in any case ("F", "female"; "19",
    "child"); the text as given when it is neither, for the form to refuse."""
    for value, label in choices.choices:
        if text.casefold() in {str(value).casefold(), str(label).casefold()}:
            return str(value)
    return text
