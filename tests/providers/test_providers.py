"""Billing providers and practitioners as admins keep them (every bad value a
sentence beside its field), what a location bills as, the practitioners an
encounter names by default, and the coders' read-only page."""

import html

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from encounters.models import Encounter, Location
from providers.models import BillingProvider, Practitioner
from tests.encounters import world
from tests.migrating import migrator

pytestmark = pytest.mark.django_db

ADD_BILLING = reverse("admin:providers_billingprovider_add")
ADD_PRACTITIONER = reverse("admin:providers_practitioner_add")
ADD_LOCATION = reverse("admin:encounters_location_add")


def billing_form(**fields: str) -> dict[str, str]:
    return {
        "name": "Lakeview Hospital",
        "npi": "1234567893",
        "tax_id": "36-2718450",
        "taxonomy": "282N00000X",
        "address_line1": "1700 W Lakeview Ave",
        "city": "Chicago",
        "state": "IL",
        "postal_code": "60657-1812",
        "phone": "(312) 555-0100",
        **fields,
    }


def errors_beside(page: str) -> dict[str, str]:
    """Each field's error list in the Django admin's form, by field name."""
    found = {}
    for block in page.split('<div class="form-row')[1:]:
        name = block.split("field-", 1)[1].split('"', 1)[0].split(" ")[0]
        if 'class="errorlist' in block:
            errors = block.split('class="errorlist', 1)[1].split("</ul>", 1)[0]
            found[name] = html.unescape(errors)
    return found


def practitioner(npi: str = "1234567893", last: str = "Vasquez") -> Practitioner:
    return Practitioner.objects.create(
        last_name=last, first_name="Elena", npi=npi, taxonomy="207RH0003X"
    )


def test_a_billing_provider_is_kept_as_the_claim_carries_it(as_admin: Client) -> None:
    response = as_admin.post(ADD_BILLING, billing_form())
    assert response.status_code == 302, errors_beside(response.content.decode())
    provider = BillingProvider.objects.get()
    # Typed as on letters and cards; kept as the digits the 837 carries.
    assert (provider.tax_id, provider.postal_code, provider.phone) == (
        "362718450",
        "606571812",
        "3125550100",
    )
    assert str(provider) == "Lakeview Hospital (NPI 1234567893)"


def test_every_bad_value_is_a_sentence_beside_its_field(as_admin: Client) -> None:
    response = as_admin.post(
        ADD_BILLING,
        billing_form(
            npi="1234567890",
            tax_id="00-2718450",
            taxonomy="282n00000x",
            state="il",
            postal_code="6065",
            phone="555-0100",
        ),
    )
    assert response.status_code == 200
    beside = errors_beside(response.content.decode())
    assert "1234567890 is not an NPI: its check digit does not match" in beside["npi"]
    assert "002718450 is not an EIN: none starts with 00." in beside["tax_id"]
    assert "A taxonomy code has 10 characters" in beside["taxonomy"]
    assert "A state is its two capital letters, as IL." in beside["state"]
    assert "A ZIP code is 9 digits (ZIP+4), or 5." in beside["postal_code"]
    assert "A phone number is 10 digits, area code first." in beside["phone"]
    assert not BillingProvider.objects.exists()


def test_a_practitioner_npi_is_checked_and_unique(as_admin: Client) -> None:
    practitioner()
    fields = {"last_name": "Chen", "first_name": "Marcus", "taxonomy": "207RR0500X"}
    response = as_admin.post(ADD_PRACTITIONER, {**fields, "npi": "123456789"})
    beside = errors_beside(response.content.decode())
    assert "An NPI is 10 digits, without spaces or dashes." in beside["npi"]
    response = as_admin.post(ADD_PRACTITIONER, {**fields, "npi": "1234567893"})
    beside = errors_beside(response.content.decode())
    assert "Practitioner with this NPI already exists." in beside["npi"]
    response = as_admin.post(ADD_PRACTITIONER, {**fields, "npi": "1195738426"})
    assert response.status_code == 302
    assert Practitioner.objects.get(npi="1195738426").name == "Marcus Chen"


