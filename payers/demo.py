"""The four demo payers and their published policy versions.

Every choice that differs from the contract's defaults names the public source
it rests on and its rule in shared/research/coding-rules.md, so the demo shows
real disagreements between payers, not invented ones.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from payers.models import DrugOverride, Payer, PolicyVersion

DEMO_FROM = date(2025, 1, 1)

DEMO_PAYERS: tuple[dict[str, Any], ...] = (
    {
        "name": "Medicare",
        "kind": Payer.Kind.MEDICARE,
        "payer_id": "DEMO-MEDICARE",
        # The contract's defaults are Medicare's reading of CMS and CPT.
        "values": {},
        "notes": {},
        "overrides": (),
        "publication_note": "Medicare: the contract's defaults (CMS IOM 100-04 "
        "ch.12 §30.5 and the CPT guidelines as restated by the MACs).",
    },
    {
        "name": "Illinois Medicaid",
        "kind": Payer.Kind.MEDICAID,
        "payer_id": "DEMO-IL-MEDICAID",
        "values": {"ndc_required": True, "unit_rounding": "decimal"},
        "notes": {
            "ndc_required": "Medicaid must collect NDCs on physician-administered "
            "drugs (Deficit Reduction Act 2005; CMS SMD letter 06-016) – R86.",
            "unit_rounding": "Some Medicaid payers accept decimal drug units "
            "(HCPro, 'Correctly determining billing units for drugs') – R79.",
        },
        "overrides": (),
        "publication_note": "State Medicaid: NDC on every drug line, decimal units.",
    },
    {
        "name": "Prairie Health Plan",
        "kind": Payer.Kind.COMMERCIAL,
        "payer_id": "DEMO-PRAIRIE",
        "values": {
            "biologic_injection": "chemotherapy",
            "biologic_infusion": "therapeutic",
        },
        "notes": {
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
        "publication_note": "Biologics paid as therapeutic infusions, complex "
        "injections; denosumab stays a therapeutic injection.",
    },
    {
        "name": "Lakeshore Mutual",
        "kind": Payer.Kind.COMMERCIAL,
        "payer_id": "DEMO-LAKESHORE",
        "values": {"hydration_segments": "separate", "missing_stop": "derive"},
        "notes": {
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
        "publication_note": "Hydration pieces judged alone; IV acetaminophen "
        "always a push.",
    },
)


@transaction.atomic
def seed_payers() -> dict[str, Payer]:
    """Create the demo payers and, for a payer with no versions yet, its first
    published version. Run again, it changes nothing an admin has edited."""
    payers: dict[str, Payer] = {}
    for spec in DEMO_PAYERS:
        # get_or_create, not update_or_create: a rerun must not write (and
        # put an empty "changed" entry in the payer's history).
        payer, _ = Payer.objects.get_or_create(
            name=spec["name"],
            defaults={"kind": spec["kind"], "payer_id": spec["payer_id"]},
        )
        payers[payer.name] = payer
        if payer.policy_versions.exists():
            continue
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
    return payers
