"""Policy versions as facts: every contract key, effective dates, immutability
and the refusal to let published versions of one payer overlap."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from demo.payers import seed_payers
from payers.models import DrugOverride, Payer, PolicyVersion
from payers.policy_keys import POLICY_KEY_NAMES
from payers.services import PolicyConflict, publish_policy_version
from tests.payers.conftest import draft, published

pytestmark = pytest.mark.django_db

CONTRACT = settings.BASE_DIR.parent / "shared" / "contract" / "README.md"


def contract_defaults() -> dict[str, str]:
    """key -> default, from the contract's "Policy keys and their defaults"."""
    text = CONTRACT.read_text()
    section = text.split("### Policy keys and their defaults")[1].split("## Result")[0]
    return dict(re.findall(r"^\| `(\w+)` \| `([^`]+)`", section, re.M))


def test_every_contract_key_is_a_field_with_the_contracts_default() -> None:
    defaults = contract_defaults()
    assert set(defaults) == {*POLICY_KEY_NAMES, "drug_overrides"}
    ours = PolicyVersion.default_values()
    for key in POLICY_KEY_NAMES:
        value = ours[key]
        written = str(value).lower() if isinstance(value, bool) else str(value)
        assert written == defaults[key], key


def test_every_choice_is_a_value_the_engine_accepts() -> None:
    from chairside_engine.policy import CHOICES

    for key, values in CHOICES.items():
        field = PolicyVersion._meta.get_field(key)
        assert tuple(value for value, _ in field.choices) == values, key


def test_seeded_payers_differ_where_real_payers_differ() -> None:
    payers = seed_payers()
    again = seed_payers()  # idempotent
    assert (
        payers.keys()
        == again.keys()
        == {
            "Medicare",
            "Illinois Medicaid",
            "Prairie Health Plan",
            "Lakeshore Mutual",
        }
    )
    # One first version each, and Medicare's second (G0463, R101).
    assert PolicyVersion.objects.count() == 5
    today = date(2026, 11, 25)

    def policy(name: str, on: date = today) -> dict:
        return PolicyVersion.objects.in_force(payers[name], on).policy_document()

    assert policy("Medicare") == {}
    # Medicare's first version keeps what it coded: the visit level as given.
    assert policy("Medicare", date(2025, 12, 31)) == {"facility_visit_code": "as_given"}
    assert policy("Illinois Medicaid") == {
        "ndc_required": True,
        "unit_rounding": "decimal",
        "facility_visit_code": "as_given",
    }
    assert policy("Prairie Health Plan") == {
        "biologic_injection": "chemotherapy",
        "biologic_infusion": "therapeutic",
        "facility_visit_code": "as_given",
        "drug_overrides": {"J0897": {"category": "therapeutic"}},
    }
    lakeshore = policy("Lakeshore Mutual")
    assert lakeshore["hydration_segments"] == "separate"
    assert lakeshore["drug_overrides"]["J0131"] == {"force_push": True}
    # Every non-default choice names its rule and source.
    for version in PolicyVersion.objects.all():
        for row in version.policy_rows():
            if not row["is_default"]:
                assert re.search(r"R\d+", row["note"]), (version, row["key"].name)
        for override in version.drug_overrides.all():
            assert re.search(r"R\d+", override.note)


def test_str_names_payer_number_and_dates(payers) -> None:
    first, second = PolicyVersion.objects.filter(payer=payers["Medicare"]).order_by(
        "number"
    )
    assert str(first) == "Medicare v1 (from 2025-01-01 to 2025-12-31)"
    assert str(second) == "Medicare v2 (from 2026-01-01)"


def test_in_force_at_the_boundaries() -> None:
    payer = Payer.objects.create(name="Boundary Health", kind=Payer.Kind.COMMERCIAL)
    first = published(payer, date(2026, 1, 1), date(2026, 6, 30))
    second = published(payer, date(2026, 7, 1))
    draft(payer, date(2027, 1, 1))  # drafts are never in force
    in_force = PolicyVersion.objects.in_force
    assert in_force(payer, date(2025, 12, 31)) is None
    assert in_force(payer, date(2026, 1, 1)) == first
    assert in_force(payer, date(2026, 6, 30)) == first
    assert in_force(payer, date(2026, 7, 1)) == second
    assert in_force(payer, date(2030, 1, 1)) == second


