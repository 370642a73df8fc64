"""Export files as they are handed out, from the worklist or the command line:
the same bytes either way, and every 837 recorded with its control number."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from claims.exports.csv_claims import claims_csv
from claims.exports.fhir import claims_fhir
from claims.exports.x12 import claims_837
from claims.models import Claim, ExportRecord

FORMATS = ("837p", "837i", "fhir", "csv")
# An 837 carries one setting's claims: the professional claim is an office's,
# the institutional one a hospital's.
SETTING = {"837p": "office", "837i": "facility"}


@dataclass(frozen=True)
class ExportFile:
    body: str
    content_type: str
    name: str
    record: ExportRecord | None


def for_export(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """What every export reads of a claim, in a fixed number of queries."""
    return (
        claims.select_related("finalised_by", "replaces__payer_number")
        .prefetch_related("lines")
        .order_by("date_of_service", "pk")
    )


@transaction.atomic
def export_file(
    chosen: Sequence[Claim], fmt: str, *, now: datetime, by: Any | None
) -> ExportFile:
    """The file of `chosen` in `fmt`; an 837 is recorded first, so that its row
    number is the interchange control number written into it."""
    stamp = f"{now:%Y%m%d-%H%M%S}"
    if fmt == "csv":
        return ExportFile(claims_csv(chosen), "text/csv", f"claims-{stamp}.csv", None)
    if fmt == "fhir":
        body = claims_fhir(chosen, now=now)
        return ExportFile(body, "application/fhir+json", f"claims-{stamp}.json", None)
    record = ExportRecord.objects.create(format=fmt, created_by=by, created_at=now)
    name = f"claims-{stamp}-{record.control_number:09d}.{fmt}.x12"
    body = claims_837(
        chosen,
        institutional=fmt == "837i",
        now=now,
        control=record.control_number,
    )
    record.file_name = name
    record.sha256 = hashlib.sha256(body.encode()).hexdigest()
    record.save(update_fields=["file_name", "sha256"])
    record.claims.set(chosen)
    return ExportFile(body, "application/edi-x12", name, record)
