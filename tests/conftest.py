import os
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client, override_settings
from hypothesis import settings as hypothesis_settings

from accounts.roles import Role

# CI runs the property tests on a fixed sequence of examples, so a landing run
# is repeatable; locally each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings_db = connection.settings_dict
    where = settings_db.get("HOST") or "local file"
    return [
        f"database: {connection.display_name} ({connection.vendor}) at {where}, "
        f"tests run in a fresh test_{settings_db['NAME']} database"
        if connection.vendor != "sqlite"
        else f"database: SQLite ({connection.vendor}), in memory"
    ]


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    # Production settings stay on (secure cookies, HSTS, CSP) except the redirect
    # to https, which the test client and the live server cannot follow, and the
    # deliberately slow password hashing.
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


def make_user(username: str, role: Role | None) -> User:
    user = User.objects.create_user(
        username=username, password=f"{username}-password", first_name=username.title()
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    if role is Role.ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def nurse(db: None) -> User:
    return make_user("nurse", Role.NURSE)


@pytest.fixture
def coder(db: None) -> User:
    return make_user("coder", Role.CODER)


@pytest.fixture
def admin_user(db: None) -> User:
    return make_user("admin", Role.ADMIN)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_nurse(nurse: User) -> Client:
    return client_for(nurse)


@pytest.fixture
def as_coder(coder: User) -> Client:
    return client_for(coder)


@pytest.fixture
def as_admin(admin_user: User) -> Client:
    return client_for(admin_user)
