import pytest
from playwright.sync_api import Page, Route, expect

from accounts.roles import Role
from tests.browser.conftest import sign_in
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def signed_in(page: Page, live_server) -> Page:
    make_user("nurse", Role.NURSE)
    sign_in(page, live_server.url, "nurse", "nurse-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair board")
    return page


def swap_main(page: Page, url: str) -> None:
    page.evaluate(f"htmx.ajax('GET', '{url}', '#main').catch(() => null)")


def test_refused_htmx_request_shows_a_banner(
    signed_in: Page, console_errors: list[str]
) -> None:
    page = signed_in
    swap_main(page, "/coding/worklist/")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("You are not allowed to do that. Nothing was saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair board")
    console_errors.clear()


def test_network_failure_shows_a_banner(
    signed_in: Page, console_errors: list[str]
) -> None:
    page = signed_in
    page.route(
        "**/encounters/board/", lambda route: route.abort("internetdisconnected")
    )
    swap_main(page, "/encounters/board/")
    expect(page.get_by_role("alert")).to_contain_text("No connection to Chairside")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("alert")).to_be_hidden()
    console_errors.clear()


def test_server_error_shows_a_banner(
    signed_in: Page, console_errors: list[str]
) -> None:
    page = signed_in

    def fail(route: Route) -> None:
        route.fulfill(
            status=500, content_type="text/html", body="<h1>Server Error</h1>"
        )

    page.route("**/encounters/board/", fail)
    swap_main(page, "/encounters/board/")
    expect(page.get_by_role("alert")).to_contain_text("The server failed (error 500)")
    console_errors.clear()


def test_plain_text_refusal_goes_to_the_banner_not_into_the_page(
    signed_in: Page, console_errors: list[str]
) -> None:
    # A 409 is swapped when it carries the part of the page to show again; a
    # refusal in plain text must not replace that part with bare text.
    page = signed_in

    def refuse(route: Route) -> None:
        route.fulfill(
            status=409,
            content_type="text/plain",
            body="This draft was published a moment ago; nothing was saved.",
        )

    page.route("**/encounters/board/", refuse)
    swap_main(page, "/encounters/board/")
    expect(page.get_by_role("alert")).to_contain_text(
        "This draft was published a moment ago; nothing was saved."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair board")
    console_errors.clear()
