"""The admin's payer pages, through the test client: what an admin sees and
what each form does; nurses and coders can look at nothing here."""

import json
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from payers.models import DrugOverride, Payer, PolicyVersion, Rederivation
from payers.policy_keys import POLICY_KEYS
from reference.models import Drug
from tests.encounters import world
from tests.payers.conftest import draft, infliximab_infusion

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def prairie(payers):
    return payers["Prairie Health Plan"]


@pytest.fixture
def prairie_draft(prairie, admin_user) -> PolicyVersion:
    return prairie.policy_versions.get(number=1).start_draft(
        by=admin_user, effective_from=date(2026, 7, 1)
    )


def test_payer_list_names_the_version_in_force(as_admin, payers) -> None:
    page = as_admin.get(reverse("payers:list")).content.decode()
    for name in payers:
        if name == "Medicare":
            assert "Medicare v2 (from 2026-01-01)" in page
        else:
            assert f"{name} v1 (from 2025-01-01)" in page


def test_payer_page_shows_versions_on_a_time_line_and_the_history(
    as_admin, prairie, prairie_draft
) -> None:
    page = as_admin.get(reverse("payers:detail", args=[prairie.pk])).content.decode()
    assert "<svg" in page
    assert page.count("<rect") == 2  # v1 published, v2 draft
    assert "Prairie Health Plan v2 (from 2026-07-01) – draft" in page
    assert "Drug override J0897 of v1 created" in page


def test_draft_page_explains_every_key_with_its_rule(as_admin, prairie_draft) -> None:
    page = as_admin.get(reverse("payers:version", args=[prairie_draft.pk]))
    text = page.content.decode()
    for key in POLICY_KEYS:
        assert f'data-testid="key-{key.name}"' in text
        assert f"Rule {key.rules}" in text


def form_data(version: PolicyVersion, **changes) -> dict:
    data = {
        "effective_from": version.effective_from.isoformat(),
        "effective_to": "",
        "revision": version.revision,
        **dict(version.policy_values().items()),
        **{f"note_{name}": note for name, note in version.notes.items()},
    }
    data.update(changes)
    return data


def test_saving_a_draft_records_the_choice_note_and_who(
    as_admin, admin_user, prairie, prairie_draft
) -> None:
    response = as_admin.post(
        reverse("payers:version", args=[prairie_draft.pk]),
        form_data(
            prairie_draft,
            missing_stop="not_billable",
            note_missing_stop="MedLearn: some drugs are never pushed – R93",
        ),
    )
    assert response.status_code == 302
    prairie_draft.refresh_from_db()
    assert prairie_draft.missing_stop == "not_billable"
    assert prairie_draft.notes["missing_stop"].endswith("R93")
    assert prairie_draft.history.first().history_user == admin_user
    page = as_admin.get(reverse("payers:detail", args=[prairie.pk])).content.decode()
    assert "missing_stop: push → not_billable" in page


