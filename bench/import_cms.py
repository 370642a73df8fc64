"""How long CMS's national files take to import.

    createdb -h 127.0.0.1 -U postgres chairside_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chairside_bench \\
        uv run python bench/import_cms.py

Writes files of national size in CMS's layouts (tests/reference/cms_fixtures.py,
the writers the tests use; nothing is downloaded): an MUE table of 15,000 codes
and a PTP part of 500,000 pairs as CMS's tab-delimited text, zipped, of which
an infusion centre keeps a few thousand. Imports each with `manage.py
import_cms` into a dated edition far in the future (2099), prints the time, and
removes the edition again. Target: a national file in seconds.
"""

import os
import sys
import tempfile
import time
from datetime import date
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from reference.models import ReferenceEdition  # noqa: E402
from tests.reference import cms_fixtures as cms  # noqa: E402

STARTS = date(2099, 1, 1)
# Codes an infusion centre keeps, and surgery codes it does not.
OURS = [str(code) for code in range(96360, 96550)] + [
    f"J{n:04}" for n in range(0, 9999, 7)
]
THEIRS = [str(code) for code in range(10000, 69999)]


def national_mue() -> bytes:
    codes = (OURS + THEIRS)[:15_000]
    return cms.mue_csv([(code, 3, 3, "Clinical: Data") for code in codes])


def national_ptp() -> bytes:
    rows = []
    everyone = OURS + THEIRS
    n = 0
    while len(rows) < 500_000:
        first = everyone[n % len(everyone)]
        second = everyone[(n * 7 + 13) % len(everyone)]
        if first != second:
            rows.append((first, second, date(2010, 1, 1), None, n % 2, "Standards"))
        n += 1
    return cms.zip_of({"ccipra-v991r0-f1.txt": cms.ptp_txt(rows)})


def timed(*args: str) -> float:
    began = time.perf_counter()
    call_command("import_cms", *args, stdout=StringIO())
    return time.perf_counter() - began


def main() -> None:
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        mue = Path(folder) / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv"
        mue.write_bytes(national_mue())
        ptp = Path(folder) / "ccipra-v991r0-f1.zip"
        ptp.write_bytes(national_ptp())
        try:
            print(f"MUE, 15,000 codes (csv): {timed(str(mue)):.2f} s")
            seconds = timed(str(ptp), "--effective", STARTS.isoformat())
            print(f"PTP part, 500,000 pairs (zipped txt): {seconds:.2f} s")
            for edition in ReferenceEdition.objects.filter(effective=STARTS):
                print(
                    f"  {edition.table}: kept {edition.rows:,} of {edition.rows_read:,}"
                )
        finally:
            for edition in ReferenceEdition.objects.filter(effective=STARTS):
                ReferenceEdition.objects.filter(pk=edition.pk).delete()
            ReferenceEdition.objects.filter(ends=date(2098, 12, 31)).update(ends=None)


if __name__ == "__main__":
    main()
