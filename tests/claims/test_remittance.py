"""What comes back: an 835 imported from the command line or the page, matched
to our claims and lines, paid, denied and underpaid lines with their reasons
and rules; the same file twice adds nothing; a damaged file is refused whole."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from claims.models import (
    Acknowledgement,
    Charge,
    Claim,
    ClaimPayment,
    ExportRecord,
    Fee,
    LinePayment,
    RemittanceFile,
)
from claims.remittance.read import (
    Adjustment as Cas,
)
from claims.remittance.read import (
    ClaimAcknowledgement,
    ClaimStatus,
    FileAcknowledgement,
    TransactionAcknowledgement,
)
from demo.payers import seed_payers
from demo.x12_responses import acknowledgement_999, claim_acknowledgement_277ca
from encounters.models import Administration, Method
from payers.models import Payer, PolicyVersion
from tests.claims import remittance_world as world
from tests.claims.claim_world import ready_encounter
from tests.conftest import client_for, make_user
from tests.encounters import world as encounter_world
from tests.payers.conftest import published

pytestmark = pytest.mark.django_db

PRICES = {
    "96413": "400.00",
    "96415": "90.00",
    "96375": "60.00",
    "96374": "80.00",
    "J9263": "2.00",
    "J2405": "1.00",
}


@pytest.fixture
def claim(nurse: User, coder: User) -> Claim:
    for code, price in PRICES.items():
        Charge.objects.create(
            code=code,
            price=Decimal(price),
            effective=date(2020, 1, 1),
            created_by=coder,
        )
    return world.finalised(ready_encounter(nurse, coder), coder)


def lines_by_code(claim: Claim) -> dict[str, object]:
    return {line.code: line for line in claim.lines.all()}


def import_x12(*paths: Path) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_x12", *map(str, paths), stdout=out, stderr=err)
    except SystemExit as exit:
        return out.getvalue(), err.getvalue(), int(exit.code or 0)
    return out.getvalue(), err.getvalue(), 0


def one_denied(claim: Claim) -> world.ClaimPayment:
    """Everything paid except the push (96375), denied as bundled (CO-97, M80)."""
    services = []
    for line in claim.lines.all():
        if line.code == "96375":
            services.append(
                world.paid_line(
                    line,
                    claim,
                    paid="0.00",
                    adjustments=[
                        Cas(group="CO", reason="97", amount=line.charge, quantity=None)
                    ],
                    remarks=("M80",),
                )
            )
        else:
            services.append(world.paid_line(line, claim, paid=str(line.charge)))
    return world.adjudicated(claim, services)


def test_an_835_from_the_command_line_is_matched_line_by_line(
    claim: Claim, tmp_path: Path
) -> None:
    path = world.file_835(tmp_path, [one_denied(claim)])
    out, err, code = import_x12(path)
    lines = claim.lines.count()
    assert (code, err) == (0, "")
    assert out == (
        f"remit-1.835: 1 claims matched, {lines - 1} lines paid, 1 lines denied, "
        "0 unmatched\n"
    )
    payment = ClaimPayment.objects.get()
    assert payment.claim == claim
    assert payment.status == ClaimPayment.Status.PARTIALLY_PAID
    assert payment.trace_number == "EFT00001"
    denied = LinePayment.objects.get(denied=True)
    assert denied.line == lines_by_code(claim)["96375"]
    assert [(a.group, a.reason) for a in denied.adjustments.all()] == [("CO", "97")]
    assert denied.remarks == ["M80"]
    assert all(p.line is not None for p in LinePayment.objects.all())
    claim.refresh_from_db()
    assert claim.payer_number.number == "PCN123"


def test_the_same_file_twice_adds_nothing(claim: Claim, tmp_path: Path) -> None:
    path = world.file_835(tmp_path, [one_denied(claim)])
    import_x12(path)
    out, _, code = import_x12(path)
    assert code == 0
    assert out == "remit-1.835: already imported; nothing added.\n"
    # The same interchange again under another name and with other bytes.
    again = world.file_835(tmp_path, [one_denied(claim)], name="copy.835")
    again.write_text(again.read_text().replace("~\n", "~"))
    out, _, _ = import_x12(again)
    assert "already imported" in out
    assert (RemittanceFile.objects.count(), ClaimPayment.objects.count()) == (1, 1)


def test_a_damaged_file_is_refused_whole_with_its_segment_number(
    claim: Claim, tmp_path: Path
) -> None:
    good = world.file_835(tmp_path, [one_denied(claim)], control=7)
    segments = good.read_text().split("~")
    broken = list(segments)
    at = next(n for n, s in enumerate(segments) if s.strip().startswith("CLP"))
    broken[at] = "CLP*" + claim.control_number
    damaged = tmp_path / "damaged.835"
    damaged.write_text("~".join(broken))
    out, err, code = import_x12(damaged)
    assert code == 1
    assert out == ""
    assert err.startswith("damaged.835: ")
    assert f"Segment {at + 1}" in err
    assert "Nothing was imported." in err
    assert not RemittanceFile.objects.exists()
    assert not ClaimPayment.objects.exists()


def test_what_matches_nothing_is_kept_on_the_unmatched_list(
    claim: Claim, tmp_path: Path, as_coder: Client, as_admin: Client
) -> None:
    stranger = world.adjudicated(
        claim,
        [world.paid_line(claim.lines.first(), claim, paid="10.00")],
        number="XX999",
    )
    path = world.file_835(tmp_path, [stranger])
    out, _, _ = import_x12(path)
    assert out.endswith("0 claims matched, 0 lines paid, 0 lines denied, 1 unmatched\n")
    page = as_admin.get(reverse("claims:remittance")).text
    assert "XX999" in page
    assert "CLP*XX999" in page  # the raw segments, as they came
    # It belongs to no location, and names a patient: not for every coder.
    assert "XX999" not in as_coder.get(reverse("claims:remittance")).text


def test_lines_without_their_control_number_match_by_code_and_units(
    claim: Claim, tmp_path: Path
) -> None:
    services = [
        world.paid_line(line, claim, paid=str(line.charge), line_id=False)
        for line in claim.lines.all()
    ]
    import_x12(world.file_835(tmp_path, [world.adjudicated(claim, services)]))
    matched = {p.line.code for p in LinePayment.objects.all() if p.line}
    assert matched == set(lines_by_code(claim))


def test_an_underpaid_line_is_flagged_beyond_the_payers_tolerance(
    claim: Claim, tmp_path: Path, coder: User
) -> None:
    assert claim.payer is not None
    for code in ("96413", "J9263"):
        Fee.objects.create(
            payer=claim.payer,
            code=code,
            amount=Decimal("300.00") if code == "96413" else Decimal("1.50"),
            effective=date(2020, 1, 1),
            created_by=coder,
        )
    lines = lines_by_code(claim)
    services = []
    for line in claim.lines.all():
        paid = {
            "96413": "250.00",
            "J9263": str(Decimal("1.50") * line.units - Decimal("0.50")),
        }.get(line.code, str(line.charge))
        services.append(world.paid_line(line, claim, paid=paid))
    import_x12(world.file_835(tmp_path, [world.adjudicated(claim, services)]))
    chemo = LinePayment.objects.get(line=lines["96413"])
    assert (chemo.expected, chemo.underpaid) == (Decimal("300.00"), True)
    assert "fee schedule from 2020-01-01" in chemo.expected_note
    drug = LinePayment.objects.get(line=lines["J9263"])
    assert drug.underpaid is False  # 0.50 short: within the 1.00 tolerance
    push = LinePayment.objects.get(line=lines["J2405"])
    assert push.expected is None
    assert "No fee for J2405" in push.expected_note


def test_a_drug_fee_at_a_percent_of_asp_needs_that_quarters_asp(
    claim: Claim, tmp_path: Path, coder: User
) -> None:
    assert claim.payer is not None
    Fee.objects.create(
        payer=claim.payer,
        code="J9263",
        asp_percent=Decimal("106"),
        effective=date(2020, 1, 1),
        created_by=coder,
    )
    services = [
        world.paid_line(line, claim, paid=str(line.charge))
        for line in claim.lines.all()
    ]
    import_x12(world.file_835(tmp_path, [world.adjudicated(claim, services)]))
    drug = LinePayment.objects.get(code="J9263")
    assert drug.expected is None
    assert "No ASP payment limits are loaded for" in drug.expected_note


def test_a_reversal_and_its_correction_are_applied_in_order(
    claim: Claim, tmp_path: Path
) -> None:
    first = one_denied(claim)
    import_x12(world.file_835(tmp_path, [first], control=1))
    reversal = world.adjudicated(
        claim,
        [
            world.paid_line(
                line, claim, paid=str(-line.charge) if line.code != "96375" else "0.00"
            )
            for line in claim.lines.all()
        ],
        status="22",
    )
    correction = world.adjudicated(
        claim,
        [
            world.paid_line(line, claim, paid=str(line.charge))
            for line in claim.lines.all()
        ],
    )
    import_x12(world.file_835(tmp_path, [reversal, correction], control=2))
    statuses = list(
        claim.payments.order_by("file__imported_at", "file_id", "sequence").values_list(
            "status", flat=True
        )
    )
    assert statuses == ["partially_paid", "reversed", "paid"]
    # The first denial is history now, not work.
    assert not LinePayment.objects.to_work().exists()
    assert LinePayment.objects.filter(denied=True).count() == 1


def test_acknowledgements_match_the_export_and_the_claim(
    claim: Claim, tmp_path: Path, as_coder: Client
) -> None:
    export = ExportRecord.objects.create(
        format="837i", file_name="claims.837", sha256="0"
    )
    export.claims.add(claim)
    ack = acknowledgement_999(
        FileAcknowledgement(
            group_control_number=str(export.control_number),
            status="A",
            transactions=(
                TransactionAcknowledgement(
                    control_number="0001", status="A", errors=()
                ),
            ),
        ),
        sender="CLEARING",
        receiver="CHAIRSIDE",
        control_number=11,
        created=world.CREATED,
    )
    rejected = claim_acknowledgement_277ca(
        ClaimAcknowledgement(
            batch=str(export.control_number),
            claims=(
                ClaimStatus(
                    claim_number=claim.control_number,
                    category="A7",
                    status_code="562",
                    accepted=False,
                    on=date(2026, 12, 2),
                    message="Billing provider NPI not on file",
                    payer_claim_number="",
                    billed=claim.total_charge,
                ),
            ),
        ),
        sender="CLEARING",
        receiver="CHAIRSIDE",
        control_number=12,
        created=world.CREATED,
    )
    (tmp_path / "ack.999").write_text(ack)
    (tmp_path / "status.277").write_text(rejected)
    out, err, code = import_x12(tmp_path / "ack.999", tmp_path / "status.277")
    assert code == 0, err
    assert "ack.999: 1 files acknowledged (1 accepted, 0 rejected), 0 unmatched" in out
    assert "status.277: 1 claims matched (0 accepted, 1 rejected), 0 unmatched" in out
    assert Acknowledgement.objects.get(export=export).accepted is True
    assert Acknowledgement.objects.get(claim=claim).accepted is False
    review = as_coder.get(reverse("claims:review", args=[claim.encounter_id])).text
    assert "Billing provider NPI not on file" in review
    assert "rejected" in as_coder.get(reverse("claims:remittance")).text


def test_a_coder_imports_on_the_page_and_sees_the_denial_with_its_rule(
    claim: Claim, tmp_path: Path, as_coder: Client
) -> None:
    path = world.file_835(tmp_path, [one_denied(claim)])
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = as_coder.post(
        reverse("claims:remittance"), {"upload": [upload]}, follow=True
    )
    assert response.status_code == 200
    assert "1 lines denied" in response.text
    review = as_coder.get(reverse("claims:review", args=[claim.encounter_id])).text
    assert 'data-testid="remittance"' in review
    assert "CO-97" in review
    assert "bundl" in review.lower()
    denials = as_coder.get(reverse("claims:denials")).text
    row = denials.split('data-code="96375"')[1].split("</tr>")[0]
    assert "CO-97" in row
    assert "M80" in row
    line = lines_by_code(claim)["96375"]
    rules = re.findall(r"R\d+", line.explanation)
    assert rules
    for rule in rules:
        assert rule in row
    assert claim.policy_label in row


def test_a_damaged_upload_is_a_422_and_nothing_is_recorded(as_coder: Client) -> None:
    upload = SimpleUploadedFile("junk.835", b"ISA*00*this is not x12")
    response = as_coder.post(reverse("claims:remittance"), {"upload": [upload]})
    assert response.status_code == 422
    assert "junk.835" in response.text
    assert "Nothing was imported." in response.text
    assert not RemittanceFile.objects.exists()


def test_denial_filters(claim: Claim, tmp_path: Path, as_coder: Client) -> None:
    import_x12(world.file_835(tmp_path, [one_denied(claim)]))
    url = reverse("claims:denials")

    def count(**params: str) -> int:
        text = as_coder.get(url, params).text
        return int(text.split('data-testid="denial-count"><strong>')[1].split("<")[0])

    assert count() == 1
    assert count(code="96375") == 1
    assert count(code="96413") == 0
    assert count(group="CO", reason="97") == 1
    assert count(group="PR") == 0
    assert count(kind="underpaid") == 0
    line = lines_by_code(claim)["96375"]
    rule = re.findall(r"R\d+", line.explanation)[0]
    assert count(rule=rule) == 1
    assert count(rule="R999") == 0
    assert as_coder.get(url, {"rule": "nonsense"}).status_code == 422


def test_nurses_see_no_remittance(as_nurse: Client) -> None:
    for name in ("claims:remittance", "claims:denials", "claims:fees"):
        assert as_nurse.get(reverse(name)).status_code == 403


def test_admins_keep_fee_schedules_and_coders_read_them(
    as_admin: Client, as_coder: Client, claim: Claim
) -> None:
    assert claim.payer is not None
    url = reverse("claims:fees")
    response = as_admin.post(
        url,
        {
            "payer": claim.payer.pk,
            "code": "j9263",
            "modifier": "",
            "amount": "",
            "asp_percent": "106",
            "effective": "2026-01-01",
        },
    )
    assert response.status_code == 302
    fee = Fee.objects.get()
    assert (fee.code, fee.asp_percent, fee.amount) == ("J9263", Decimal("106"), None)
    both = as_admin.post(
        url,
        {
            "payer": claim.payer.pk,
            "code": "96413",
            "amount": "10",
            "asp_percent": "106",
            "effective": "2026-01-01",
        },
    )
    assert both.status_code == 422
    assert "not both" in both.text
    assert "106% of ASP" in as_coder.get(url).text
    assert as_coder.post(url, {"code": "96413"}).status_code == 403


def test_a_denial_pattern_becomes_a_payer_draft_and_its_replay(
    nurse: User,
    coder: User,
    admin_user: User,
    tmp_path: Path,
    as_coder: Client,
    as_admin: Client,
) -> None:
    # A plan that pays omalizumab shots as chemotherapy injections (96401, R8)
    # and then denies every 96401 with CO-97.
    seed_payers()
    plan = Payer.objects.create(name="Harbor Health", kind=Payer.Kind.COMMERCIAL)
    published(plan, date(2020, 1, 1), biologic_injection="chemotherapy")
    Charge.objects.create(
        code="96401", price=Decimal("150"), effective=date(2020, 1, 1), created_by=coder
    )
    place = encounter_world.location(nurse, coder, admin_user)
    visit = encounter_world.encounter(place, payer="Harbor Health")
    shot = Administration.objects.create(
        encounter=visit,
        drug=encounter_world.formulary("J2357")["J2357"],
        method=Method.SC_INJECTION,
        dose_amount=150,
        dose_unit="mg",
        created_by=nurse,
    )
    shot.start(
        at=encounter_world.at(visit, "09:00"), by=nurse, key=encounter_world.key()
    )
    visit.mark_documented(at=encounter_world.at(visit, "10:00"))
    visit.send_to_coding()
    claim = world.finalised(visit, coder)
    denied = [
        world.paid_line(
            line,
            claim,
            paid="0.00" if line.code == "96401" else str(line.charge),
            adjustments=[
                Cas(group="CO", reason="97", amount=line.charge, quantity=None)
            ]
            if line.code == "96401"
            else [],
        )
        for line in claim.lines.all()
    ]
    import_x12(world.file_835(tmp_path, [world.adjudicated(claim, denied)]))

    listed = as_coder.get(
        reverse("claims:denials"), {"payer": plan.pk, "code": "96401"}
    ).text
    assert 'data-testid="pattern"' in listed
    response = as_coder.post(
        reverse("payers:draft_from_denials"),
        {"payer": plan.pk, "code": "96401", "reason": "97"},
    )
    assert response.status_code == 200
    assert "Biologic given as a shot" in response.text
    assert "Therapeutic injection (96372)" in response.text
    draft = plan.policy_versions.get(status=PolicyVersion.Status.DRAFT)
    assert draft.biologic_injection == "therapeutic"
    assert (
        "Drafted from the denied 96401 lines of 1 encounter (97)"
        in draft.notes["biologic_injection"]
    )
    summary = response.text.split('data-testid="impact-summary">')[1].split("</p>")[0]
    assert "<strong>1 of 1</strong>" in summary
    assert 'data-code="96401"' in response.text
    assert (
        'data-testid="draft-link"' not in response.text
    )  # a coder: an admin publishes
    as_admin_view = as_admin.post(
        reverse("payers:draft_from_denials"),
        {"payer": plan.pk, "code": "96401", "reason": "97"},
    )
    assert 'data-testid="draft-link"' in as_admin_view.text
    # Asked again (a reload, a second click): still the one draft.
    assert plan.policy_versions.filter(status=PolicyVersion.Status.DRAFT).count() == 1


def test_a_pattern_no_policy_explains_says_so(
    claim: Claim, tmp_path: Path, as_coder: Client
) -> None:
    import_x12(world.file_835(tmp_path, [one_denied(claim)]))
    assert claim.payer is not None
    response = as_coder.post(
        reverse("payers:draft_from_denials"),
        {"payer": claim.payer.pk, "code": "96375"},
    )
    assert response.status_code == 200
    # No payer choice codes an antiemetic push otherwise: nothing is drafted.
    assert 'data-testid="no-cause"' in response.text
    assert not claim.payer.policy_versions.filter(
        status=PolicyVersion.Status.DRAFT
    ).exists()


def test_a_deductible_is_not_a_denial(claim: Claim, tmp_path: Path) -> None:
    services = [
        world.paid_line(
            line,
            claim,
            paid="0.00",
            adjustments=[
                Cas(group="PR", reason="1", amount=line.charge, quantity=None)
            ],
        )
        for line in claim.lines.all()
    ]
    out, _, _ = import_x12(
        world.file_835(tmp_path, [world.adjudicated(claim, services)])
    )
    assert "0 lines denied" in out
    assert ClaimPayment.objects.get().status == ClaimPayment.Status.PAID
    assert not LinePayment.objects.to_work().exists()


def test_a_claim_denied_whole_without_lines_reaches_the_worklist(
    claim: Claim, tmp_path: Path, as_coder: Client
) -> None:
    whole = world.adjudicated(claim, [], status="4")
    whole = replace(
        whole,
        billed=claim.total_charge,
        adjustments=(
            Cas(group="CO", reason="29", amount=claim.total_charge, quantity=None),
        ),
    )
    out, _, _ = import_x12(world.file_835(tmp_path, [whole]))
    assert "1 lines denied" in out
    (row,) = LinePayment.objects.to_work()
    assert row.denied
    assert row.line is None
    assert [a.reason for a in row.adjustments.all()] == ["29"]
    assert "CO-29" in as_coder.get(reverse("claims:denials")).text


def test_a_correction_before_its_reversal_in_one_file_stays_current(
    claim: Claim, tmp_path: Path
) -> None:
    correction = one_denied(claim)
    reversal = world.adjudicated(
        claim,
        [world.paid_line(line, claim, paid="0.00") for line in claim.lines.all()],
        status="22",
    )
    import_x12(world.file_835(tmp_path, [correction, reversal]))
    (row,) = LinePayment.objects.to_work()
    assert row.code == "96375"


def test_units_the_payer_cut_are_underpaid(
    claim: Claim, tmp_path: Path, coder: User
) -> None:
    assert claim.payer is not None
    drug = lines_by_code(claim)["J9263"]
    Fee.objects.create(
        payer=claim.payer,
        code="J9263",
        amount=Decimal("1.50"),
        effective=date(2020, 1, 1),
        created_by=coder,
    )
    cut = replace(
        world.paid_line(drug, claim, paid=str(Decimal("1.50") * 300)),
        units=Decimal(300),
        original_units=drug.units,
    )
    import_x12(world.file_835(tmp_path, [world.adjudicated(claim, [cut])]))
    paid = LinePayment.objects.get(line=drug)
    assert paid.expected == Decimal("1.50") * drug.units
    assert paid.underpaid is True


def test_a_coder_sees_only_rejections_of_their_locations(
    claim: Claim, tmp_path: Path
) -> None:
    status = claim_acknowledgement_277ca(
        ClaimAcknowledgement(
            batch="1",
            claims=(
                ClaimStatus(
                    claim_number=claim.control_number,
                    category="A7",
                    status_code="562",
                    accepted=False,
                    on=date(2026, 12, 2),
                    message="Secret reason",
                    payer_claim_number="",
                    billed=claim.total_charge,
                ),
            ),
        ),
        sender="CLEARING",
        receiver="CHAIRSIDE",
        control_number=31,
        created=world.CREATED,
    )
    (tmp_path / "s.277").write_text(status)
    import_x12(tmp_path / "s.277")
    outsider = make_user("outsider", Role.CODER)
    page = client_for(outsider).get(reverse("claims:remittance")).text
    assert "Secret reason" not in page


def test_a_draft_from_denials_of_no_payer_is_a_404(
    as_coder: Client,
) -> None:
    url = reverse("payers:draft_from_denials")
    assert as_coder.post(url, {"payer": "abc", "code": "96401"}).status_code == 404
