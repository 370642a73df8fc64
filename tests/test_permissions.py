"""Every URL of the project × every role → the outcome that role must get.

The table is written out by hand on purpose: a new URL pattern without a row
here fails `test_every_url_pattern_is_in_the_matrix`, and a view that forgets
its role check fails the matrix itself.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ApiToken
from accounts.roles import Role
from demo.payers import seed_payers
from tests.conftest import client_for, make_user

LOGIN = "login"  # redirected to the login page


def demo_payer() -> int:
    return seed_payers()["Prairie Health Plan"].pk


def demo_published() -> int:
    return seed_payers()["Prairie Health Plan"].policy_versions.get(number=1).pk


def demo_draft() -> int:
    payer = seed_payers()["Prairie Health Plan"]
    return payer.policy_versions.get(number=1).start_draft(by=None).pk


def demo_requirement() -> int:
    """Infliximab on Prairie Health Plan's prior authorisation list."""
    payer = seed_payers()["Prairie Health Plan"]
    return payer.authorisation_requirements.get(code="J1745").pk


def demo_patient() -> int:
    from encounters.models import Patient
    from tests.encounters import registry

    found = Patient.objects.filter(mrn="MRN-MATRIX").first()
    return (found or registry.patient("MRN-MATRIX")).pk


def demo_coverage() -> int:
    from encounters.models import Patient
    from tests.encounters import registry

    return registry.coverage(Patient.objects.get(pk=demo_patient())).pk


def demo_token() -> int:
    user = User.objects.create_user("integration")
    return ApiToken.issue(user=user, name="lab feed", by=user)[0].pk


def demo_encounter() -> int:
    """An encounter at a centre where the matrix's nurse works."""
    from encounters.models import Encounter
    from tests.encounters import world

    found = Encounter.objects.filter(location__name="Matrix centre").first()
    if found is None:
        nurse = User.objects.get(username="nurse")
        found = world.encounter(world.location(nurse, name="Matrix centre"))
    return found.pk


def demo_administration() -> int:
    from encounters.models import Administration, Encounter
    from tests.encounters import world

    visit = Encounter.objects.get(pk=demo_encounter())
    drug = world.formulary("J7050")["J7050"]
    return Administration.objects.get_or_create(
        encounter=visit,
        drug=drug,
        defaults={"created_by": User.objects.get(username="nurse")},
    )[0].pk


def demo_coding_encounter() -> int:
    """The matrix encounter, with the coder and the admin on its centre's staff."""
    from encounters.models import Encounter

    pk = demo_encounter()
    place = Encounter.objects.get(pk=pk).location
    place.staff.add(*User.objects.filter(username__in=["coder", "admin"]))
    return pk


def demo_diagnosis() -> int:
    from claims.models import Diagnosis

    return Diagnosis.objects.get_or_create(
        encounter_id=demo_coding_encounter(),
        rank=1,
        defaults={
            "code": "C18.9",
            "description": "Malignant neoplasm of colon, unspecified",
            "added_by": User.objects.get(username="coder"),
        },
    )[0].pk


def demo_claim() -> int:
    from claims.models import Claim

    return Claim.objects.get_or_create(encounter_id=demo_coding_encounter())[0].pk


def demo_override() -> int:
    from claims.models import Override

    return Override.objects.get_or_create(
        encounter_id=demo_coding_encounter(),
        defaults={
            "action": Override.Action.ADD,
            "code": "96360",
            "reason": "matrix",
            "by": User.objects.get(username="coder"),
        },
    )[0].pk


@dataclass(frozen=True)
class Row:
    anonymous: int | str
    nurse: int | str
    coder: int | str
    admin: int | str
    method: str = "get"
    kwargs: dict[str, Any] = field(default_factory=dict)


