"""Server time of one tap: `DATABASE_URL=postgres://… uv run python bench/capture.py`.

For an encounter with 10 administrations, times the Start and the Stop
requests through Django's test client (the whole server side: middleware,
session, role check, the event and the version in one transaction, the
re-derivation through the engine, the stored Derivation and the rendered
workspace with the codes panel and the timeline), and prints the median, the
90th percentile and the queries of each. Target: median at most 25 ms.

It builds its own throwaway database (`test_<name>`, dropped at the end), so it
never touches the data of DATABASE_URL. Options: `--rounds N` (default 200).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.roles import Role  # noqa: E402
from coding.services import derive_encounter  # noqa: E402
from demo.payers import seed_payers  # noqa: E402
from encounters.clock import clock  # noqa: E402
from encounters.models import Administration, Encounter, Method  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.encounters import world  # noqa: E402
from tests.encounters.world import HTMX  # noqa: E402

# A FOLFOX-like chair: pushes, chemotherapy, leucovorin, fluids, on two sites.
CODES = ("J2405", "J1100", "J9263", "J0640", "J9190", "J7050")
DOSES = {
    "J2405": (16, "mg"),
    "J1100": (12, "mg"),
    "J9263": (170, "mg"),
    "J0640": (800, "mg"),
    "J9190": (800, "mg"),
    "J7050": (250, "mL"),
}


def encounter_with_nine(nurse, drugs) -> tuple[Encounter, Administration]:
    """Nine administrations already given, the tenth ready to start."""
    visit = world.encounter(world.location(nurse))
    port, arm = world.site(visit, nurse, "port"), world.site(visit, nurse, "arm")
    start = clock.now() - timedelta(hours=4)
    for n in range(9):
        timed = n % 3 != 0
        code = CODES[n % len(CODES)]
        a = Administration.objects.create(
            encounter=visit,
            drug=drugs[code],
            method=Method.INFUSION if timed else Method.PUSH,
            site=port if n % 2 else arm,
            dose_amount=DOSES[code][0],
            dose_unit=DOSES[code][1],
            created_by=nurse,
        )
        a.start(at=start + timedelta(minutes=10 * n), by=nurse, key=world.key())
        if timed:
            a.stop(at=start + timedelta(minutes=10 * n + 35), by=nurse, key=world.key())
    target = Administration.objects.create(
        encounter=visit,
        drug=drugs["J9263"],
        site=port,
        dose_amount=170,
        dose_unit="mg",
        created_by=nurse,
    )
    derive_encounter(visit)
    return visit, target


def timed_post(client: Client, url: str, data: dict) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.post(url, data, **HTMX)
        elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.content[:300]
    # A real result, not the short path of an invalid document.
    assert b'data-code="J9263"' in response.content, response.content[-2000:]
    return elapsed * 1000, len(queries)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(rounds: int) -> None:
    nurse = make_user("bench-nurse", Role.NURSE)
    seed_payers()  # Medicare with its published policy version
    drugs = world.formulary(*CODES)
    client = Client()
    client.force_login(nurse)
    times: dict[str, list[float]] = {"start": [], "stop": []}
    queries: dict[str, set[int]] = {"start": set(), "stop": set()}
    for _ in range(rounds):
        visit, target = encounter_with_nine(nurse, drugs)
        client.get(visit.get_absolute_url())
        for verb in ("start", "stop"):
            url = reverse(f"encounters:{verb}", args=[visit.pk, target.pk])
            elapsed, count = timed_post(client, url, world.post_data(visit))
            times[verb].append(elapsed)
            queries[verb].add(count)
            clock.advance(timedelta(minutes=95))
    print(f"database: PostgreSQL {connection.pg_version // 10000}")
    print(f"rounds: {rounds}, encounter with 10 administrations, 2 sites")
    for verb, values in times.items():
        print(
            f"{verb:5}  median {statistics.median(values):5.1f} ms  "
            f"p90 {percentile(values, 0.9):5.1f} ms  "
            f"queries {'/'.join(map(str, sorted(queries[verb])))}"
        )
    both = times["start"] + times["stop"]
    verdict = "met" if statistics.median(both) <= 25 else "NOT met"
    print(f"both   median {statistics.median(both):5.1f} ms  target 25 ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL=postgres://… : the figure is for PostgreSQL.")
        sys.exit(2)
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
