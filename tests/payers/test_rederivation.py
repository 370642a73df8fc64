"""Publishing re-derives, in the background, the open encounters of that payer
dated in the version's range; finalised claims and everything else stay as
they were."""

from datetime import date

import pytest

from coding.models import Derivation
from coding.services import derive_encounter
from encounters.models import Encounter
from payers.models import PolicyVersion, Rederivation
from payers.services import publish_policy_version
from tests.encounters import world
from tests.payers.conftest import draft, infliximab_infusion

pytestmark = pytest.mark.django_db


def infliximab_visit(place, nurse, *, payer: str, day: date, status: str):
    visit = world.encounter(place, payer=payer, day=day)
    infliximab_infusion(visit, nurse)
    derive_encounter(visit)
    Encounter.objects.filter(pk=visit.pk).update(status=status)
    visit.refresh_from_db()
    return visit


def codes(visit: Encounter) -> set[str]:
    derivation = Derivation.objects.get(encounter=visit)
    return {line["code"] for line in derivation.lines}


def test_publishing_re_derives_only_open_encounters_of_that_payer_in_range(
    payers, nurse, admin_user, django_capture_on_commit_callbacks
) -> None:
    place = world.location(nurse)
    prairie = payers["Prairie Health Plan"]
    visits = {
        "open in range": infliximab_visit(
            place, nurse, payer=prairie.name, day=date(2026, 8, 3), status="coded"
        ),
        "ready in range": infliximab_visit(
            place,
            nurse,
            payer=prairie.name,
            day=date(2026, 7, 1),
            status="ready_for_coding",
        ),
        "finalised in range": infliximab_visit(
            place, nurse, payer=prairie.name, day=date(2026, 8, 4), status="finalised"
        ),
        "before the range": infliximab_visit(
            place, nurse, payer=prairie.name, day=date(2026, 6, 30), status="coded"
        ),
        "other payer": infliximab_visit(
            place, nurse, payer="Lakeshore Mutual", day=date(2026, 8, 3), status="coded"
        ),
    }
    for visit in visits.values():
        assert "96413" in codes(visit) or "96365" in codes(visit)
    assert codes(visits["open in range"]) >= {"96365"}  # Prairie v1: therapeutic
    before = {
        name: Derivation.objects.get(encounter=visit).derived_at
        for name, visit in visits.items()
    }

    new = prairie.policy_versions.get(number=1).start_draft(
        by=admin_user, effective_from=date(2026, 7, 1)
    )
    new.biologic_infusion = "chemotherapy"
    new.save()
    with django_capture_on_commit_callbacks(execute=True):
        publish_policy_version(new, by=admin_user, note="Infliximab as complex")

    for name in ("open in range", "ready in range"):
        derivation = Derivation.objects.get(encounter=visits[name])
        assert derivation.derived_at > before[name], name
        assert derivation.policy_version == new
        assert derivation.by == admin_user
        assert "96413" in codes(visits[name])
    for name in ("finalised in range", "before the range", "other payer"):
        derivation = Derivation.objects.get(encounter=visits[name])
        assert derivation.derived_at == before[name], name
    assert "96365" in codes(visits["finalised in range"])

    run = Rederivation.objects.get(version=new)
    assert run.status == Rederivation.Status.DONE
    assert (run.total, run.done, run.failed, run.finalised_untouched) == (2, 2, 0, 1)
    assert run.percent == 100
    assert run.finished_at is not None


def test_a_broken_encounter_is_reported_and_the_others_still_run(
    payers, nurse, admin_user, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    place = world.location(nurse)
    medicare = payers["Medicare"]
    good = world.encounter(place, payer=medicare.name, day=date(2026, 9, 1))
    bad = world.encounter(place, payer=medicare.name, day=date(2026, 9, 2))
    from payers import tasks

    real = tasks.derive_encounter

    def derive_or_fail(encounter, **options):
        if encounter.pk == bad.pk:
            raise RuntimeError("the chart is unreadable")
        return real(encounter, **options)

    # The one stand-in in these tests: a failure the real code cannot be made
    # to produce on demand.
    monkeypatch.setattr(tasks, "derive_encounter", derive_or_fail)
    new = draft(medicare, date(2026, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        publish_policy_version(new, by=admin_user, note="September")
    run = Rederivation.objects.get(version=new)
    assert run.status == Rederivation.Status.FAILED
    assert (run.done, run.failed) == (1, 1)
    assert "the chart is unreadable" in run.problems
    assert Derivation.objects.filter(encounter=good).exists()
    assert not Derivation.objects.filter(encounter=bad).exists()


def test_retiring_a_version_takes_it_out_of_force_and_re_derives(
    as_admin, payers, nurse, django_capture_on_commit_callbacks
) -> None:
    from django.urls import reverse

    place = world.location(nurse)
    prairie = payers["Prairie Health Plan"]
    visit = infliximab_visit(
        place, nurse, payer=prairie.name, day=date(2026, 8, 3), status="coded"
    )
    version = prairie.policy_versions.get(number=1)
    url = reverse("payers:retire", args=[version.pk])
    assert as_admin.post(url, {"note": " "}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(url, {"note": "Published in error"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.RETIRED
    assert version.history.first().history_change_reason == (
        "Retired: Published in error"
    )
    assert PolicyVersion.objects.in_force(prairie, date(2026, 8, 3)) is None
    derivation = Derivation.objects.get(encounter=visit)
    assert derivation.policy_version is None  # the contract defaults now
    assert "96413" in codes(visit)
    assert as_admin.post(url, {"note": "Again"}).status_code == 409