def test_a_bad_draft_form_is_a_422_and_saves_nothing(as_admin, prairie_draft) -> None:
    response = as_admin.post(
        reverse("payers:version", args=[prairie_draft.pk]),
        form_data(prairie_draft, effective_to="2026-01-01", missing_stop="whatever"),
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "The last day cannot be before the first." in text
    assert "Select a valid choice" in text
    prairie_draft.refresh_from_db()
    assert prairie_draft.missing_stop == "push"


def test_a_published_version_cannot_be_edited_only_copied(as_admin, prairie) -> None:
    version = prairie.policy_versions.get(number=1)
    response = as_admin.post(
        reverse("payers:version", args=[version.pk]),
        form_data(version, biologic_infusion="chemotherapy"),
    )
    assert response.status_code == 409
    version.refresh_from_db()
    assert version.biologic_infusion == "therapeutic"
    page = as_admin.get(reverse("payers:version", args=[version.pk])).content.decode()
    assert "Edit as a new draft" in page
    response = as_admin.post(
        reverse("payers:start_draft", args=[prairie.pk]), {"from": version.pk}
    )
    new = prairie.policy_versions.get(number=2)
    assert response["Location"] == reverse("payers:version", args=[new.pk])
    assert new.is_draft
    assert new.policy_document() == version.policy_document()


def test_override_search_over_the_formulary(as_admin, prairie_draft) -> None:
    world.formulary("J1745", "J2357", "J9263")
    response = as_admin.get(
        reverse("payers:overrides", args=[prairie_draft.pk]), {"q": "infliximab"}, **HX
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="override-results"')
    assert "J1745" in text
    assert "J9263" not in text


def test_setting_and_removing_an_override(as_admin, prairie_draft) -> None:
    url = reverse("payers:set_override", args=[prairie_draft.pk])
    response = as_admin.post(
        url, {"key": "  Infliximab ", "category": "therapeutic", "note": "R8"}, **HX
    )
    assert response.status_code == 200
    assert 'id="overrides"' in response.content.decode()
    override = prairie_draft.drug_overrides.get(key="infliximab")
    assert (override.category, override.force_push) == ("therapeutic", False)
    as_admin.post(url, {"key": "j1745", "force_push": "on"}, **HX)
    assert prairie_draft.drug_overrides.get(key="J1745").force_push
    as_admin.post(url, {"key": "infliximab"}, **HX)  # nothing chosen: removed
    assert not prairie_draft.drug_overrides.filter(key="infliximab").exists()
    bad = as_admin.post(url, {"key": "", "category": "magic"}, **HX)
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("text/plain")


def test_overrides_of_a_published_version_cannot_change(as_admin, prairie) -> None:
    version = prairie.policy_versions.get(number=1)
    response = as_admin.post(
        reverse("payers:set_override", args=[version.pk]), {"key": "J0897"}, **HX
    )
    assert response.status_code == 409
    assert DrugOverride.objects.filter(version=version, key="J0897").exists()


def test_publishing_needs_a_note_and_refuses_overlaps(as_admin, prairie) -> None:
    closed = draft(prairie, date(2030, 1, 1), date(2030, 12, 31))
    url = reverse("payers:publish", args=[closed.pk])
    missing = as_admin.post(url, {"note": " "}, **HX)
    assert missing.status_code == 422
    assert "This field is required." in missing.content.decode()
    assert as_admin.post(url, {"note": "Ok"}, **HX)["HX-Redirect"]
    overlapping = draft(prairie, date(2030, 6, 1), date(2030, 6, 30))
    refused = as_admin.post(
        reverse("payers:publish", args=[overlapping.pk]), {"note": "Overlap"}, **HX
    )
    assert refused.status_code == 409
    assert "already has a published version" in refused.content.decode()
    overlapping.refresh_from_db()
    assert overlapping.is_draft


def test_publishing_from_the_page_starts_the_re_derivation(
    as_admin, prairie, prairie_draft, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            reverse("payers:publish", args=[prairie_draft.pk]), {"note": "July update"}
        )
    assert response.status_code == 302
    prairie_draft.refresh_from_db()
    assert prairie_draft.status == "published"
    assert prairie_draft.publication_note == "July update"
    run = Rederivation.objects.get(version=prairie_draft)
    assert run.status == Rederivation.Status.DONE
    assert run.task_id
    fragment = as_admin.get(reverse("payers:detail", args=[prairie.pk]), **HX)
    assert 'data-testid="rederivation"' in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()  # done: polling stops


def test_discarding_a_draft(as_admin, prairie, prairie_draft) -> None:
    response = as_admin.post(reverse("payers:discard", args=[prairie_draft.pk]))
    assert response.status_code == 302
    assert not PolicyVersion.objects.filter(pk=prairie_draft.pk).exists()
    published = prairie.policy_versions.get(number=1)
    assert as_admin.post(
        reverse("payers:discard", args=[published.pk])
    ).status_code == (409)


@pytest.mark.parametrize("who", ["as_nurse", "as_coder"])
def test_nurses_and_coders_cannot_change_policies(request, who, prairie) -> None:
    client = request.getfixturevalue(who)
    version = prairie.policy_versions.get(number=1)
    new = draft(prairie, date(2031, 1, 1))
    attempts = [
        (reverse("payers:start_draft", args=[prairie.pk]), {"from": version.pk}),
        (reverse("payers:version", args=[new.pk]), form_data(new)),
        (reverse("payers:set_override", args=[new.pk]), {"key": "J1745"}),
        (reverse("payers:publish", args=[new.pk]), {"note": "Sneaky"}),
        (reverse("payers:discard", args=[new.pk]), {}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403, url
    new.refresh_from_db()
    assert new.is_draft
    assert prairie.policy_versions.count() == 2
    assert (
        client.get(reverse("admin:payers_policyversion_changelist")).status_code == 302
    )


def test_the_django_admin_shows_published_versions_read_only(as_admin, prairie) -> None:
    version = prairie.policy_versions.get(number=1)
    page = as_admin.get(
        reverse("admin:payers_policyversion_change", args=[version.pk])
    ).content.decode()
    assert 'name="biologic_infusion"' not in page
    assert "Prairie Health Plan v1" in page
    new = draft(prairie, date(2031, 1, 1))
    page = as_admin.get(
        reverse("admin:payers_policyversion_change", args=[new.pk])
    ).content.decode()
    assert 'name="biologic_infusion"' in page


def test_try_it_compares_a_pasted_document(as_admin, prairie, prairie_draft) -> None:
    prairie_draft.biologic_infusion = "chemotherapy"
    prairie_draft.save()
    document = {
        "setting": "facility",
        "date_of_service": "2026-08-03",
        "sites": [{"id": "A"}],
        "administrations": [
            {
                "id": "1",
                "site": "A",
                "method": "infusion",
                "drug": {"name": "infliximab", "category": "biologic"},
                "start": "09:00",
                "stop": "11:10",
            }
        ],
    }
    response = as_admin.post(
        reverse("payers:try_it", args=[prairie_draft.pk]),
        {"document": json.dumps(document)},
        **HX,
    )
    assert response.status_code == 200
    text = response.content.decode()
    published_side, draft_side = text.split('data-testid="side"')[1:3]
    assert "Prairie Health Plan v1" in published_side
    assert "96365" in published_side
    assert "96413" not in published_side
    assert "96413" in draft_side
    assert "96365" not in draft_side
    assert len(re.findall('data-testid="changed-line"', text)) >= 2


def test_try_it_reports_an_invalid_document(as_admin, prairie_draft) -> None:
    url = reverse("payers:try_it", args=[prairie_draft.pk])
    not_json = as_admin.post(url, {"document": "{nope"}, **HX)
    assert not_json.status_code == 422
    assert "This is not JSON" in not_json.content.decode()
    too_long = as_admin.post(url, {"document": '{"payer": ' + "9" * 5000 + "}"}, **HX)
    assert too_long.status_code == 422
    assert "more than 4,300 digits" in too_long.content.decode()
    nothing = as_admin.post(url, {}, **HX)
    assert nothing.status_code == 422
    invalid = as_admin.post(url, {"document": '{"setting": "moon"}'}, **HX)
    assert invalid.status_code == 200
    assert 'data-testid="document-errors"' in invalid.content.decode()


def test_try_it_on_a_recent_encounter(as_admin, nurse, prairie, prairie_draft) -> None:
    prairie_draft.biologic_infusion = "chemotherapy"
    prairie_draft.save()
    visit = world.encounter(
        world.location(nurse), payer="Prairie Health Plan", day=date(2026, 8, 3)
    )
    infliximab_infusion(visit, nurse)
    page = as_admin.get(reverse("payers:version", args=[prairie_draft.pk]))
    assert visit.visit_number in page.content.decode()
    response = as_admin.post(
        reverse("payers:try_it", args=[prairie_draft.pk]),
        {"encounters": [str(visit.pk)]},
        **HX,
    )
    text = response.content.decode()
    assert visit.visit_number in text
    published_side, draft_side = text.split('data-testid="side"')[1:3]
    assert "96365" in published_side
    assert "96413" in draft_side
    assert Drug.objects.filter(hcpcs="J1745").exists()


def test_payer_page_queries_do_not_grow_with_versions_or_history(
    as_admin, admin_user, prairie, django_assert_max_num_queries
) -> None:
    for year in range(2031, 2041):
        new = draft(prairie, date(year, 1, 1), date(year, 12, 31))
        new.missing_stop = "derive"
        new.save()
    url = reverse("payers:detail", args=[prairie.pk])
    # The prior authorisation list adds three: its codes, their drugs' names
    # and its history.
    with django_assert_max_num_queries(15):
        response = as_admin.get(url)
    assert response.content.decode().count("<rect") == 11


def test_progress_polls_while_the_worker_has_not_finished(as_admin, prairie) -> None:
    version = prairie.policy_versions.get(number=1)
    run = Rederivation.objects.create(version=version)
    url = reverse("payers:detail", args=[prairie.pk])
    fragment = as_admin.get(url, **HX).content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert "X-Chairside-Background" in fragment  # polling is not activity
    assert "Queued" in fragment
    Rederivation.objects.filter(pk=run.pk).update(
        status=Rederivation.Status.RUNNING, total=4, done=1
    )
    fragment = as_admin.get(url, **HX).content.decode()
    assert "1 of 4 open encounters re-derived" in fragment
    assert 'value="25"' in fragment
    assert 'hx-trigger="every 2s"' in fragment


def test_publish_section_says_what_publishing_does(as_admin, prairie) -> None:
    inside = draft(prairie, date(2027, 1, 1), date(2027, 12, 31))
    text = as_admin.get(reverse("payers:version", args=[inside.pk])).content.decode()
    assert "Publishing ends Prairie Health Plan v1 (from 2025-01-01)" in text
    assert 'data-testid="gap"' in text
    before = draft(prairie, date(2024, 1, 1))
    text = as_admin.get(reverse("payers:version", args=[before.pk])).content.decode()
    assert 'data-testid="overlap"' in text


def test_adding_a_payer_and_changing_its_claim_settings(
    as_admin, admin_user, payers
) -> None:
    bad = as_admin.post(reverse("payers:add"), {"name": "Medicare", "kind": "medicare"})
    assert bad.status_code == 422
    assert "Payer with this Name already exists." in bad.content.decode()
    response = as_admin.post(
        reverse("payers:add"),
        {"name": "Great Lakes Health", "kind": "commercial", "payer_id": "GLH01"},
    )
    payer = payers["Medicare"].__class__.objects.get(name="Great Lakes Health")
    assert response["Location"] == reverse("payers:detail", args=[payer.pk])
    url = reverse("payers:edit", args=[payer.pk])
    assert as_admin.post(url, {"name": "", "kind": "commercial"}).status_code == 422
    as_admin.post(url, {"name": "Great Lakes Health", "kind": "other", "payer_id": "X"})
    payer.refresh_from_db()
    assert (payer.kind, payer.payer_id) == ("other", "X")
    page = as_admin.get(reverse("payers:detail", args=[payer.pk])).content.decode()
    assert "payer_id: GLH01 → X" in page
    assert payer.history.first().history_user == admin_user


def test_a_save_over_someone_elses_newer_save_is_refused(
    as_admin, prairie_draft
) -> None:
    seen = form_data(prairie_draft, missing_stop="derive")
    prairie_draft.missing_stop = "not_billable"  # another admin, meanwhile
    prairie_draft.save()
    response = as_admin.post(reverse("payers:version", args=[prairie_draft.pk]), seen)
    assert response.status_code == 409
    assert "Someone else saved this draft" in response.content.decode()
    prairie_draft.refresh_from_db()
    assert prairie_draft.missing_stop == "not_billable"
    fresh = form_data(prairie_draft, missing_stop="derive")
    as_admin.post(reverse("payers:version", args=[prairie_draft.pk]), fresh)
    prairie_draft.refresh_from_db()
    assert prairie_draft.missing_stop == "derive"


def test_a_draft_from_a_version_that_is_not_a_number_is_refused(
    as_admin: Client, payers: dict[str, Payer]
) -> None:
    medicare = payers["Medicare"]
    response = as_admin.post(
        reverse("payers:start_draft", kwargs={"pk": medicare.pk}), {"from": "x1"}
    )
    assert response.status_code == 422
    assert "Choose a version" in response.content.decode()
