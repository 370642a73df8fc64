import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.browser.conftest import sign_in
from tests.conftest import make_user

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        (Role.NURSE, "/encounters/board/", "Chair board"),
        (Role.CODER, "/coding/worklist/", "Coding worklist"),
        (Role.ADMIN, "/payers/", "Payers"),
    ],
)
def test_each_role_signs_in_lands_home_and_signs_out(
    page: Page, live_server, role: Role, home: str, heading: str
) -> None:
    user = make_user(role.value.lower(), role)
    page.goto(f"{live_server.url}{home}")
    expect(page).to_have_url(re.compile(r"/login/\?next="))

    sign_in(page, live_server.url, user.username, f"{user.username}-password")

    expect(page).to_have_url(f"{live_server.url}{home}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_test_id("who")).to_contain_text(role.label)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}{home}")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_wrong_password_is_refused_with_a_message(page: Page, live_server) -> None:
    make_user("nurse", Role.NURSE)
    sign_in(page, live_server.url, "nurse", "not-the-password")
    expect(
        page.get_by_text("Please enter a correct username and password")
    ).to_be_visible()


def test_idle_warning_then_stay_signed_in(page: Page, live_server, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 3
    settings.SESSION_IDLE_WARNING_MINUTES = 1
    make_user("nurse", Role.NURSE)
    page.clock.install()
    sign_in(page, live_server.url, "nurse", "nurse-password")
    warning = page.get_by_text("you will be signed out in")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("02:05")
    expect(warning).to_be_visible()
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    page.clock.fast_forward("03:05")
    expect(page).to_have_url(re.compile(r"/login/\?next=(/|%2F)encounters"))
