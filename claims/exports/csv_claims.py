"""Finalised claims as CSV, one row per claim line, for spreadsheets and
billing systems that take a flat file."""

import csv
import io
from collections.abc import Sequence

from claims.models import Claim

COLUMNS = [
    "claim",
    "version",
    "frequency_code",
    "replaces",
    "visit_number",
    "date_of_service",
    "setting",
    "patient_mrn",
    "patient_name",
    "payer",
    "line",
    "code",
    "modifiers",
    "units",
    "revenue_code",
    "ndc",
    "ndc_quantity",
    "ndc_unit",
    "charge",
    "diagnosis_pointers",
    "diagnoses",
    "explanation",
    "override_reason",
    "policy",
    "engine_version",
    "finalised_at",
    "finalised_by",
]


def claims_csv(claims: Sequence[Claim]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for claim in claims:
        # Exports take finalised claims, dated when they were finalised.
        assert claim.date_of_service is not None
        assert claim.finalised_at is not None
        parties = claim.parties
        codes = {d["rank"]: d["code"] for d in claim.diagnoses}
        for line in claim.lines.all():
            writer.writerow(
                [
                    claim.control_number,
                    claim.version,
                    claim.frequency_code,
                    claim.replaces.control_number if claim.replaces is not None else "",
                    parties["visit_number"],
                    claim.date_of_service.isoformat(),
                    claim.setting,
                    parties["patient"]["mrn"],
                    parties["patient"]["name"],
                    parties["payer"]["name"],
                    line.number,
                    line.code,
                    " ".join(line.modifiers),
                    f"{line.units.normalize():f}",
                    line.revenue_code,
                    line.ndc,
                    ""
                    if line.ndc_quantity is None
                    else f"{line.ndc_quantity.normalize():f}",
                    line.ndc_unit,
                    f"{line.charge:.2f}",
                    " ".join(codes.get(p, "") for p in line.pointers),
                    " ".join(d["code"] for d in claim.diagnoses),
                    line.explanation,
                    line.override_reason,
                    claim.policy_label,
                    claim.engine_version,
                    claim.finalised_at.isoformat(),
                    claim.finalised_by.get_username() if claim.finalised_by else "",
                ]
            )
    return out.getvalue()
