"""Hydration time: what is left when every other administration is taken out.

R57: minutes during which hydration overlaps another infusion or push are not
hydration minutes. R35-R36: the remaining minutes of a visit are added up
(`hydration_segments: sum`) or each remaining segment is judged alone
(`separate`). R30: hydration needs 31 minutes to be reported at all.
"""

from chairside_engine.classification import HYDRATION, Service
from chairside_engine.intervals import (
    Interval,
    minutes,
    overlap,
    subtract,
    total,
    union,
)
from chairside_engine.parsing import Encounter
from chairside_engine.result import Finding, info


def hydration_runs(
    hydration: list[Service],
    others: list[Interval],
    encounter: Encounter,
    findings: list[Finding],
) -> list[Service]:
    """The hydration of one access group as runs to be coded, concurrency removed."""
    if not hydration:
        return []
    documented = union([i for s in hydration for i in s.intervals])
    remaining = subtract(documented, others)
    ids = tuple(a for s in hydration for a in s.admins)
    removed = minutes(total(documented)) - minutes(total(remaining))
    if removed > 0:
        findings.append(
            info(
                "hydration.concurrent",
                f"{removed} of {minutes(total(documented))} hydration minutes ran "
                "alongside other administrations and are not counted as hydration "
                "(R57).",
                ids,
            )
        )
    first = min(hydration, key=Service.sort_key)
    names = " + ".join(dict.fromkeys([s.names for s in hydration]))
    if encounter.policy.hydration_segments == "sum" or len(remaining) <= 1:
        pieces = [remaining] if remaining else []
    else:
        pieces = [[piece] for piece in remaining]  # R36 per_segment
    primary_reason = any(s.primary_reason for s in hydration)
    runs = []
    for piece in pieces:
        members = tuple(
            a for s in hydration if overlap(list(s.intervals), piece) for a in s.admins
        )
        runs.append(
            Service(
                kind=HYDRATION,
                family=first.family,
                category=first.category,
                admins=members or ids,
                site=first.site,
                visit=first.visit,
                intervals=tuple(piece),
                start=piece[0][0],
                minutes=minutes(total(piece)),
                drugs=first.drugs,
                names=names,
                primary_reason=primary_reason,
                discontinued=first.discontinued,
                lesions=first.lesions,
                pump=first.pump,
            )
        )
    return runs
