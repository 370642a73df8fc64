"""The four demo payers and their published policy versions.

Every choice that differs from the contract's defaults names the public source
it rests on and its rule in shared/research/coding-rules.md, so the demo shows
real disagreements between payers, not invented ones.

The first versions were published before the contract had `facility_visit_code`
(version 1.1), so they report a hospital's visit as documented, as every
version published then does. Medicare's second version reports it as G0463.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from encounters.models import Patient
from payers.models import (
    Authorisation,
    AuthorisationRequirement,
    DrugOverride,
    Payer,
    PolicyVersion,
)
from payers.services import publish_policy_version

DEMO_FROM = date(2025, 1, 1)
AS_GIVEN = {"facility_visit_code": "as_given"}
# The infused and injected biologics of the demo, which commercial plans and
# Medicaid pay only with a prior authorisation: infliximab, omalizumab,
# pembrolizumab. Traditional Medicare asks none for Part B drugs.
BIOLOGICS = ("J1745", "J2357", "J9271")
AS_GIVEN_NOTE = (
    "Published before the contract's facility_visit_code (1.1): the visit level "
    "as documented, as this version always coded it, 99211 under R73 – R101."
)

DEMO_PAYERS: tuple[dict[str, Any], ...] = (
    {
        "name": "Medicare",
        "kind": Payer.Kind.MEDICARE,
        "payer_id": "DEMO-MEDICARE",
        # The contract's defaults are Medicare's reading of CMS and CPT; the
        # visit level as given until version 2.
        "values": AS_GIVEN,
        "notes": {"facility_visit_code": AS_GIVEN_NOTE},
        "overrides": (),
        "authorisation_codes": (),
        "publication_note": "Medicare: the contract's defaults (CMS IOM 100-04 "
        "ch.12 §30.5 and the CPT guidelines as restated by the MACs).",
        "later": (
            {
                "effective_from": date(2026, 1, 1),
                # The contract's default again: G0463 for the clinic visit.
                "values": {"facility_visit_code": "G0463"},
                "publication_note": "Medicare: the hospital clinic visit as G0463, "
                "with 25 beside drug administration, as CMS has required on the "
                "OPPS claim since 1 January 2014 – R101. Every other choice as "
                "in v1.",
            },
        ),
    },
    {
        "name": "Illinois Medicaid",
        "kind": Payer.Kind.MEDICAID,
        "payer_id": "DEMO-IL-MEDICAID",
        "values": {"ndc_required": True, "unit_rounding": "decimal", **AS_GIVEN},
        "notes": {
            "facility_visit_code": AS_GIVEN_NOTE,
            "ndc_required": "Medicaid must collect NDCs on physician-administered "
            "drugs (Deficit Reduction Act 2005; CMS SMD letter 06-016) – R86.",
            "unit_rounding": "Some Medicaid payers accept decimal drug units "
            "(HCPro, 'Correctly determining billing units for drugs') – R79.",
        },
        "overrides": (),
        "authorisation_codes": BIOLOGICS,
        "publication_note": "State Medicaid: NDC on every drug line, decimal units.",
    },
    {
        "name": "Prairie Health Plan",
        "kind": Payer.Kind.COMMERCIAL,
        "payer_id": "DEMO-PRAIRIE",
        "values": {
            "biologic_injection": "chemotherapy",
            "biologic_infusion": "therapeutic",
            **AS_GIVEN,
        },
        "notes": {
            "facility_visit_code": "Commercial payers may still accept the "
            "documented level on the hospital's claim (CMS requires G0463 only "
            "for Medicare) – R101.",
            "biologic_injection": "ACR (The Rheumatologist, '96372 vs 96401'): "
            "certolizumab → 96401; Genentech lists 96401 for omalizumab – R8.",
            "biologic_infusion": "Janssen reimbursement guide: commercial payers "
            "may require 96365/96366 for infliximab – R8.",
        },
        "overrides": (
            {
                "key": "J0897",
                "category": "therapeutic",
                "force_push": False,
                "note": "Denosumab (Prolia) → 96372: ACR and First Coast "
                "'Appropriate drug billing: Prolia' – R8.",
            },
        ),
        "authorisation_codes": BIOLOGICS,
        "publication_note": "Biologics paid as therapeutic infusions, complex "
        "injections; denosumab stays a therapeutic injection.",
    },
    {
        "name": "Lakeshore Mutual",
        "kind": Payer.Kind.COMMERCIAL,
        "payer_id": "DEMO-LAKESHORE",
        "values": {
            "hydration_segments": "separate",
            "missing_stop": "derive",
            **AS_GIVEN,
        },
        "notes": {
            "facility_visit_code": AS_GIVEN_NOTE,
            "hydration_segments": "A commercial payer refused to add a pre-chemo "
            "to a post-chemo hydration segment (AAPC forum, 'Billing hydration "
            "and chemotherapy') – R36.",
            "missing_stop": "Medicare Part A job aid as cited by ICD10monitor "
            "('When to start and stop: it's about time'): time from volume "
            "infused and rate – R93.",
        },
        "overrides": (
            {
                "key": "J0131",
                "category": "",
                "force_push": True,
                "note": "IV acetaminophen: a payer demanding 96374 for a "
                "30-minute infusion (AAPC Oncology Alert, 'Push your "
                "understanding of these IV codes') – R17.",
            },
            {
                "key": "acetaminophen",
                "category": "",
                "force_push": True,
                "note": "The same rule for documents that name the drug without "
                "its HCPCS code – R17.",
            },
        ),
        "authorisation_codes": BIOLOGICS,
        "publication_note": "Hydration pieces judged alone; IV acetaminophen "
        "always a push.",
    },
)


@transaction.atomic
def seed_payers() -> dict[str, Payer]:
    """Create the demo payers and, for a payer with no versions yet, its first
    published version; then each later demo version the payer has no version
    of that number for; and the codes it pays only with a prior authorisation,
    unless its list was ever kept. Run again, it changes nothing an admin has
    edited."""
    payers: dict[str, Payer] = {}
    for spec in DEMO_PAYERS:
        # get_or_create, not update_or_create: a rerun must not write (and
        # put an empty "changed" entry in the payer's history).
        payer, _ = Payer.objects.get_or_create(
            name=spec["name"],
            defaults={"kind": spec["kind"], "payer_id": spec["payer_id"]},
        )
        payers[payer.name] = payer
        if not payer.policy_versions.exists():
            first_version(payer, spec)
        for number, later in enumerate(spec.get("later", ()), start=2):
            if not payer.policy_versions.filter(number=number).exists():
                later_version(payer, number, later)
        # An admin who emptied the list meant it: its history says so.
        if not AuthorisationRequirement.history.filter(payer_id=payer.pk).exists():
            for code in spec["authorisation_codes"]:
                AuthorisationRequirement.objects.create(payer=payer, code=code)
    return payers


def authorise(
    patient: Patient,
    payer: Payer,
    *,
    number: str,
    codes: Iterable[str],
    units: Decimal | None,
    visits: int | None,
    since: date,
    until: date,
) -> None:
    """The patient's prior authorisation from the payer, for those of `codes`
    the payer lists (none when it lists none of them); made once, by its
    number."""
    listed = set(payer.authorisation_requirements.values_list("code", flat=True))
    needed = [code for code in codes if code in listed]
    if not needed:
        return
    Authorisation.objects.get_or_create(
        payer=payer,
        number=number,
        defaults={
            "patient": patient,
            "codes": needed,
            "units_approved": units,
            "visits_approved": visits,
            "effective_from": since,
            "effective_to": until,
        },
    )


def first_version(payer: Payer, spec: dict[str, Any]) -> None:
    version = PolicyVersion.objects.create(
        payer=payer,
        number=1,
        effective_from=DEMO_FROM,
        notes=spec["notes"],
        **spec["values"],
    )
    for override in spec["overrides"]:
        DrugOverride.objects.create(version=version, **override)
    version.status = PolicyVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.publication_note = spec["publication_note"]
    version.save()


def later_version(payer: Payer, number: int, spec: dict[str, Any]) -> None:
    """Made and published as an admin would: a draft from the version before
    with the changed choices (their old notes dropped), published so that the
    version before ends the day before and the payer's open encounters in its
    range are re-derived."""
    before = payer.policy_versions.get(number=number - 1)
    draft = before.start_draft(by=None, effective_from=spec["effective_from"])
    for name, value in spec["values"].items():
        setattr(draft, name, value)
        draft.notes.pop(name, None)
    draft.save()
    publish_policy_version(draft, by=None, note=spec["publication_note"])
