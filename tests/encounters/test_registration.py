"""Registration: patients with their legal names, sex and address, and their
coverage, kept by coders and admins on pages that audit every change."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from encounters.models import AuditEntry, Coverage, Encounter, Patient
from payers.models import Payer
from tests.encounters import registry, world
from tests.encounters.world import HTMX

pytestmark = pytest.mark.django_db


# The record


def test_the_display_name_follows_the_legal_name() -> None:
    patient = registry.patient(middle_name="King")
    assert patient.name == "Ada King Lovelace"
    patient.middle_name = ""
    patient.last_name = "Byron"
    patient.save(update_fields=["last_name", "middle_name"])
    patient.refresh_from_db()
    assert patient.name == "Ada Byron"
    assert Patient.objects.filter(name="Ada Byron").exists()


def test_code_that_knows_one_name_still_registers_its_parts() -> None:
    patient = Patient.objects.create(
        mrn="X1", name="Mary Ann Smith", date_of_birth=date(1970, 1, 1)
    )
    assert (patient.first_name, patient.last_name) == ("Mary Ann", "Smith")
    patient = Patient.objects.get(pk=patient.pk)
    patient.name = "Mary Jones"
    patient.save()
    assert (patient.first_name, patient.last_name) == ("Mary", "Jones")


def test_sex_as_x12_and_fhir_code_it() -> None:
    assert [c.value for c in Patient.Sex] == ["F", "M", "U"]
    codes = {s: registry.patient(f"S{s}", sex=s).fhir_gender for s in "FMU"}
    assert codes == {"F": "female", "M": "male", "U": "unknown"}
    assert Patient._meta.get_field("sex").default == "U"


def test_coverage_in_force_on_a_day_primary_first() -> None:
    patient = registry.patient()
    medicaid = registry.payer("Illinois Medicaid", Payer.Kind.MEDICAID)
    ended = registry.coverage(patient, effective_to=date(2025, 6, 30))
    secondary = registry.coverage(
        patient, medicaid, order=Coverage.Order.SECONDARY, member_id="910000001"
    )
    later = registry.coverage(
        patient, member_id="NEW-1", effective_from=date(2025, 7, 1)
    )
    assert list(patient.coverages_on(date(2025, 3, 1))) == [ended, secondary]
    assert list(patient.coverages_on(date(2025, 7, 1))) == [later, secondary]
    assert patient.primary_coverage_on(date(2025, 6, 30)) == ended
    assert patient.primary_coverage_on(date(2024, 12, 31)) is None
    assert list(Coverage.objects.in_force(date(2025, 6, 30))) == [ended, secondary]


def test_coverage_refuses_what_a_payer_would() -> None:
    patient = registry.patient()
    registry.coverage(patient)
    bad = Coverage(
        patient=patient,
        payer=registry.payer(),
        member_id="1 E G!",
        relationship=Coverage.Relationship.CHILD,
        effective_from=date(2025, 3, 1),
        effective_to=date(2025, 2, 1),
    )
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    errors = refused.value.message_dict
    assert errors["member_id"] == [
        "A member ID is 2 to 80 letters, digits or dashes, as on the card."
    ]
    assert errors["effective_to"] == ["The coverage cannot end before it starts."]
    assert errors["subscriber_last_name"] == ["Give the subscriber's last name."]
    assert errors["subscriber_date_of_birth"] == [
        "Give the subscriber's date of birth."
    ]
    bad.effective_to = None
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert refused.value.message_dict["order"] == [
        "Medicare is already the patient's primary coverage from 2025-01-01; "
        "end it first, or choose another order."
    ]


# The pages


@pytest.fixture
def ada() -> Patient:
    return registry.patient()


def test_nurses_get_no_registration_page(as_nurse: Client, ada: Patient) -> None:
    assert as_nurse.get(reverse("encounters:patients")).status_code == 403
    assert as_nurse.get(ada.get_absolute_url()).status_code == 403
    response = as_nurse.post(
        reverse("encounters:register_patient"), registry.patient_data()
    )
    assert response.status_code == 403
    assert not Patient.objects.filter(mrn="MRN-9").exists()


def test_the_list_finds_patients_and_shows_todays_coverage(
    as_coder: Client, ada: Patient
) -> None:
    registry.coverage(ada)
    registry.patient("MRN-2", first_name="Alan", last_name="Turing")
    response = as_coder.get(reverse("encounters:patients"))
    assert response.status_code == 200
    assert "Ada Lovelace" in response.text
    assert "Primary: Medicare · 1EG4-TE5-MK73" in response.text
    assert "No coverage in force" in response.text  # Alan Turing's row
    response = as_coder.get(reverse("encounters:patients"), {"q": "turi"}, **HTMX)
    assert response.text.lstrip().startswith('<section id="results"')
    assert "Alan Turing" in response.text
    assert "Ada Lovelace" not in response.text
    response = as_coder.get(reverse("encounters:patients"), {"q": "MRN-1"})
    assert "Ada Lovelace" in response.text
    assert "Alan Turing" not in response.text


def test_registering_a_patient_is_audited(as_admin: Client, admin_user) -> None:
    response = as_admin.post(
        reverse("encounters:register_patient"), registry.patient_data()
    )
    patient = Patient.objects.get(mrn="MRN-9")
    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()
    assert patient.name == "Grace Brewster Hopper"
    # Kept as the claim needs it: the state's code, the digits.
    assert (patient.state, patient.postal_code, patient.phone) == (
        "VA",
        "222011234",
        "7035550142",
    )
    entry = AuditEntry.objects.get(patient=patient)
    assert (entry.action, entry.by, entry.encounter) == (
        "patient.added",
        admin_user,
        None,
    )
    assert entry.after["last_name"] == "Hopper"
    assert entry.after["date_of_birth"] == "1946-12-09"
    page = as_admin.get(patient.get_absolute_url())
    assert "patient.added" in page.text
    assert "No coverage registered" in page.text


def test_a_bad_registration_says_why_beside_each_field(as_coder: Client) -> None:
    data = registry.patient_data(
        last_name="",
        date_of_birth="9.12.1946",
        state="Virginia",
        postal_code="2220",
        phone="555-0142",
        address_line1="",
    )
    response = as_coder.post(reverse("encounters:register_patient"), data, **HTMX)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="register-form"')
    for sentence in (
        "Give the patient&#x27;s legal last name.",
        "Give the date as YYYY-MM-DD.",
        "Ensure this value has at most 2 characters",
        "A ZIP code has 5 digits, or 9 (ZIP+4).",
        "A phone number has 10 digits, area code first.",
        "Give the patient&#x27;s street address.",
    ):
        assert sentence in response.text
    assert not Patient.objects.exists()
    assert not AuditEntry.objects.exists()
    # Without htmx: the whole page, refused.
    response = as_coder.post(reverse("encounters:register_patient"), data)
    assert response.status_code == 422
    assert "<html" in response.text


def test_a_second_patient_cannot_take_an_mrn(as_coder: Client, ada: Patient) -> None:
    response = as_coder.post(
        reverse("encounters:register_patient"), registry.patient_data(mrn="MRN-1")
    )
    assert response.status_code == 422
    assert "Patient with this MRN already exists." in response.text


def test_editing_a_patient_audits_what_changed(as_coder: Client, coder, ada) -> None:
    data = registry.patient_data(
        mrn=ada.mrn, first_name="Augusta Ada", middle_name="", last_name="King"
    )
    response = as_coder.post(reverse("encounters:edit_patient", args=[ada.pk]), data)
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.name == "Augusta Ada King"
    entry = AuditEntry.objects.get(patient=ada, action="patient.changed")
    assert entry.by == coder
    assert entry.before["first_name"] == "Ada"
    assert entry.after["first_name"] == "Augusta Ada"
    assert "mrn" not in entry.after  # unchanged fields are not repeated
    # The same form again changes nothing and writes nothing.
    as_coder.post(reverse("encounters:edit_patient", args=[ada.pk]), data)
    assert AuditEntry.objects.filter(patient=ada).count() == 1


def test_a_refused_edit_changes_nothing(as_coder: Client, ada: Patient) -> None:
    data = registry.patient_data(mrn=ada.mrn, last_name="", city="")
    response = as_coder.post(
        reverse("encounters:edit_patient", args=[ada.pk]), data, **HTMX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="patient-form"')
    assert "Give the patient&#x27;s legal last name." in response.text
    ada.refresh_from_db()
    assert (ada.last_name, ada.city) == ("Lovelace", "Chicago")
    assert not AuditEntry.objects.exists()


def test_adding_editing_and_ending_a_coverage(as_coder: Client, coder, ada) -> None:
    medicare = registry.payer()
    add = reverse("encounters:add_coverage", args=[ada.pk])
    response = as_coder.post(add, registry.coverage_data(medicare))
    assert response.status_code == 302
    coverage = ada.coverages.get()
    assert coverage.effective_to is None

    edit = reverse("encounters:edit_coverage", args=[ada.pk, coverage.pk])
    data = registry.coverage_data(
        medicare, prefix=f"edit-{coverage.pk}-", group_number="G-12"
    )
    assert as_coder.post(edit, data).status_code == 302
    coverage.refresh_from_db()
    assert coverage.group_number == "G-12"

    end = reverse("encounters:end_coverage", args=[ada.pk, coverage.pk])
    response = as_coder.post(end, {f"end-{coverage.pk}-effective_to": "2025-12-31"})
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.effective_to == date(2025, 12, 31)

    entries = list(AuditEntry.objects.filter(patient=ada).order_by("pk"))
    assert [e.action for e in entries] == [
        "coverage.added",
        "coverage.changed",
        "coverage.ended",
    ]
    assert all(e.by == coder for e in entries)
    assert entries[0].after["payer"] == "Medicare"
    assert (entries[1].before, entries[1].after) == (
        {"group_number": ""},
        {"group_number": "G-12"},
    )
    assert entries[2].after == {"effective_to": "2025-12-31"}
    page = as_coder.get(ada.get_absolute_url())
    assert "coverage.ended" in page.text
    assert "Ended" in page.text


def test_a_dependent_needs_the_subscriber(as_coder: Client, ada: Patient) -> None:
    add = reverse("encounters:add_coverage", args=[ada.pk])
    data = registry.coverage_data(registry.payer(), relationship="19")
    response = as_coder.post(add, data, **HTMX)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="coverage-form"')
    for sentence in (
        "Give the subscriber&#x27;s last name.",
        "Give the subscriber&#x27;s first name.",
        "Give the subscriber&#x27;s date of birth.",
        "Give the subscriber&#x27;s sex.",
    ):
        assert sentence in response.text
    assert not Coverage.objects.exists()
    data.update(
        subscriber_last_name="Byron",
        subscriber_first_name="Anne",
        subscriber_date_of_birth="1792-05-17",
        subscriber_sex="F",
    )
    assert as_coder.post(add, data).status_code == 302
    assert ada.coverages.get().relationship == Coverage.Relationship.CHILD


def test_coverages_of_one_order_never_overlap(as_coder: Client, ada: Patient) -> None:
    registry.coverage(ada, effective_to=date(2025, 12, 31))
    lakeshore = registry.payer("Lakeshore Mutual", Payer.Kind.COMMERCIAL)
    add = reverse("encounters:add_coverage", args=[ada.pk])
    data = registry.coverage_data(
        lakeshore, member_id="LM-1", effective_from="2025-12-01", effective_to="x"
    )
    response = as_coder.post(add, data, **HTMX)
    assert response.status_code == 422
    assert "Give the date as YYYY-MM-DD." in response.text
    data["effective_to"] = ""
    response = as_coder.post(add, data, **HTMX)
    assert response.status_code == 422
    assert (
        "Medicare is already the patient&#x27;s primary coverage from 2025-01-01 "
        "to 2025-12-31; end it first, or choose another order."
    ) in response.text
    # From the day after, or as the secondary payer, it fits.
    data["effective_from"] = "2026-01-01"
    assert as_coder.post(add, data).status_code == 302
    assert ada.coverages.count() == 2


def test_a_coverage_cannot_end_before_it_starts(as_coder: Client, ada) -> None:
    coverage = registry.coverage(ada)
    end = reverse("encounters:end_coverage", args=[ada.pk, coverage.pk])
    response = as_coder.post(
        end, {f"end-{coverage.pk}-effective_to": "2024-12-31"}, **HTMX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="coverages"')
    assert "The coverage starts on 2025-01-01; it cannot end before." in response.text
    coverage.refresh_from_db()
    assert coverage.effective_to is None
    assert not AuditEntry.objects.exists()


def test_a_refused_coverage_edit_saves_nothing(as_coder: Client, ada) -> None:
    coverage = registry.coverage(ada)
    edit = reverse("encounters:edit_coverage", args=[ada.pk, coverage.pk])
    data = registry.coverage_data(
        registry.payer(), prefix=f"edit-{coverage.pk}-", member_id="?"
    )
    response = as_coder.post(edit, data, **HTMX)
    assert response.status_code == 422
    assert "A member ID is 2 to 80 letters, digits or dashes" in response.text
    coverage.refresh_from_db()
    assert coverage.member_id == "1EG4-TE5-MK73"


def test_another_patients_coverage_is_not_found(as_coder: Client, ada) -> None:
    other = registry.coverage(registry.patient("MRN-2"))
    edit = reverse("encounters:edit_coverage", args=[ada.pk, other.pk])
    data = registry.coverage_data(registry.payer(), prefix=f"edit-{other.pk}-")
    assert as_coder.post(edit, data).status_code == 404


def test_patients_are_in_the_coders_and_admins_navigation(
    as_coder: Client, as_admin: Client
) -> None:
    for client in (as_coder, as_admin):
        page = client.get(reverse("encounters:patients"))
        assert (
            f'href="{reverse("encounters:patients")}" aria-current="page"' in page.text
        )


# At the chair


def test_the_board_warns_of_a_patient_without_coverage_today(
    as_nurse: Client, place
) -> None:
    covered = world.encounter(place, covered=False)
    registry.coverage(covered.patient)
    waiting = world.encounter(place, status=Encounter.Status.SCHEDULED, covered=False)
    ended = world.encounter(place, covered=False)
    registry.coverage(
        ended.patient, effective_to=timezone.localdate() - timedelta(days=1)
    )
    response = as_nurse.get(reverse("encounters:board"))
    text = response.text
    assert text.count("No coverage for") == 2
    for uncovered in (waiting, ended):
        card = text[text.index(uncovered.patient.name) :][:600]
        assert "No coverage for" in card
    card = text[text.index(covered.patient.name) :][:300]
    assert "No coverage for" not in card


def test_an_encounter_bills_the_primary_coverage_of_its_date(place) -> None:
    patient = registry.patient()
    lakeshore = registry.payer("Lakeshore Mutual", Payer.Kind.COMMERCIAL)
    registry.coverage(patient, effective_to=date(2025, 12, 31))
    registry.coverage(
        patient, lakeshore, member_id="LM-9", effective_from=date(2026, 1, 1)
    )
    before = Encounter.objects.create(
        patient=patient, location=place, date=date(2025, 12, 31), visit_number="V1"
    )
    after = Encounter.objects.create(
        patient=patient, location=place, date=date(2026, 1, 2), visit_number="V2"
    )
    assert (before.payer.name, after.payer.name) == ("Medicare", "Lakeshore Mutual")
    # A payer chosen by hand stays (the scrubber says when it differs).
    chosen = Encounter.objects.create(
        patient=patient,
        location=place,
        payer=lakeshore,
        date=date(2025, 6, 1),
        visit_number="V3",
    )
    assert chosen.payer == lakeshore


def test_an_encounter_without_coverage_asks_for_its_payer(place) -> None:
    patient = registry.patient()
    visit = Encounter(patient=patient, location=place, date=date(2025, 6, 1))
    with pytest.raises(ValidationError) as refused:
        visit.clean()
    assert refused.value.message_dict["payer"] == [
        "Ada Lovelace has no coverage in force on 2025-06-01; choose the payer, "
        "or register the coverage first."
    ]
    registry.coverage(patient)
    visit.clean()
    assert visit.payer.name == "Medicare"