def test_publishing_inside_an_open_ended_version_ends_it_the_day_before(
    admin_user,
) -> None:
    payer = Payer.objects.create(name="Open Health", kind=Payer.Kind.COMMERCIAL)
    first = published(payer, date(2025, 1, 1))
    second = published(payer, date(2026, 7, 1), by=admin_user)
    first.refresh_from_db()
    assert first.effective_to == date(2026, 6, 30)
    assert second.status == PolicyVersion.Status.PUBLISHED
    assert second.published_by == admin_user
    assert first.history.first().history_change_reason == "Ended by v2"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 1), date(2026, 3, 31)),  # inside a closed version
        (date(2025, 6, 1), date(2026, 1, 31)),  # across its start
        (date(2026, 1, 1), None),  # same first day, open-ended
    ],
)
def test_overlapping_publication_is_refused(start, end) -> None:
    payer = Payer.objects.create(name="Closed Health", kind=Payer.Kind.COMMERCIAL)
    existing = published(payer, date(2026, 1, 1), date(2026, 12, 31))
    candidate = draft(payer, start, end)
    with pytest.raises(PolicyConflict, match="already has a published version"):
        publish_policy_version(candidate, by=None, note="Overlaps")
    candidate.refresh_from_db()
    existing.refresh_from_db()
    assert candidate.status == PolicyVersion.Status.DRAFT
    assert (existing.effective_from, existing.effective_to) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )


def test_publishing_needs_a_note() -> None:
    payer = Payer.objects.create(name="Quiet Health", kind=Payer.Kind.COMMERCIAL)
    candidate = draft(payer, date(2026, 1, 1))
    with pytest.raises(PolicyConflict, match="note"):
        publish_policy_version(candidate, by=None, note="   ")
    candidate.refresh_from_db()
    assert candidate.is_draft


def test_a_published_version_never_changes(payers) -> None:
    version = PolicyVersion.objects.get(payer=payers["Prairie Health Plan"])
    version.biologic_infusion = "chemotherapy"
    with pytest.raises(ValidationError, match="cannot be changed"):
        version.save()
    version.refresh_from_db()
    version.publication_note = "Rewritten afterwards"
    with pytest.raises(ValidationError, match="publication_note"):
        version.save()
    version.refresh_from_db()
    version.status = PolicyVersion.Status.DRAFT
    with pytest.raises(ValidationError, match="never become a draft"):
        version.save()
    override = version.drug_overrides.get()
    override.force_push = True
    with pytest.raises(ValidationError, match="published"):
        override.save()
    with pytest.raises(ValidationError, match="published"):
        DrugOverride(version=version, key="J1745", force_push=True).save()
    with pytest.raises(ValidationError, match="published"):
        override.delete()
    assert PolicyVersion.objects.get(pk=version.pk).biologic_infusion == "therapeutic"


def test_editing_a_published_version_starts_a_draft_with_its_choices(
    payers, admin_user
) -> None:
    version = PolicyVersion.objects.get(payer=payers["Prairie Health Plan"])
    new = version.start_draft(by=admin_user, effective_from=date(2027, 1, 1))
    assert new.is_draft
    assert new.number == 2
    assert new.based_on == version
    assert new.policy_document() == version.policy_document()
    new.biologic_injection = "therapeutic"
    new.save()
    assert version.policy_document()["biologic_injection"] == "chemotherapy"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only; SQLite relies on "
    "the locked check in publish_policy_version",
)
def test_the_database_refuses_overlapping_published_rows() -> None:
    payer = Payer.objects.create(name="Raw Health", kind=Payer.Kind.COMMERCIAL)
    published(payer, date(2026, 1, 1))
    sneaky = draft(payer, date(2026, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        # Around the service and the model's guard, straight to the table.
        PolicyVersion.objects.filter(pk=sneaky.pk).update(
            status=PolicyVersion.Status.PUBLISHED, published_at=sneaky.created_at
        )
