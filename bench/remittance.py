"""How long an 835 of 10,000 claims takes to import, and the denial worklist.

    createdb -h 127.0.0.1 -U postgres chairside_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chairside_bench \\
        uv run python bench/remittance.py [--claims 10000] [--encounters 100000]

Prepares the database as bench/worklist.py does (the reference data, the demo,
generate_encounters up to the number of encounters), then writes an 835 for
the latest finalised claims with the demo's writer (demo/x12_responses.py):
every line paid at the fee schedule except every tenth claim, whose last
administration line is denied CO-97. Prints the time to validate the file with
pyx12, to parse it, to match its claims and lines, and to record it (one
transaction), then the median server time of the denial worklist's first page.
The imported file is removed again, so the bench can run twice.
Targets: the import at most 90 s, the first page at most 150 ms.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from claims.models import (  # noqa: E402
    Adjustment,
    Claim,
    ClaimPayment,
    LinePayment,
    RemittanceFile,
)
from claims.remittance import read  # noqa: E402
from claims.remittance.recording import claims_named, record_interchange  # noqa: E402
from demo.remittance import payment, seed_fees  # noqa: E402
from demo.x12_responses import remittance_835  # noqa: E402
from encounters.models import Encounter  # noqa: E402
from reference.models import Drug  # noqa: E402

RUNS = 20


def prepare(encounters: int) -> None:
    call_command("migrate", verbosity=0)
    if not Drug.objects.exists():
        call_command("load_reference_data", verbosity=0)
    if not User.objects.filter(username="coder").exists():
        call_command("seed_demo", verbosity=0)
    missing = encounters - Encounter.objects.count()
    if missing > 0:
        call_command("generate_encounters", count=missing, days=180)
    seed_fees(by=User.objects.get(username="admin"))


def the_835(count: int) -> tuple[bytes, int]:
    claims = list(
        Claim.objects.current()
        .filter(payer__isnull=False)
        .select_related("encounter__patient", "payer")
        .prefetch_related("lines")
        .order_by("-date_of_service", "-pk")[:count]
    )
    payments = []
    for n, claim in enumerate(claims):
        administration = [
            ln.number for ln in claim.lines.all() if ln.kind == "administration"
        ]
        deny = administration[-1] if n % 10 == 0 and len(administration) > 1 else None
        payments.append(payment(claim, deny_line=deny, share=Decimal("0.80")))
    remittance = read.Remittance(
        payer_name="BENCH PAYER",
        payer_id="BENCH",
        payee_name="CHAIRSIDE BENCH",
        payee_npi="1234567893",
        method="ACH",
        total_paid=sum((p.paid for p in payments), Decimal("0.00")),
        paid_on=claims[0].date_of_service,
        trace_number="BENCH1",
        claims=tuple(payments),
    )
    text = remittance_835(
        remittance,
        sender="BENCHPAYER",
        receiver="CHAIRSIDE",
        control_number=999_000_001,
        created=datetime(2026, 12, 1, 6, 0),
    )
    lines = sum(len(p.services) for p in payments)
    return text.encode(), lines


def forget(file: RemittanceFile) -> None:
    with transaction.atomic():
        payments = ClaimPayment.objects.filter(file=file)
        Adjustment.objects.filter(claim_payment__in=payments).delete()
        LinePayment.objects.filter(claim_payment__in=payments).delete()
        payments.delete()
        file.delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--encounters", type=int, default=100_000)
    options = parser.parse_args()
    prepare(options.encounters)
    data, lines = the_835(options.claims)
    for old in RemittanceFile.objects.filter(sender="BENCHPAYER"):
        forget(old)

    began = time.perf_counter()
    interchange = read.read_x12(data)
    read_in = time.perf_counter() - began
    # pyx12's validation alone, again: what reading took beyond it is parsing.
    began = time.perf_counter()
    text = read.decoded(data)
    read.refuse_invalid(text, read.split(text, read.delimiters(text)))
    validation = time.perf_counter() - began
    parsed = read_in - validation
    numbers = [c.claim_number for t in interchange.transactions for c in t.claims]
    matching = time.perf_counter()
    claims_named(numbers)
    matched = time.perf_counter() - matching
    recording = time.perf_counter()
    imported = record_interchange(
        "bench.835", hashlib.sha256(data).hexdigest(), interchange
    )
    recorded = time.perf_counter() - recording

    print(f"835 of {len(numbers):,} claims, {lines:,} lines, {len(data) / 1e6:.1f} MB")
    print(f"  pyx12 validation: {validation:.1f} s")
    print(f"  parsing: {parsed:.1f} s")
    print(f"  matching claims by number: {matched:.1f} s")
    print(f"  matching lines and recording, one transaction: {recorded:.1f} s")
    print(f"  total: {read_in + recorded:.1f} s (target 90 s)")
    print(f"  {imported.sentence()}")

    client = Client()
    client.force_login(User.objects.get(username="coder"))
    url = reverse("claims:denials")
    client.get(url, secure=True)  # warm what a running server has warm
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    count = LinePayment.objects.to_work().count()
    print(
        f"denial worklist, first page of {count:,} lines: median "
        f"{statistics.median(times):.1f} ms (target 150 ms)"
    )
    forget(imported.file)


if __name__ == "__main__":
    main()