MATRIX: dict[str, Row] = {
    "home": Row(LOGIN, 302, 302, 302),
    "login": Row(200, 302, 302, 302),
    "logout": Row(302, 302, 302, 302, method="post"),
    "keepalive": Row(LOGIN, 204, 204, 204, method="post"),
    "encounters:board": Row(LOGIN, 200, 403, 403),
    # Capture: nurses only; a tap without its key and version is a 400.
    "encounters:drugs": Row(LOGIN, 200, 403, 403),
    "encounters:encounter": Row(LOGIN, 200, 403, 403, kwargs={"pk": demo_encounter}),
    **{
        f"encounters:{name}": Row(
            LOGIN, 400, 403, 403, method="post", kwargs={"pk": demo_encounter}
        )
        for name in (
            "check_in",
            "add_site",
            "add_administration",
            "mark_documented",
            "send_to_coding",
        )
    },
    **{
        f"encounters:{name}": Row(
            LOGIN,
            400,
            403,
            403,
            method="post",
            kwargs={"pk": demo_encounter, "apk": demo_administration},
        )
        for name in (
            "start",
            "pause",
            "resume",
            "stop",
            "correct",
            "edit_administration",
        )
    },
    # Registration: coders and admins; an empty form is a 422.
    "encounters:patients": Row(LOGIN, 403, 200, 200),
    "encounters:register_patient": Row(LOGIN, 403, 422, 422, method="post"),
    "encounters:import_patients": Row(LOGIN, 403, 422, 422, method="post"),
    "encounters:patient": Row(LOGIN, 403, 200, 200, kwargs={"pk": demo_patient}),
    **{
        f"encounters:{name}": Row(
            LOGIN, 403, 422, 422, method="post", kwargs={"pk": demo_patient}
        )
        for name in ("edit_patient", "add_coverage")
    },
    **{
        f"encounters:{name}": Row(
            LOGIN,
            403,
            422,
            422,
            method="post",
            kwargs={"pk": demo_patient, "cpk": demo_coverage},
        )
        for name in ("edit_coverage", "end_coverage")
    },
    "claims:worklist": Row(LOGIN, 403, 200, 403),
    # Coding: coders work, admins may look; an empty form is a 422, and a
    # removal on an encounter not yet sent to coding is refused (302 back).
    "claims:review": Row(LOGIN, 403, 200, 200, kwargs={"pk": demo_coding_encounter}),
    "claims:check_codes": Row(
        LOGIN, 403, 422, 403, kwargs={"pk": demo_coding_encounter}
    ),
    **{
        f"claims:{name}": Row(
            LOGIN, 403, 422, 403, method="post", kwargs={"pk": demo_coding_encounter}
        )
        for name in (
            "add_diagnosis",
            "set_practitioners",
            "set_pointers",
            "add_override",
            "finalise",
            "reopen",
        )
    },
    # The matrix encounter is not sent to coding: the coder's change is
    # refused and the page says so (a redirect to it, without htmx).
    "claims:record_340b": Row(
        LOGIN,
        403,
        302,
        403,
        method="post",
        kwargs={"pk": demo_coding_encounter, "apk": demo_administration},
    ),
    "claims:record_ndc": Row(
        LOGIN,
        403,
        422,
        403,
        method="post",
        kwargs={"pk": demo_coding_encounter, "apk": demo_administration},
    ),
    "claims:remove_diagnosis": Row(
        LOGIN,
        403,
        302,
        403,
        method="post",
        kwargs={"pk": demo_coding_encounter, "dpk": demo_diagnosis},
    ),
    "claims:record_payer_number": Row(
        LOGIN,
        403,
        422,
        403,
        method="post",
        kwargs={"pk": demo_coding_encounter, "cpk": demo_claim},
    ),
    "claims:withdraw_override": Row(
        LOGIN,
        403,
        422,
        403,
        method="post",
        kwargs={"pk": demo_coding_encounter, "opk": demo_override},
    ),
    "claims:export": Row(LOGIN, 403, 422, 403),
    "reference:reference": Row(LOGIN, 403, 200, 200),
    "claims:prices": Row(LOGIN, 403, 200, 200),
    "accounts:api_tokens": Row(LOGIN, 403, 403, 200),
    "accounts:revoke_api_token": Row(
        LOGIN, 403, 403, 302, method="post", kwargs={"pk": demo_token}
    ),
    # The API answers in JSON, never with a login page: 401 without credentials;
    # an empty form post is not a JSON document (415).
    "api:derive": Row(401, 415, 415, 415, method="post"),
    "api:schema": Row(401, 200, 200, 200),
    "payers:list": Row(LOGIN, 403, 403, 200),
    "payers:add": Row(LOGIN, 403, 403, 422, method="post"),
    "payers:edit": Row(LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_payer}),
    # Payers: only admins see or change policies; an empty POST is a 422.
    "payers:detail": Row(LOGIN, 403, 403, 200, kwargs={"pk": demo_payer}),
    "payers:start_draft": Row(
        LOGIN, 403, 403, 302, method="post", kwargs={"pk": demo_payer}
    ),
    "payers:version": Row(LOGIN, 403, 403, 200, kwargs={"pk": demo_draft}),
    "payers:overrides": Row(LOGIN, 403, 403, 200, kwargs={"pk": demo_draft}),
    "payers:set_override": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_draft}
    ),
    "payers:try_it": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_draft}
    ),
    "payers:impact": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_draft}
    ),
    "payers:publish": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_draft}
    ),
    "payers:discard": Row(
        LOGIN, 403, 403, 302, method="post", kwargs={"pk": demo_draft}
    ),
    "payers:retire": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_published}
    ),
    "payers:add_requirement": Row(
        LOGIN, 403, 403, 422, method="post", kwargs={"pk": demo_payer}
    ),
    "payers:remove_requirement": Row(
        LOGIN, 403, 403, 302, method="post", kwargs={"pk": demo_requirement}
    ),
    # Coders read the authorisations and providers the claims name; admins
    # change them in the Django admin.
    "payers:authorisations": Row(LOGIN, 403, 200, 200),
    "payers:next_quarter": Row(LOGIN, 403, 403, 200),
    # No payer named: nothing to draft from.
    "payers:draft_from_denials": Row(LOGIN, 403, 404, 404, method="post"),
    "claims:remittance": Row(LOGIN, 403, 200, 200),
    "claims:denials": Row(LOGIN, 403, 200, 200),
    "claims:fees": Row(LOGIN, 403, 200, 200),
    "reports:reports": Row(LOGIN, 403, 403, 200),
    "reports:csv": Row(LOGIN, 403, 403, 200, kwargs={"slug": "revenue"}),
    "reports:behind": Row(
        LOGIN, 403, 403, 200, kwargs={"slug": "waiting", "key": "coded"}
    ),
    # No edition is loaded ahead of its date in the matrix's world: 422.
    "payers:replay_next_quarter": Row(LOGIN, 403, 403, 422, method="post"),
    "providers:list": Row(LOGIN, 403, 200, 200),
}


