from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
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


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_passwords() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert User.objects.filter(username__in=["nurse", "coder", "admin"]).count() == 3
    assert "nurse  password: chairside-nurse" in out.getvalue()
    client = Client()
    assert client.login(username="coder", password="chairside-coder") is True
    assert client.get(reverse("home"))["Location"] == "/coding/worklist/"
    admin = User.objects.get(username="admin")
    assert admin.is_staff is True
    assert list(admin.groups.values_list("name", flat=True)) == ["Admin"]
