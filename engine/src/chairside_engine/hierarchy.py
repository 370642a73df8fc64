"""Choosing the initial service (section D, R40-R47).

One initial service per visit and access: sites without a documented reason for
separate access share one; each site with such a reason has its own (R41, R46);
a later visit the same day has its own (R47). The facility always ranks by the
hierarchy (R42); the office takes the service that was the primary reason for
the visit where one is marked (R43), else the hierarchy with a review flag (R44).
"""

from typing import Final, final

from chairside_engine.classification import (
    CHEMO,
    FAMILY_RANK,
    HYDRATION,
    INFUSION,
    Service,
)
from chairside_engine.parsing import Encounter
from chairside_engine.result import Finding, info, warning

SHARED: Final = ""  # the access key of all sites without a separate-access reason

# R42: chemotherapy before therapeutic before hydration; infusions before pushes.
RANK_WORDS: Final = {
    (CHEMO, INFUSION): "Chemotherapy infusion",
    (CHEMO, "push"): "Chemotherapy push",
    ("therapeutic", INFUSION): "Therapeutic infusion",
    ("therapeutic", "push"): "Therapeutic push",
    (HYDRATION, HYDRATION): "Hydration",
}


def rank(service: Service) -> tuple[int, int, int, int, str]:
    # R44: within a rank the earliest is initial; at the same start, the longer.
    return (
        FAMILY_RANK[service.family],
        0 if service.kind != "push" else 1,
        service.start,
        -service.minutes,
        service.admins[0],
    )


# A final class with Final attributes, as result.Line explains.
@final
class AccessGroup:
    def __init__(
        self,
        *,
        visit: str,
        access: str,  # SHARED or the id of a site with a separate-access reason
        services: tuple[Service, ...],
    ) -> None:
        self.visit: Final = visit
        self.access: Final = access
        self.services: Final = services


def access_groups(services: list[Service], encounter: Encounter) -> list[AccessGroup]:
    """IV services grouped by visit and access, in the order they are reported."""
    grouped: dict[tuple[str, str], list[Service]] = {}
    for service in services:
        site = encounter.sites.get(service.site or "")
        access = site.id if site is not None and site.separate_access_reason else SHARED
        grouped.setdefault((service.visit, access), []).append(service)
    if len(grouped) == 1:
        [((visit, access), members)] = grouped.items()
        return [AccessGroup(visit=visit, access=access, services=tuple(members))]
    visits_in_order = sorted(
        {visit for visit, _ in grouped},
        key=lambda v: min(
            s.start for (vv, _), ss in grouped.items() if vv == v for s in ss
        ),
    )
    out: list[AccessGroup] = []
    for visit in visits_in_order:
        keys = [key for key in grouped if key[0] == visit]
        # The access holding the best-ranked service is reported first.
        keys.sort(key=lambda key: min(rank(s) for s in grouped[key]))
        for key in keys:
            out.append(
                AccessGroup(visit=visit, access=key[1], services=tuple(grouped[key]))
            )
    return out


def choose_initial(
    candidates: list[Service],
    encounter: Encounter,
    findings: list[Finding],
    short_primary: Service | None = None,
) -> Service | None:
    """The initial service among `candidates`; `short_primary` is hydration marked
    as the primary reason that fell short of the 31 minutes it needs (R30)."""
    if not candidates:
        return None
    by_rank = min(candidates, key=rank)
    ids = tuple(s for c in candidates for s in c.admins)
    words = RANK_WORDS[(by_rank.family, by_rank.kind)]
    if (
        encounter.setting == "facility"
        or encounter.policy.initial_service == "hierarchy"
    ):
        where = "facility" if encounter.setting == "facility" else "payer's"
        findings.append(
            info(
                "initial.hierarchy",
                f"{words} ranks first in the {where} hierarchy (R42).",
                by_rank.admins,
            )
        )
        return by_rank
    marked = [s for s in candidates if s.primary_reason]
    if not marked:
        if short_primary is not None:
            findings.append(
                warning(
                    "initial.primary_reason_too_short",
                    f"Hydration with {short_primary.names} is marked as the primary "
                    f"reason but counts only {short_primary.minutes} minutes of its "
                    f"own, short of 31 (R30): the {words.lower()} is initial (R44).",
                    short_primary.admins + by_rank.admins,
                )
            )
        elif len({(s.family, s.kind) for s in candidates}) > 1:
            findings.append(
                warning(
                    "initial.no_primary_reason",
                    "No administration is marked as the primary reason for the visit: "
                    f"the hierarchy chose the {words.lower()} as initial service; "
                    "confirm it against the order (R44).",
                    ids,
                )
            )
        return by_rank
    chosen = min(marked, key=rank)
    if by_rank.family == CHEMO and (
        chosen.family != CHEMO or (by_rank.kind == INFUSION and chosen.kind != INFUSION)
    ):
        # R60: a chemotherapy push after the initial service needs 96409 or 96413
        # on the claim, a chemotherapy infusion's 96417 and 96415 need 96413: any
        # other primary reason would leave them unpaid.
        findings.append(
            warning(
                "initial.primary_reason_overruled",
                f"{chosen.names} is marked as the primary reason, but the "
                f"{words.lower()} given too needs to be the initial service for its "
                "own codes to be paid, so it is initial (R42, R60).",
                chosen.admins + by_rank.admins,
            )
        )
        return by_rank
    findings.append(
        info(
            "initial.primary_reason",
            f"{chosen.names} was the primary reason for the office visit (R43).",
            chosen.admins,
        )
    )
    return chosen
