"""The three doors of the contract give the same result for the same document."""

import json
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from jsonschema import Draft202012Validator

from accounts.models import ApiToken
from chairside_engine import derive
from tests.engine.builders import admin, document
from tests.engine.test_scenarios import CASES

DOCUMENTS = [case["document"] for case in CASES]
# Valid JSON that Python refuses to read: an integer of 5,000 digits.
LONG_NUMBER = '{"setting": "office", "payer": ' + "9" * 5000 + "}"


def run_command(*args: str, stdin: str | None = None) -> tuple[Any, int]:
    out = StringIO()
    code = 0
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = StringIO(stdin)
    try:
        call_command("derive", *args, stdout=out)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        sys.stdin = saved
    return json.loads(out.getvalue()), code


def test_python_command_and_http_agree_on_every_published_case(
    tmp_path: Path, as_coder: Client
) -> None:
    expected = [derive(doc) for doc in DOCUMENTS]
    path = tmp_path / "published.json"
    path.write_text(json.dumps(DOCUMENTS))
    from_command, code = run_command(str(path))
    assert code == 0
    assert from_command == expected
    for doc, result in zip(DOCUMENTS, expected, strict=True):
        response = as_coder.post("/api/v1/derive", doc, content_type="application/json")
        assert response.status_code == 200
        assert response.json() == result


@pytest.mark.django_db  # the command reads the CMS editions in force
def test_command_reads_stdin_and_exits_2_for_an_invalid_document() -> None:
    good = document(admin("1", "push", "therapeutic", "09:00"))
    result, code = run_command("-", stdin=json.dumps(good))
    assert code == 0
    assert result["lines"][0]["code"] == "96374"
    results, code = run_command(stdin=json.dumps([good, {"setting": "home"}]))
    assert code == 2
    assert "lines" in results[0]
    assert "errors" in results[1]
    broken, code = run_command(stdin="{not json")
    assert code == 2
    assert broken["errors"][0]["message"].startswith("not JSON")
    long, code = run_command(stdin=LONG_NUMBER)
    assert code == 2
    assert "more than 4,300 digits" in long["errors"][0]["message"]


@pytest.mark.django_db
def test_api_answers_errors_in_json() -> None:
    client = Client()
    assert client.post(
        "/api/v1/derive", {}, content_type="application/json"
    ).json() == {
        "errors": [
            {
                "path": "",
                "message": "sign in, or send an API token as 'Authorization: Bearer'",
            }
        ]
    }


def test_api_refuses_invalid_and_oversized_documents(as_nurse: Client) -> None:
    bad = document(admin("1", "infusion", "therapeutic", "09:40", stop="09:10"))
    response = as_nurse.post("/api/v1/derive", bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "administrations[0].stop",
            "message": "stop 09:10 is before start 09:40",
        }
    ]
    huge = json.dumps({"setting": "office", "payer": "x" * (1024 * 1024)})
    response = as_nurse.post("/api/v1/derive", huge, content_type="application/json")
    assert response.status_code == 413
    response = as_nurse.post("/api/v1/derive", "{oops", content_type="application/json")
    assert response.status_code == 400
    response = as_nurse.post(
        "/api/v1/derive", LONG_NUMBER, content_type="application/json"
    )
    assert response.status_code == 400
    assert "more than 4,300 digits" in response.json()["errors"][0]["message"]


def test_session_callers_need_the_csrf_token(nurse: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse)
    doc = document(admin("1", "push", "therapeutic", "09:00"))
    response = client.post("/api/v1/derive", doc, content_type="application/json")
    assert response.status_code == 403


def test_api_tokens_are_issued_used_and_revoked(as_admin: Client, coder: User) -> None:
    response = as_admin.post(
        "/coding/api-tokens/", {"user": coder.pk, "name": "EHR interface"}
    )
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get()
    assert token.digest != key
    assert key not in token.digest
    # No session, no CSRF: the bearer token alone.
    client = Client(enforce_csrf_checks=True)
    doc = document(admin("1", "push", "therapeutic", "09:00"))
    auth = {"Authorization": f"Bearer {key}"}
    response = client.post(
        "/api/v1/derive", doc, content_type="application/json", headers=auth
    )
    assert response.status_code == 200
    assert response.json()["lines"][0]["code"] == "96374"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert as_admin.post(f"/coding/api-tokens/{token.pk}/revoke/").status_code == 302
    response = client.post(
        "/api/v1/derive", doc, content_type="application/json", headers=auth
    )
    assert response.status_code == 401


def test_issuing_a_token_without_a_name_is_a_422(as_admin: Client, coder: User) -> None:
    response = as_admin.post("/coding/api-tokens/", {"user": coder.pk, "name": ""})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_published_schema_accepts_every_published_document(as_coder: Client) -> None:
    schema = as_coder.get("/api/v1/schema").json()
    documents = Draft202012Validator(schema["document"])
    results = Draft202012Validator(schema["result"])
    for doc in DOCUMENTS:
        documents.validate(doc)
        results.validate(derive(doc))


def test_published_schema_rejects_unknown_keys(as_coder: Client) -> None:
    schema = Draft202012Validator(as_coder.get("/api/v1/schema").json()["document"])
    for where in ("top", "site", "administration", "drug", "policy"):
        doc = json.loads(json.dumps(DOCUMENTS[0]))
        target = {
            "top": doc,
            "site": doc["sites"][0],
            "administration": doc["administrations"][0],
            "drug": doc["administrations"][0]["drug"],
            "policy": doc.setdefault("policy", {}),
        }[where]
        target["surprise"] = True
        assert not schema.is_valid(doc), where