def location_form(**fields: str) -> dict[str, str]:
    return {
        "name": "Oak Park Infusion Suite",
        "timezone": "America/Chicago",
        "chairs-TOTAL_FORMS": "0",
        "chairs-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"setting": "office", "place_of_service": ""},
            "place_of_service",
            "An office claim carries its place of service: 11 for an office.",
        ),
        (
            {"setting": "office", "place_of_service": "11", "type_of_bill": "13"},
            "type_of_bill",
            "A physician office bills on the 837P, which has no type of bill",
        ),
        (
            {"setting": "office", "place_of_service": "1A"},
            "place_of_service",
            "A place of service is 2 digits, as 11.",
        ),
        (
            {
                "setting": "facility",
                "department": "on_campus",
                "place_of_service": "11",
                "type_of_bill": "13",
            },
            "place_of_service",
            "A hospital's claim says where by its type of bill",
        ),
        (
            {"setting": "facility", "department": "on_campus", "place_of_service": ""},
            "type_of_bill",
            "Choose the hospital's type of bill: 13x for hospital outpatient.",
        ),
    ],
)
def test_a_location_bills_as_its_setting_does(
    as_admin: Client, fields: dict[str, str], field: str, message: str
) -> None:
    admin = User.objects.get(username="admin")
    admin.is_superuser = True  # locations are set up by a superuser
    admin.save()
    response = as_admin.post(ADD_LOCATION, location_form(**fields))
    assert response.status_code == 200
    assert message in errors_beside(response.content.decode())[field]
    assert not Location.objects.exists()


def test_a_location_names_its_billing_provider_and_supervisor(
    as_admin: Client,
) -> None:
    admin = User.objects.get(username="admin")
    admin.is_superuser = True
    admin.save()
    provider = BillingProvider.objects.create(
        **{**billing_form(), "tax_id": "362718450", "postal_code": "60657"}
        | {"phone": "3125550100"}
    )
    supervisor = practitioner()
    response = as_admin.post(
        ADD_LOCATION,
        location_form(
            setting="facility",
            department="on_campus",
            place_of_service="",
            type_of_bill="13",
            billing_provider=str(provider.pk),
            supervising_practitioner=str(supervisor.pk),
        ),
    )
    assert response.status_code == 302, errors_beside(response.content.decode())
    place = Location.objects.get()
    assert (place.billing_provider, place.supervising_practitioner) == (
        provider,
        supervisor,
    )
    assert place.type_of_bill == Location.TypeOfBill.HOSPITAL_OUTPATIENT


def test_an_encounter_is_ordered_and_attended_by_the_supervisor_unless_named(
    nurse: User,
) -> None:
    place = world.location(nurse, supervised=False)
    unsupervised = world.encounter(place)
    assert unsupervised.ordering_practitioner is None
    assert unsupervised.attending_practitioner is None
    supervisor = practitioner()
    place.supervising_practitioner = supervisor
    place.save()
    visit = world.encounter(place)
    visit.refresh_from_db()
    assert visit.ordering_practitioner == supervisor
    assert visit.attending_practitioner == supervisor
    rheumatologist = practitioner("1195738426", "Chen")
    ordered = Encounter.objects.create(
        patient=visit.patient,
        location=place,
        payer=visit.payer,
        date=visit.date,
        visit_number="V-ORDERED",
        ordering_practitioner=rheumatologist,
    )
    ordered.refresh_from_db()
    assert ordered.ordering_practitioner == rheumatologist
    assert ordered.attending_practitioner == supervisor
    # A later change of supervisor leaves the encounters as they were.
    place.supervising_practitioner = rheumatologist
    place.save()
    visit.save()
    visit.refresh_from_db()
    assert visit.attending_practitioner == supervisor


def test_coders_read_the_providers_and_where_they_bill(
    as_coder: Client, coder: User
) -> None:
    provider = BillingProvider.objects.create(
        name="Prairie Oncology & Rheumatology Clinic",
        npi="1729304562",
        tax_id="371629304",
        taxonomy="193200000X",
        address_line1="2250 N Prairie Ave",
        city="Chicago",
        state="IL",
        postal_code="606142213",
        phone="3125550170",
    )
    supervisor = practitioner()
    place = world.location(coder, setting=Location.Setting.OFFICE, name="Clinic")
    place.billing_provider = provider
    place.supervising_practitioner = supervisor
    place.save()
    page = as_coder.get(reverse("providers:list")).content.decode()
    assert "1729304562" in page
    assert "Clinic: place of service 11, supervised by Elena Vasquez" in page
    assert "Vasquez, Elena" in page
    # Coders read; the Django admin's links are for admins.
    assert reverse("admin:app_list", args=["providers"]) not in page


@pytest.mark.django_db(transaction=True)
def test_existing_hospitals_bill_13x_after_the_migration() -> None:
    with migrator() as migrate:
        before = migrate.to_nodes(
            [
                ("encounters", "0006_patient_registration"),
                ("providers", "0001_providers"),
            ]
        )
        places = before.get_model("encounters", "Location").objects
        places.create(name="Old hospital", setting="facility", department="on_campus")
        places.create(name="Old office", setting="office")
        after = migrate.to("encounters", "0007_providers")
        found = after.get_model("encounters", "Location").objects
        assert [
            (place.place_of_service, place.type_of_bill)
            for place in found.order_by("name")
        ] == [("", "13"), ("11", "")]
