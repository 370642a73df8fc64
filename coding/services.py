"""Workflows of the coding app that cross models: deriving an encounter's codes."""

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from coding.documents import Built, app_ids, build_document, policy_in_force
from coding.models import Derivation

if TYPE_CHECKING:
    from encounters.models import Administration, Encounter, IVSite
    from payers.models import PolicyVersion


def derive_encounter(
    encounter: "Encounter",
    *,
    by: Any = None,
    administrations: Sequence["Administration"] | None = None,
    sites: Iterable["IVSite"] | None = None,
    in_force: Callable[["Encounter"], "PolicyVersion | None"] = policy_in_force,
) -> Derivation:
    """Run the engine on the encounter under the policy in force and keep the
    result as the encounter's latest Derivation.

    What the contract cannot carry (a drug nobody has reviewed, an
    administration not yet started) is added to the findings, marked with a
    `chairside.` code, so the result shows everything a coder must look at.
    """
    built = build_document(encounter, administrations, sites, in_force=in_force)
    derivation = derivation_of(
        encounter, engine_result(built), built.policy_version, by=by
    )
    derivation.save()
    return derivation


def engine_result(built: Built) -> dict[str, Any]:
    """The engine's result for a built document, its ids the app's own, with
    the app's findings (`chairside.` codes) in front."""
    from chairside_engine import derive

    result = app_ids(derive(built.document, reference=built.reference))
    if built.findings:
        result["findings"] = [*built.findings, *result.get("findings", [])]
    return result


def derivation_of(
    encounter: "Encounter",
    result: dict[str, Any],
    version: "PolicyVersion | None",
    *,
    by: Any = None,
) -> Derivation:
    """An (unsaved) Derivation holding `result`, labelled with its version."""
    return Derivation(
        encounter=encounter,
        result=result,
        policy_version=version,
        policy_label=str(version) if version is not None else "contract defaults",
        engine_version=str(result.get("engine", {}).get("version", "")),
        derived_at=timezone.now(),
        by=by if by is not None and by.is_authenticated else None,
        **Derivation.summary_of(result),
    )
