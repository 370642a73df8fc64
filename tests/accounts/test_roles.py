import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.roles import ROLE_PERMISSIONS, Role


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_group_holds_exactly_its_declared_permissions(role: Role) -> None:
    group = Group.objects.get(name=role.value)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert held == set(ROLE_PERMISSIONS[role])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "home"),
    [
        ("as_nurse", "/encounters/board/"),
        ("as_coder", "/coding/worklist/"),
        ("as_admin", "/payers/"),
    ],
)
def test_each_role_lands_on_its_home(
    request: pytest.FixtureRequest, fixture: str, home: str
) -> None:
    client: Client = request.getfixturevalue(fixture)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == home
