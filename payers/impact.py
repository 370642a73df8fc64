"""What publishing a draft, or a CMS edition taking effect, would change:
past encounters coded as they are and as they would be, summed by code and
priced from the price list. Nothing is saved."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q

from chairside_engine import derive
from chairside_engine import policy as chairside_policy
from chairside_engine.tables import Reference
from claims.models import Charge, PriceBook
from claims.services import charge
from coding.documents import build_document
from encounters.models import Administration, Encounter
from payers.comparison import line_key
from payers.models import Payer, PolicyVersion, in_force_by_date
from payers.policy_keys import POLICY_KEYS
from reference.in_force import Editions
from reference.models import DrugCategory

# A replay runs in the request: enough encounters to show the effect of a
# choice, few enough to answer in a couple of seconds.
REPLAY_LIMIT = 300
DONE = (
    Encounter.Status.DOCUMENTED,
    Encounter.Status.READY_FOR_CODING,
    Encounter.Status.CODED,
    Encounter.Status.FINALISED,
)
ZERO = Decimal("0.00")
# Encounters finalised longer ago than this are settled: a new edition is not
# replayed on them.
RECENT = timedelta(days=90)


@dataclass
class CodeChange:
    code: str
    units_before: Decimal = ZERO
    units_after: Decimal = ZERO
    charge_before: Decimal = ZERO
    charge_after: Decimal = ZERO

    @property
    def units_delta(self) -> Decimal:
        return self.units_after - self.units_before

    @property
    def charge_delta(self) -> Decimal:
        return self.charge_after - self.charge_before


@dataclass
class Impact:
    since: date
    until: date
    compared: int = 0
    more: bool = False  # there were more encounters than REPLAY_LIMIT
    changed: list[Encounter] = field(default_factory=list)
    invalid: int = 0  # encounters the engine refused under either policy
    codes: dict[str, CodeChange] = field(default_factory=dict)

    @property
    def changed_codes(self) -> list[CodeChange]:
        return [c for c in self.codes.values() if c.units_delta or c.charge_delta]

    @property
    def charge_before(self) -> Decimal:
        return sum((c.charge_before for c in self.codes.values()), ZERO)

    @property
    def charge_after(self) -> Decimal:
        return sum((c.charge_after for c in self.codes.values()), ZERO)

    @property
    def charge_delta(self) -> Decimal:
        return self.charge_after - self.charge_before


def replay(draft: PolicyVersion, *, since: date, until: date) -> Impact:
    encounters = list(
        Encounter.objects.filter(
            payer=draft.payer, date__range=(since, until), status__in=DONE
        )
        .select_related("location", "payer", "patient")
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.select_related("drug", "site").order_by(
                    "pk"
                ),
            )
        )
        .order_by("-date", "-pk")[: REPLAY_LIMIT + 1]
    )
    impact = Impact(since, until, more=len(encounters) > REPLAY_LIMIT)
    prices = Charge.objects.book()
    policy = draft.policy_document()
    in_force = in_force_by_date(draft.payer)
    editions = Editions()

    for encounter in encounters[:REPLAY_LIMIT]:
        built = build_document(
            encounter,
            list(encounter.administrations.all()),
            in_force=in_force,
            editions=editions,
        )
        document = built.document
        before = derive(document, reference=built.reference)
        after = derive({**document, "policy": policy}, reference=built.reference)
        impact.compared += 1
        if "errors" in before or "errors" in after:
            impact.invalid += 1
            continue
        if _claim(before) != _claim(after):
            impact.changed.append(encounter)
        _add(impact, before["lines"], encounter.date, prices, after=False)
        _add(impact, after["lines"], encounter.date, prices, after=True)
    return impact


def replay_editions(starts: date, *, today: date) -> Impact:
    """Open encounters, and those of the last 90 days, coded with the CMS
    editions in force on their own dates and with those in force from
    `starts`: the ones that would be coded or edited differently."""
    since = today - RECENT
    encounters = list(
        Encounter.objects.filter(status__in=DONE)
        .filter(~Q(status=Encounter.Status.FINALISED) | Q(date__gte=since))
        .select_related("location", "payer", "patient")
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.select_related("drug", "site").order_by(
                    "pk"
                ),
            )
        )
        .order_by("-date", "-pk")[: REPLAY_LIMIT + 1]
    )
    impact = Impact(since, today, more=len(encounters) > REPLAY_LIMIT)
    prices = Charge.objects.book()
    editions, upcoming = Editions(), Editions(at=starts)
    for encounter in encounters[:REPLAY_LIMIT]:
        given = list(encounter.administrations.all())
        built = build_document(encounter, given, editions=editions)
        # Built again with next quarter's billing units, and derived with its
        # tables.
        later = build_document(encounter, given, editions=upcoming)
        after_reference = later.reference
        before = derive(built.document, reference=built.reference)
        after = derive(later.document, reference=after_reference)
        impact.compared += 1
        if "errors" in before or "errors" in after:
            impact.invalid += 1
            continue
        if _claim(before) != _claim(after) or _edits(before, built.reference) != _edits(
            after, after_reference
        ):
            impact.changed.append(encounter)
        _add(impact, before["lines"], encounter.date, prices, after=False)
        _add(impact, after["lines"], encounter.date, prices, after=True)
    return impact


def _claim(result: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    return Counter(line_key(line) for line in result["lines"])


def _edits(result: dict[str, Any], reference: Reference) -> Counter[tuple[Any, ...]]:
    """The edit findings, without the editions they name: every finding of a
    new edition names it, which alone is no change."""
    labels = [edition.label() for edition in reference.editions.values()]
    edits: Counter[tuple[Any, ...]] = Counter()
    for finding in result["findings"]:
        if not str(finding.get("code", "")).startswith("edit."):
            continue
        message = str(finding.get("message", ""))
        for label in labels:
            message = message.replace(label, "")
        edits[
            (finding["code"], message, tuple(finding.get("administrations", [])))
        ] += 1
    return edits


def _add(
    impact: Impact,
    lines: list[dict[str, Any]],
    day: date,
    prices: PriceBook,
    *,
    after: bool,
) -> None:
    for line in lines:
        change = impact.codes.setdefault(line["code"], CodeChange(line["code"]))
        units = Decimal(str(line["units"]))
        amount = charge(prices, line["code"], units, day)
        if after:
            change.units_after += units
            change.charge_after += amount
        else:
            change.units_before += units
            change.charge_before += amount


# The drugs whose family payers argue over, and the families they choose from.
DEBATED_DRUGS = (DrugCategory.BIOLOGIC, DrugCategory.HORMONAL_ANTINEOPLASTIC)
DEBATED = (
    DrugCategory.BIOLOGIC,
    DrugCategory.THERAPEUTIC,
    DrugCategory.CHEMOTHERAPY,
    DrugCategory.HORMONAL_ANTINEOPLASTIC,
)


@dataclass
class Cause:
    """The policy choice that produced a pattern of lines, and its other value."""

    key: str  # a policy key, or "drug_overrides"
    drug: str  # the HCPCS code of an override; "" for a policy key
    before: str
    after: str
    sentence: str


def cause_of(payer: Payer, code: str, encounters: list[Encounter]) -> Cause | None:
    """The payer policy key, or drug override, whose other value takes `code`
    off these encounters' claims while their administrations are still coded:
    each key and value tried on each encounter through the engine."""
    in_force = in_force_by_date(payer)
    editions = Editions()
    built = [
        build_document(
            e, list(e.administrations.all()), in_force=in_force, editions=editions
        )
        for e in encounters[:20]
    ]
    if not built:
        return None

    # What each encounter's claim is now, derived once: the administrations
    # behind the denied code must still be coded after the change.
    behind_code = []
    for b in built:
        now = derive(b.document, reference=b.reference)
        if "errors" in now:
            return None
        behind_code.append(
            {
                a
                for ln in now["lines"]
                if ln["code"] == code
                for a in ln["administrations"]
            }
        )

    def answers(policy_change: dict[str, Any]) -> bool:
        for b, given in zip(built, behind_code, strict=True):
            result = derive(
                {**b.document, "policy": {**b.document["policy"], **policy_change}},
                reference=b.reference,
            )
            if "errors" in result:
                return False
            if any(ln["code"] == code for ln in result["lines"]):
                return False
            still = {a for ln in result["lines"] for a in ln["administrations"]}
            if not given <= still:
                return False
        return True

    policy = built[0].document["policy"]
    for key in POLICY_KEYS:
        if key.name not in chairside_policy.CHOICES:
            continue
        current = policy.get(key.name, chairside_policy.CHOICES[key.name][0])
        for value in chairside_policy.CHOICES[key.name]:
            if value != current and answers({key.name: value}):
                return Cause(
                    key=key.name,
                    drug="",
                    before=str(current),
                    after=value,
                    sentence=f"{key.label}: {key.words.get(current, current)} → "
                    f"{key.words.get(value, value)}",
                )
    # Payers differ over the family of biologics and hormonal antineoplastics
    # (R6-R8); calling an antiemetic chemotherapy would answer a denial with
    # a wrong claim, so no other drug's category is tried.
    drugs = {
        a.drug.hcpcs
        for e in encounters[:20]
        for a in e.administrations.all()
        if a.drug is not None and a.drug.category in DEBATED_DRUGS
    }
    overrides = policy.get("drug_overrides", {})
    for hcpcs in sorted(drugs):
        for category in DEBATED:
            change = {"drug_overrides": {**overrides, hcpcs: {"category": category}}}
            if answers(change):
                return Cause(
                    key="drug_overrides",
                    drug=hcpcs,
                    before=str(overrides.get(hcpcs, {}).get("category", "formulary")),
                    after=category,
                    sentence=f"{hcpcs} counted as {DrugCategory(category).label}",
                )
    return None
