"""Background re-derivation after a policy version is published.

Runs in the database-backed worker (`manage.py db_worker`, started by `make
run`); tests use Django's immediate backend. Finalised encounters are never
touched: their claims went out under the version they were coded with.
"""

import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from coding.services import derive_encounter
from encounters.models import Encounter
from payers.models import PolicyVersion, Rederivation, in_force_by_date

logger = logging.getLogger(__name__)


def start_rederivation(version: PolicyVersion, *, by: Any) -> Rederivation:
    run = Rederivation.objects.create(version=version, requested_by=by)
    result = rederive_encounters.enqueue(run.pk)
    # Only the task id: with the immediate backend the run has already
    # finished and saved its own counters.
    Rederivation.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return run


@task()
def rederive_encounters(rederivation_id: int) -> dict[str, int]:
    run = Rederivation.objects.select_related("version__payer", "requested_by").get(
        pk=rederivation_id
    )
    in_range = run.version.encounters_in_range()
    in_force = in_force_by_date(run.version.payer)
    pending = list(in_range.open().order_by("date", "pk").values_list("pk", flat=True))
    Rederivation.objects.filter(pk=run.pk).update(
        status=Rederivation.Status.RUNNING,
        total=len(pending),
        finalised_untouched=in_range.filter(status=Encounter.Status.FINALISED).count(),
    )
    problems: list[str] = []
    for pk in pending:
        try:
            with transaction.atomic():
                # Locked so a coder finalising at this moment either finishes
                # first (and the encounter is skipped) or waits for us. Only
                # the encounter's row is locked; its location and payer come
                # in the same query because the document needs both.
                encounter = (
                    Encounter.objects.select_for_update(of=("self",))
                    .select_related("location", "payer")
                    .get(pk=pk)
                )
                if encounter.status == Encounter.Status.FINALISED:
                    Rederivation.objects.filter(pk=run.pk).update(
                        total=F("total") - 1,
                        finalised_untouched=F("finalised_untouched") + 1,
                    )
                    continue
                derive_encounter(encounter, by=run.requested_by, in_force=in_force)
            Rederivation.objects.filter(pk=run.pk).update(done=F("done") + 1)
        except Exception as error:
            # One broken encounter must not stop the others; the admin sees it.
            logger.exception("Re-deriving encounter %s failed", pk)
            problems.append(f"Encounter {pk}: {error}")
            Rederivation.objects.filter(pk=run.pk).update(failed=F("failed") + 1)
    Rederivation.objects.filter(pk=run.pk).update(
        status=Rederivation.Status.FAILED if problems else Rederivation.Status.DONE,
        problems="\n".join(problems),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return {"done": run.done, "failed": run.failed, "total": run.total}