def url_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            )
            names.extend(url_names(pattern, inner))
        elif isinstance(pattern, URLPattern):
            # An unnamed pattern cannot be listed in the matrix, so it fails the
            # matrix test (the Django admin's few redirects are the exception).
            names.append(f"{namespace}{pattern.name or pattern.pattern}")
    return names


def project_url_names() -> list[str]:
    return sorted({n for n in url_names(get_resolver()) if not n.startswith("admin:")})


def admin_url_names() -> list[str]:
    # The Django admin has its own login and its own permission checks (the
    # roles' model permissions); the pages that take no argument are probed,
    # except its own sign-in and sign-out doors.
    names = []
    candidates = {n for n in url_names(get_resolver()) if n.startswith("admin:")}
    for name in candidates - {"admin:login", "admin:logout"}:
        try:
            reverse(name)
        except Exception:
            continue
        names.append(name)
    return sorted(names)


def test_every_url_pattern_is_in_the_matrix() -> None:
    assert sorted(MATRIX) == project_url_names()


@pytest.fixture
def clients(db: None) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "nurse": client_for(make_user("nurse", Role.NURSE)),
        "coder": client_for(make_user("coder", Role.CODER)),
        "admin": client_for(make_user("admin", Role.ADMIN)),
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("who", ["anonymous", "nurse", "coder", "admin"])
def test_permission_matrix(clients: dict[str, Client], who: str, name: str) -> None:
    row = MATRIX[name]
    expected = getattr(row, who)
    # A callable argument makes its object in this test's database.
    kwargs = {k: v() if callable(v) else v for k, v in row.kwargs.items()}
    url = reverse(name, kwargs=kwargs)
    response = getattr(clients[who], row.method)(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("name", admin_url_names())
@pytest.mark.parametrize("who", ["anonymous", "nurse", "coder", "admin"])
def test_admin_site_is_for_admins_only(
    clients: dict[str, Client], who: str, name: str
) -> None:
    response = clients[who].get(reverse(name))
    if who == "admin":
        assert response.status_code in {200, 302, 403}
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(
            (reverse("admin:login"), reverse("login"))
        )


def test_user_without_a_role_is_refused(db: None) -> None:
    client = client_for(User.objects.create_user("visitor", password="x"))
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("encounters:board")).status_code == 403
