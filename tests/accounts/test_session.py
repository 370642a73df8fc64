import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.session import BACKGROUND_HEADER, LAST_ACTIVITY_KEY


def idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_session_survives_activity_within_the_idle_limit(as_nurse: Client) -> None:
    idle_for(as_nurse, 14 * 60)
    response = as_nurse.get(reverse("encounters:board"))
    assert response.status_code == 200


def test_session_ends_after_fifteen_idle_minutes(as_nurse: Client) -> None:
    idle_for(as_nurse, 15 * 60 + 5)
    response = as_nurse.get(reverse("encounters:board"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "signed out after 15 idle minutes" in response.text


def test_idle_limit_is_configurable(as_nurse: Client, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    idle_for(as_nurse, 6 * 60)
    assert as_nurse.get(reverse("encounters:board")).status_code == 302


def test_background_polling_does_not_keep_the_session_alive(as_nurse: Client) -> None:
    idle_for(as_nurse, 10 * 60)
    as_nurse.get(reverse("encounters:board"), headers={BACKGROUND_HEADER: "1"})
    assert time.time() - as_nurse.session[LAST_ACTIVITY_KEY] > 9 * 60


def test_taps_within_a_minute_write_the_session_once(as_nurse: Client) -> None:
    idle_for(as_nurse, 30)
    stamped = as_nurse.session[LAST_ACTIVITY_KEY]
    as_nurse.get(reverse("encounters:board"))
    assert as_nurse.session[LAST_ACTIVITY_KEY] == stamped
    idle_for(as_nurse, 61)
    as_nurse.get(reverse("encounters:board"))
    assert time.time() - as_nurse.session[LAST_ACTIVITY_KEY] < 5


def test_keepalive_counts_as_activity(as_nurse: Client) -> None:
    idle_for(as_nurse, 10 * 60)
    assert as_nurse.post(reverse("keepalive")).status_code == 204
    assert time.time() - as_nurse.session[LAST_ACTIVITY_KEY] < 5


def test_warning_deadline_is_in_every_page(as_nurse: Client) -> None:
    response = as_nurse.get(reverse("encounters:board"))
    # 15 minutes less the grace by which the server's activity stamp may lag.
    assert 'data-session-idle-seconds="840"' in response.text
    assert 'data-session-warning-seconds="120"' in response.text


@pytest.mark.django_db
def test_htmx_request_without_session_redirects_the_whole_page(client: Client) -> None:
    response = client.get(
        reverse("encounters:board"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/x/?a=1"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=%2Fx%2F%3Fa%3D1"


def test_pages_carry_a_strict_content_security_policy(as_nurse: Client) -> None:
    response = as_nurse.get(reverse("encounters:board"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in policy
    assert (
        response.cookies.get("sessionid") is None
        or response.cookies["sessionid"]["secure"]
    )


def test_every_htmx_request_carries_the_csrf_token(as_nurse: Client) -> None:
    response = as_nurse.get(reverse("encounters:board"))
    assert '<body hx-headers=\'{"X-CSRFToken": "' in response.text
