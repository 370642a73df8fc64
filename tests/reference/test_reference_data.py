from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from reference.models import (
    AddOnEdit,
    Drug,
    MueEdit,
    NcciEdit,
    NdcCode,
    ReferenceEdition,
)

pytestmark = pytest.mark.django_db


def test_load_reference_data_loads_every_table_with_its_edition() -> None:
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert Drug.objects.count() == 277
    # Each setting's MUE is its own table; a code may have a value in one only.
    assert MueEdit.objects.filter(edition__table="mue_practitioner").count() == 295
    assert NcciEdit.objects.count() == 1814
    assert AddOnEdit.objects.count() == 171
    assert NdcCode.objects.count() == 483
    editions = {e.table: e for e in ReferenceEdition.objects.all()}
    assert str(editions["mue_outpatient_hospital"].effective) == "2024-07-01"
    assert editions["mue_practitioner"].source == "NCCI_MUE_2024Q3"
    assert str(editions["ncci_aoc"].effective) == "2024-06-03"
    assert str(editions["opps_addendum_b"].effective) == "2026-04-01"
    # An ASP limit is published for its quarter only; the others run on.
    assert str(editions["asp_payment_limits"].ends) == "2025-12-31"
    assert all(e.ends is None for t, e in editions.items() if t != "asp_payment_limits")
    assert "ncci_ptp_practitioner: 1011 rows" in out.getvalue()


def test_values_come_from_the_cms_files() -> None:
    call_command("load_reference_data", stdout=StringIO())
    omalizumab = Drug.objects.get(hcpcs="J2357")
    assert (omalizumab.billing_unit_amount, omalizumab.billing_unit) == (5, "mg")
    mue = dict(
        MueEdit.objects.filter(code="96361").values_list("edition__table", "units")
    )
    assert mue == {"mue_practitioner": 8, "mue_outpatient_hospital": 24}
    assert AddOnEdit.objects.filter(add_on="96376", primary="96360").exists() is False


def test_a_drug_is_called_by_the_generic_name_of_its_long_descriptor() -> None:
    call_command("load_reference_data", stdout=StringIO())
    names = {d.hcpcs: d.name for d in Drug.objects.filter(hcpcs__in=NAMED)}
    assert names == NAMED


NAMED = {
    "J1745": "Infliximab",  # short descriptor: "Infliximab not biosimil 10mg"
    "J7030": "Normal saline solution",  # "Normal saline solution infus"
    "J2405": "Ondansetron hydrochloride",
    "J3490": "Drugs unclassified injection",  # no generic name: the short one
}


def test_loading_twice_changes_nothing() -> None:
    call_command("load_reference_data", stdout=StringIO())
    first = {e.table: (e.rows, e.sha256) for e in ReferenceEdition.objects.all()}
    drug_ids = list(Drug.objects.values_list("id", flat=True))
    call_command("load_reference_data", stdout=StringIO())
    assert {
        e.table: (e.rows, e.sha256) for e in ReferenceEdition.objects.all()
    } == first
    assert list(Drug.objects.values_list("id", flat=True)) == drug_ids
    assert NcciEdit.objects.count() == 1814


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"hcpcs_drugs\.csv is missing"):
        call_command("load_reference_data", "--from", str(tmp_path), stdout=StringIO())
    assert Drug.objects.count() == 0


def test_reference_page_lists_the_editions(as_coder: Client) -> None:
    call_command("load_reference_data", stdout=StringIO())
    response = as_coder.get(reverse("reference:reference"))
    assert "NCCI_MUE_2024Q3" in response.text
    assert "2024-07-01" in response.text


def test_shared_data_folder_is_the_default() -> None:
    assert (Path(settings.SHARED_DATA_DIR) / "hcpcs_drugs.csv").is_file()
