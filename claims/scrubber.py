"""The claim scrubber: before Finalise, what the 837 implementation guides
require and what Chairside knows a payer needs. Each gap is one sentence that
names the field to fix; any gap blocks Finalise, and all are said at once."""

from encounters.models import Encounter


def gaps(encounter: Encounter) -> list[str]:
    found: list[str] = []
    found += _replacement(encounter)
    return found


def _replacement(encounter: Encounter) -> list[str]:
    # A replacement (frequency 7) names the claim it replaces by the payer's
    # own number for it (REF*F8, 837 2300); without it the payer cannot match.
    opened = encounter.claims.filter(
        finalised_at__isnull=True, replaces__isnull=False
    ).select_related("replaces__payer_number")
    return [
        f"Record the payer's claim number of {claim.replaces.control_number} "
        "(Claims, below): its replacement names it."
        for claim in opened
        if claim.replaces is not None and not hasattr(claim.replaces, "payer_number")
    ]
