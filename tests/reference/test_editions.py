"""Editions by date: a new one ends the one before, a correction replaces its
quarter and stays as history, and a claim is edited with the editions in force
on its date of service."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from chairside_engine import derive
from coding.documents import reference_for
from reference.editions import EditionRefused, record_edition
from reference.in_force import in_force_on
from reference.models import MueEdit, ReferenceEdition, Table
from tests.engine.builders import admin, document

pytestmark = pytest.mark.django_db


def mue(table: str, effective: date, units: int, *, source: str = "") -> None:
    record_edition(
        table=table,
        effective=effective,
        source=source or f"MUE {effective}",
        sha256=f"{table}{effective}{units}{source}",
        rows=[{"code": "96413", "units": units, "mai": 3, "rationale": "Data"}],
        rows_read=1,
    )


def standing(table: str) -> list[tuple[date, date | None]]:
    return [
        (e.effective, e.ends)
        for e in ReferenceEdition.objects.standing()
        .filter(table=table)
        .order_by("effective")
    ]


def test_a_new_edition_ends_the_one_before_it_the_day_before() -> None:
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 1)
    mue(Table.MUE_PRACTITIONER, date(2027, 4, 1), 2)
    assert standing(Table.MUE_PRACTITIONER) == [
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), None),
    ]
    # An earlier quarter loaded late ends where the next one starts.
    mue(Table.MUE_PRACTITIONER, date(2026, 10, 1), 3)
    assert standing(Table.MUE_PRACTITIONER)[0] == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


def test_a_corrected_file_replaces_its_quarter_and_keeps_the_old_one() -> None:
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 1)
    mue(Table.MUE_PRACTITIONER, date(2027, 4, 1), 2)
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 5, source="corrected")
    assert standing(Table.MUE_PRACTITIONER) == [
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), None),
    ]
    old = ReferenceEdition.objects.get(source="MUE 2027-01-01")
    assert old.replaced_at is not None
    assert old.replaced_by is not None
    assert old.replaced_by.source == "corrected"
    assert MueEdit.objects.filter(edition=old).get().units == 1
    assert in_force_on(date(2027, 2, 1)).reference.mue["office"]["96413"][0] == 5


def test_the_same_file_twice_changes_nothing() -> None:
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 1)
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 1)
    assert ReferenceEdition.objects.count() == 1
    assert MueEdit.objects.count() == 1


def test_a_date_inside_a_closed_edition_is_refused() -> None:
    mue(Table.MUE_PRACTITIONER, date(2027, 1, 1), 1)
    mue(Table.MUE_PRACTITIONER, date(2027, 4, 1), 2)
    with pytest.raises(EditionRefused, match="already closed"):
        mue(Table.MUE_PRACTITIONER, date(2027, 2, 15), 3)
    assert ReferenceEdition.objects.count() == 2


def test_a_claim_is_edited_with_the_edition_of_its_date() -> None:
    call_command("load_reference_data", stdout=StringIO())
    mue(Table.MUE_OUTPATIENT_HOSPITAL, date(2027, 1, 1), 0, source="MUE 2027Q1")
    # A chemotherapy infusion's 96413 against an MUE of 0 from 2027.
    before = chemo_document("2026-12-30")
    after = chemo_document("2027-01-04")
    old = derive(before, reference=reference_for(before))
    new = derive(after, reference=reference_for(after))
    assert not [f for f in old["findings"] if f["code"] == "edit.mue"]
    (finding,) = [f for f in new["findings"] if f["code"] == "edit.mue"]
    assert "MUE 2027Q1, effective 2027-01-01" in finding["message"]
    assert new["engine"]["reference"]["mue_outpatient_hospital"] == {
        "source": "MUE 2027Q1",
        "effective": "2027-01-01",
    }
    assert old["engine"]["reference"]["mue_outpatient_hospital"]["source"] == (
        "NCCI_MUE_2024Q3"
    )


def chemo_document(day: str) -> dict[str, object]:
    return document(
        admin("1", "infusion", "chemotherapy", "09:00", 60), date_of_service=day
    )
