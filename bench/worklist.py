"""Worklist and export speed with 100,000 encounters in PostgreSQL.

    createdb -h 127.0.0.1 -U postgres chairside_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chairside_bench \\
        uv run python bench/worklist.py [--encounters 100000]

Migrates, loads the reference data and the demo, tops the database up to
the given number of encounters with generate_encounters, then prints the
median server time (request in, response out, through every middleware and
the template) of the first worklist page, a filtered page and a next page,
and the time to export 1,000 finalised office claims as an 837P, whose file
is then checked by pyx12 (not timed). Targets: pages at most 150 ms median,
the export at most 10 s.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from claims.exports import x12  # noqa: E402
from claims.models import Claim  # noqa: E402
from encounters.models import Encounter  # noqa: E402
from payers.models import Payer  # noqa: E402
from reference.models import Drug  # noqa: E402

RUNS = 30


def prepare(target: int) -> None:
    call_command("migrate", verbosity=0)
    if not Drug.objects.exists():
        call_command("load_reference_data", verbosity=0)
    if not User.objects.filter(username="coder").exists():
        call_command("seed_demo", verbosity=0)
    missing = target - Encounter.objects.count()
    if missing > 0:
        call_command("generate_encounters", count=missing, days=180)
    # What autovacuum does on a live database after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def median_ms(client: Client, url: str, params: dict[str, str]) -> tuple[float, str]:
    client.get(url, params, secure=True)  # warm what a running server has warm
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = client.get(url, params, secure=True)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), response.content.decode()


def total(page: str) -> int:
    found = re.search(r'data-testid="counts">\s*<strong>(\d+)</strong>', page)
    assert found is not None
    return int(found[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encounters", type=int, default=100_000)
    target = parser.parse_args().encounters
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    prepare(target)
    client = Client()
    client.force_login(User.objects.get(username="coder"))
    url = reverse("claims:worklist")
    count = Encounter.objects.count()
    print(f"PostgreSQL, {count:,} encounters, median of {RUNS} requests")

    first, page = median_ms(client, url, {})
    print(f"first worklist page:    {first:6.1f} ms  ({total(page):,} in the worklist)")
    medicaid = str(Payer.objects.get(name="Illinois Medicaid").pk)
    filtered = {
        "payer": medicaid,
        "findings": "attention",
        "status": "ready_for_coding",
    }
    ms, found = median_ms(client, url, filtered)
    print(f"filtered page:          {ms:6.1f} ms  ({total(found):,} match)")
    after = re.search(r"after=([0-9-]+_[0-9]+)", page)
    assert after is not None
    ms, _ = median_ms(client, url, {"after": after[1]})
    print(f"next page (keyset):     {ms:6.1f} ms")

    # The bulk path: a date range, the latest days that hold 1,000 claims.
    office = Claim.objects.current().filter(setting="office")
    days = list(
        office.order_by("-date_of_service").values_list("date_of_service", flat=True)
    )
    first_day, last_day = days[min(999, len(days) - 1)], days[0]
    began = time.perf_counter()
    response = client.get(
        reverse("claims:export"),
        {"format": "837p", "date_from": first_day, "date_to": last_day},
        secure=True,
    )
    took = time.perf_counter() - began
    text = response.content.decode()
    errors = x12.validate(text)
    print(
        f"837P of {text.count('CLM*'):,} claims:   {took:6.2f} s  "
        f"({len(text) / 1e6:.1f} MB, pyx12: {len(errors)} errors)"
    )


if __name__ == "__main__":
    main()
