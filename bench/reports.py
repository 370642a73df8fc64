"""How fast each report answers on 100,000 encounters in PostgreSQL.

    createdb -h 127.0.0.1 -U postgres chairside_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chairside_bench \\
        uv run python bench/reports.py [--encounters 100000]

Prepares the database as bench/worklist.py does, signs the demo manager in and
prints the median server time of each report (built as the page builds it, for
the last eight weeks and for half a year) and of the whole page, through
Django's test client. Target: each report at most 300 ms.
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

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from encounters.models import Encounter  # noqa: E402
from reference.models import Drug  # noqa: E402
from reports.report import Filters  # noqa: E402
from reports.views import KINDS  # noqa: E402

RUNS = 15


def prepare(encounters: int) -> None:
    call_command("migrate", verbosity=0)
    if not Drug.objects.exists():
        call_command("load_reference_data", verbosity=0)
    if not User.objects.filter(username="manager").exists():
        call_command("seed_demo", verbosity=0)
    missing = encounters - Encounter.objects.count()
    if missing > 0:
        call_command("generate_encounters", count=missing, days=180)


def median_ms(action: object) -> float:
    assert callable(action)
    action()
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encounters", type=int, default=100_000)
    options = parser.parse_args()
    prepare(options.encounters)
    manager = User.objects.get(username="manager")
    today = timezone.localdate()
    print(f"{Encounter.objects.count():,} encounters")
    for weeks in (8, 26):
        filters = Filters(
            user=manager, since=today - timedelta(weeks=weeks), until=today
        )
        print(f"last {weeks} weeks:")
        for slug, kind in KINDS.items():
            ms = median_ms(lambda kind=kind, filters=filters: kind.build(filters))
            print(f"  {slug}: {ms:.0f} ms")
    client = Client()
    client.force_login(manager)
    url = reverse("reports:reports")
    ms = median_ms(lambda: client.get(url, secure=True))
    print(f"the whole page, six reports, last 8 weeks: {ms:.0f} ms")


if __name__ == "__main__":
    main()
