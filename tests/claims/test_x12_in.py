"""Reading what payers send back (835, 999, 277CA): files written by the demo
writer pass pyx12 and read back to the values they were written from; damaged
files and other transactions are refused with the segment that is wrong."""

import time
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from claims.exports.x12 import validate
from claims.remittance import read
from claims.remittance.read import (
    Adjustment,
    ClaimAcknowledgement,
    ClaimPayment,
    ClaimStatus,
    FileAcknowledgement,
    Remittance,
    ServicePayment,
    TransactionAcknowledgement,
    X12Refused,
    read_x12,
)
from demo.x12_responses import (
    acknowledgement_999,
    claim_acknowledgement_277ca,
    remittance_835,
)

CREATED = datetime(2026, 11, 30, 6, 15)
D = Decimal


def as_835(remittance: Remittance) -> str:
    return remittance_835(
        remittance,
        sender="LAKESHORE",
        receiver="CHAIRSIDE",
        control_number=4711,
        created=CREATED,
    )


def as_999(acknowledgement: FileAcknowledgement) -> str:
    return acknowledgement_999(
        acknowledgement,
        sender="LAKESHORE",
        receiver="CHAIRSIDE",
        control_number=4711,
        created=CREATED,
    )


def as_277ca(acknowledgement: ClaimAcknowledgement) -> str:
    return claim_acknowledgement_277ca(
        acknowledgement,
        sender="LAKESHORE",
        receiver="CHAIRSIDE",
        control_number=4711,
        created=CREATED,
    )


def line(number: int, **changes: Any) -> ServicePayment:
    paid = ServicePayment(
        code="96413",
        modifiers=(),
        billed=D("300.00"),
        paid=D("192.00"),
        units=D("1"),
        original_units=None,
        service_date=date(2026, 11, 2),
        line_id=f"CS0000042-1-{number}",
        allowed=D("240.00"),
        adjustments=(
            Adjustment(group="CO", reason="45", amount=D("60.00"), quantity=None),
            Adjustment(group="PR", reason="2", amount=D("48.00"), quantity=None),
        ),
        remarks=(),
        segments=(),
    )
    return replace(paid, **changes)


PAID = ClaimPayment(
    claim_number="CS0000042-1",
    status="1",
    billed=D("750.50"),
    paid=D("352.00"),
    patient_responsibility=D("88.00"),
    payer_claim_number="2026334000123",
    patient_name="NUNEZ, JOSE",
    # Claim level: a late-filing reduction and the MOA remarks of the claim.
    adjustments=(
        Adjustment(group="CO", reason="45", amount=D("10.50"), quantity=None),
        Adjustment(group="OA", reason="23", amount=D("0"), quantity=D("2")),
    ),
    remarks=("MA01", "MA130"),
    services=(
        line(1),
        line(
            2,
            code="J9035",
            modifiers=("JW", "59"),
            billed=D("200.00"),
            paid=D("160.00"),
            units=D("10"),
            original_units=D("12"),
            allowed=D("200.00"),
            adjustments=(
                Adjustment(group="PR", reason="2", amount=D("40.00"), quantity=None),
            ),
            remarks=("N350",),
        ),
        # The denied line: bundled into another service (CO-97, N130).
        line(
            3,
            code="96415",
            billed=D("250.00"),
            paid=D("0"),
            allowed=None,
            adjustments=(
                Adjustment(group="CO", reason="97", amount=D("250.00"), quantity=None),
            ),
            remarks=("N130",),
        ),
    ),
    segments=(),
)
REVERSED = ClaimPayment(
    claim_number="CS0000040-1",
    status="22",
    billed=D("-300.00"),
    paid=D("-192.00"),
    patient_responsibility=D("-48.00"),
    payer_claim_number="2026300000077",
    patient_name="DOE, JANE",
    adjustments=(),
    remarks=(),
    services=(
        line(
            1,
            line_id="CS0000040-1-1",
            billed=D("-300.00"),
            paid=D("-192.00"),
            allowed=None,
            adjustments=(
                Adjustment(group="CO", reason="45", amount=D("-60.00"), quantity=None),
                Adjustment(group="PR", reason="2", amount=D("-48.00"), quantity=None),
            ),
        ),
    ),
    segments=(),
)
REMITTANCE = Remittance(
    payer_name="LAKESHORE MUTUAL",
    payer_id="LKM01",
    payee_name="CHAIRSIDE DEMO INFUSION CENTER",
    payee_npi="1234567893",
    method="ACH",
    total_paid=D("160.00"),
    paid_on=date(2026, 11, 30),
    trace_number="EFT20261130001",
    claims=(PAID, REVERSED),
)


def without_segments(remittance: Remittance) -> Remittance:
    return replace(
        remittance,
        claims=tuple(
            replace(
                claim,
                segments=(),
                services=tuple(replace(s, segments=()) for s in claim.services),
            )
            for claim in remittance.claims
        ),
    )


def numbered(text: str, prefix: str) -> int:
    """The segment number (from 1 at ISA) of the first segment starting with
    `prefix`, in a file written one segment a line."""
    lines = text.splitlines()
    return next(n for n, s in enumerate(lines, start=1) if s.startswith(prefix))


def refusal(data: bytes | str) -> str:
    with pytest.raises(X12Refused) as refused:
        read_x12(data)
    return str(refused.value)


# --- 835 --------------------------------------------------------------------


def test_an_835_round_trips_through_pyx12() -> None:
    text = as_835(REMITTANCE)
    print(text)
    assert validate(text) == []
    interchange = read_x12(text.encode())
    assert interchange.kind == "835"
    assert (interchange.sender, interchange.receiver) == ("LAKESHORE", "CHAIRSIDE")
    assert interchange.control_number == "000004711"
    assert interchange.created == CREATED
    (remittance,) = interchange.transactions
    assert isinstance(remittance, Remittance)
    assert without_segments(remittance) == REMITTANCE


def test_an_835_reads_its_denied_line_reversal_and_claim_adjustments() -> None:
    text = as_835(REMITTANCE)
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    paid, reversed_ = remittance.claims
    assert (paid.claim_number, paid.status, paid.paid) == (
        "CS0000042-1",
        "1",
        D("352"),
    )
    assert paid.remarks == ("MA01", "MA130")
    assert [(a.group, a.reason, a.amount, a.quantity) for a in paid.adjustments] == [
        ("CO", "45", D("10.5"), None),
        ("OA", "23", D("0"), D("2")),
    ]
    drug = paid.services[1]
    assert (drug.code, drug.modifiers, drug.units, drug.original_units) == (
        "J9035",
        ("JW", "59"),
        D("10"),
        D("12"),
    )
    denied = paid.services[2]
    assert denied.paid == 0
    assert denied.allowed is None
    assert denied.line_id == "CS0000042-1-3"
    assert [(a.group, a.reason, a.amount) for a in denied.adjustments] == [
        ("CO", "97", D("250"))
    ]
    assert denied.remarks == ("N130",)
    assert reversed_.status == "22"
    assert (reversed_.billed, reversed_.paid) == (D("-300"), D("-192"))
    assert reversed_.patient_responsibility == D("-48")
    assert [a.amount for a in reversed_.services[0].adjustments] == [
        D("-60"),
        D("-48"),
    ]


def test_an_835_keeps_the_raw_segments_of_each_loop() -> None:
    text = as_835(REMITTANCE)
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    paid = remittance.claims[0]
    denied = paid.services[2]
    assert denied.segments == (
        "SVC*HC:96415*250*0**1",
        "DTM*472*20261102",
        "CAS*CO*97*250",
        "REF*6R*CS0000042-1-3",
        "LQ*HE*N130",
    )
    # The claim's loop holds its own segments, then each of its lines'.
    assert paid.segments[:5] == (
        "CLP*CS0000042-1*1*750.5*352*88*MB*2026334000123",
        "CAS*CO*45*10.5",
        "CAS*OA*23*0*2",
        "NM1*QC*1*NUNEZ*JOSE",
        "MOA***MA01*MA130",
    )
    assert paid.segments[5:] == sum((s.segments for s in paid.services), ())
    assert remittance.claims[1].segments[0].startswith("CLP*CS0000040-1*22*-300")


def test_the_835_is_written_the_way_payers_write_it() -> None:
    text = as_835(REMITTANCE)
    segments = [s.rstrip("~") for s in text.splitlines()]
    assert segments[3].startswith("BPR*I*160*C*ACH*CCP*")
    assert segments[3].endswith("*20261130")
    assert segments[4].startswith("TRN*1*EFT20261130001*")
    for expected in (
        "DTM*405*20261130",
        "N1*PR*LAKESHORE MUTUAL",
        "REF*2U*LKM01",
        "N1*PE*CHAIRSIDE DEMO INFUSION CENTER*XX*1234567893",
        "LX*1",
        "SVC*HC:J9035:JW:59*200*160**10**12",
        "AMT*B6*240",
    ):
        assert expected in segments
    # The payer's address and technical contact follow its N1, as required.
    payer = segments.index("N1*PR*LAKESHORE MUTUAL")
    assert [s[:3] for s in segments[payer + 1 : payer + 5]] == [
        "N3*",
        "N4*",
        "REF",
        "PER",
    ]
    assert segments[payer + 4].startswith("PER*BL*")
    # SE counts ST to SE: all but ISA, GS, GE and IEA.
    assert segments[-3] == f"SE*{len(segments) - 4}*0001"
    assert segments[-1] == "IEA*1*000004711"


def test_a_patient_named_first_then_last_reads_last_comma_first() -> None:
    claim = replace(PAID, patient_name="José Núñez")
    text = as_835(replace(REMITTANCE, claims=(claim,)))
    assert validate(text) == []
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    assert remittance.claims[0].patient_name == "NUNEZ, JOSE"


def test_lines_without_dates_bring_the_claim_statement_dates() -> None:
    undated = replace(PAID, services=(line(1), line(2, service_date=None)))
    text = as_835(replace(REMITTANCE, claims=(undated,)))
    assert validate(text) == []
    assert "DTM*232*20261102~" in text
    assert "DTM*233*20261102~" in text
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    assert [s.service_date for s in remittance.claims[0].services] == [
        date(2026, 11, 2),
        None,
    ]


def test_a_check_payment_without_units_reads_one_unit() -> None:
    text = as_835(replace(REMITTANCE, method="CHK", claims=(PAID,))).replace(
        "SVC*HC:96413*300*192**1~", "SVC*HC:96413*300*192~"
    )
    assert validate(text) == []
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    assert remittance.method == "CHK"
    assert [s.units for s in remittance.claims[0].services] == [D(1), D(10), D(1)]


def test_the_payer_id_falls_back_to_n104() -> None:
    text = as_835(replace(REMITTANCE, payer_id="", claims=(PAID,))).replace(
        "N1*PR*LAKESHORE MUTUAL~", "N1*PR*LAKESHORE MUTUAL*XV*H1234~"
    )
    assert validate(text) == []
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    assert remittance.payer_id == "H1234"


def test_adjustments_of_one_group_share_a_cas_and_read_back_in_order() -> None:
    reasons = ("45", "253", "59", "B7", "131", "94", "16")
    several = tuple(
        Adjustment(group="CO", reason=r, amount=D(n + 1), quantity=None)
        for n, r in enumerate(reasons)
    )
    claim = replace(PAID, services=(line(1, adjustments=several),))
    text = as_835(replace(REMITTANCE, claims=(claim,)))
    assert validate(text) == []
    # Six reasons a CAS at most: the seventh opens another.
    assert "CAS*CO*45*1**253*2**59*3**B7*4**131*5**94*6~" in text
    assert "CAS*CO*16*7~" in text
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    assert remittance.claims[0].services[0].adjustments == several


def test_provider_adjustments_are_not_part_of_the_last_claim() -> None:
    text = as_835(REMITTANCE)
    lines = text.splitlines()
    # PLB, the provider-level adjustment after the last claim.
    lines.insert(-3, "PLB*1234567893*20261231*WO:2026111*-10~")
    lines[-3] = f"SE*{len(lines) - 4}*0001~"
    text = "\n".join(lines) + "\n"
    assert validate(text) == []
    (remittance,) = read_x12(text).transactions
    assert isinstance(remittance, Remittance)
    last = remittance.claims[-1]
    assert last.segments[-1] == "REF*6R*CS0000040-1-1"
    assert last.services[-1].segments[-1] == "REF*6R*CS0000040-1-1"


# --- 999 --------------------------------------------------------------------

REJECTED_999 = FileAcknowledgement(
    group_control_number="42",
    status="P",
    transactions=(
        TransactionAcknowledgement(control_number="0001", status="A", errors=()),
        TransactionAcknowledgement(
            control_number="0002",
            status="R",
            errors=(
                "Segment CLM at position 22 in loop 2300: "
                "segment has data element errors (8).",
                "Segment CLM at position 22, element 5.1 (data element 1331): "
                'invalid code value (7), value "99".',
            ),
        ),
    ),
)


def test_a_999_rejecting_a_transaction_round_trips() -> None:
    text = as_999(REJECTED_999)
    print(text)
    assert validate(text) == []
    assert "IK3*CLM*22*2300*8~" in text
    assert "IK4*5:1*1331*7*99~" in text
    assert "AK9*P*2*2*1~" in text
    interchange = read_x12(text)
    assert interchange.kind == "999"
    assert interchange.transactions == (REJECTED_999,)


def test_a_999_reads_its_statuses_and_error_sentences() -> None:
    text = as_999(REJECTED_999)
    (acknowledgement,) = read_x12(text).transactions
    assert isinstance(acknowledgement, FileAcknowledgement)
    assert acknowledgement.group_control_number == "42"
    assert acknowledgement.status == "P"
    rejected = acknowledgement.transactions[1]
    assert (rejected.control_number, rejected.status) == ("0002", "R")
    assert rejected.errors[1].startswith("Segment CLM at position 22, element 5.1")
    assert "invalid code value (7)" in rejected.errors[1]


# --- 277CA ------------------------------------------------------------------

STATUSES = ClaimAcknowledgement(
    batch="4711",
    claims=(
        ClaimStatus(
            claim_number="CS0000042-1",
            category="A2",
            status_code="20",
            accepted=True,
            on=date(2026, 11, 29),
            message="",
            payer_claim_number="2026333000456",
            billed=D("750.50"),
        ),
        ClaimStatus(
            claim_number="CS0000043-2",
            category="A7",
            status_code="562",
            accepted=False,
            on=date(2026, 11, 29),
            message="Entity's National Provider Identifier (NPI) not on file",
            payer_claim_number="",
            billed=D("120"),
        ),
    ),
)


def test_a_277ca_with_an_accepted_and_a_rejected_claim_round_trips() -> None:
    text = as_277ca(STATUSES)
    print(text)
    assert validate(text) == []
    interchange = read_x12(text)
    assert interchange.kind == "277CA"
    assert interchange.transactions == (STATUSES,)
    # Action codes: WQ accepted, U rejected.
    assert "STC*A2:20*20261129*WQ*750.5~" in text
    assert "STC*A7:562*20261129*U*120********Entity's National" in text
    (acknowledgement,) = interchange.transactions
    assert isinstance(acknowledgement, ClaimAcknowledgement)
    accepted, rejected = acknowledgement.claims
    assert accepted.accepted
    assert accepted.payer_claim_number == "2026333000456"
    assert not rejected.accepted
    assert (rejected.category, rejected.status_code) == ("A7", "562")
    assert rejected.message.startswith("Entity's National Provider Identifier")


def test_a_277ca_service_line_status_is_not_the_claims() -> None:
    text = as_277ca(STATUSES)
    # A 2220D line under the accepted claim, itself rejected.
    lines = text.splitlines()
    at = lines.index("DTP*472*D8*20261129~")
    # A second claim-level status after the first: the first is the claim's.
    lines.insert(at - 1, "STC*A3:21*20261129*U*750.5~")
    at += 1
    lines[at + 1 : at + 1] = [
        "SVC*HC:96413*750.5~",
        "STC*A7:21*20261129*U~",
        "REF*FJ*CS0000042-1-1~",
    ]
    lines[-3] = f"SE*{int(lines[-3][3:5]) + 4}*0001~"
    text = "\n".join(lines) + "\n"
    assert validate(text) == []
    (acknowledgement,) = read_x12(text).transactions
    assert isinstance(acknowledgement, ClaimAcknowledgement)
    assert acknowledgement.claims == STATUSES.claims


# --- Refused ----------------------------------------------------------------


def test_a_clp_missing_an_element_is_refused_naming_its_segment() -> None:
    text = as_835(REMITTANCE)
    broken = text.replace("*MB*2026334000123~", "*MB~")
    number = numbered(broken, "CLP*CS0000042-1")
    assert number == 16
    message = refusal(broken)
    assert message.startswith(f"Segment {number} (CLP): ")
    assert "CLP07" in message


def test_a_missing_segment_is_refused_where_pyx12_misses_it() -> None:
    text = as_835(REMITTANCE)
    # And, later in the same claim, a bad date: the missing segment is first.
    broken = text.replace("NM1*QC*1*DOE*JANE~\n", "").replace(
        "DTM*472*20261102~\nCAS*CO*45*-60", "DTM*472*20261399~\nCAS*CO*45*-60"
    )
    message = refusal(broken)
    number = numbered(broken, "SVC*HC:96413*-300")
    assert message.startswith(f"Segment {number} (SVC): ")
    assert "Patient Name" in message


def test_of_two_errors_the_first_in_the_file_is_named() -> None:
    text = as_835(REMITTANCE)
    broken = text.replace("*MB*2026334000123~", "*MB~").replace(
        "DTM*472*20261102~\nCAS*CO*45*-60", "DTM*472*20261399~\nCAS*CO*45*-60"
    )
    # A wrong segment count too, which pyx12 reports first, at SE.
    broken = broken.replace("SE*", "SE*9", 1)
    assert "20261399" in broken
    assert refusal(broken).startswith(
        f"Segment {numbered(broken, 'CLP*CS0000042')} (CLP): "
    )
    # An ISA error before a segment error.
    broken = broken.replace("*0*P*:~", "*0*Q*:~", 1)
    assert refusal(broken).startswith("Segment 1 (ISA): ")


def test_an_empty_segment_is_refused() -> None:
    text = as_835(REMITTANCE)
    broken = text.replace("LX*1~", "LX*1~~")
    number = numbered(broken, "LX*1") + 1
    assert refusal(broken) == f"Segment {number} is empty."


def test_a_wrong_segment_count_is_refused_at_se() -> None:
    text = as_835(REMITTANCE)
    number = numbered(text, "SE*")
    broken = text.replace("SE*", "SE*9", 1)
    assert refusal(broken).startswith(f"Segment {number} (SE): SE count of 9")


def test_an_invalid_isa_element_is_refused_at_segment_1() -> None:
    text = as_835(REMITTANCE)
    broken = text.replace("*0*P*:~", "*0*Q*:~", 1)
    message = refusal(broken)
    assert message.startswith("Segment 1 (ISA): ")
    assert "ISA15" in message


def test_a_truncated_file_is_refused() -> None:
    text = as_835(REMITTANCE)
    # Cut after the REF*6R of the denied line, before its LQ.
    cut = text[: text.index("LQ*HE*N130")]
    assert cut.splitlines()[-1] == "REF*6R*CS0000042-1-3~"
    last = len(cut.splitlines())
    message = refusal(cut.encode())
    assert message == (
        f"The file ends at segment {last} (REF) without the IEA that closes "
        "the interchange: it is cut short."
    )


def test_a_file_cut_in_the_middle_of_a_segment_is_refused() -> None:
    text = as_835(REMITTANCE)
    cut = text[: text.index("IEA*") + 5]
    assert refusal(cut) == (
        f"The file ends in the middle of segment {numbered(cut, 'IEA')} (IEA), "
        "before its terminator: it is cut short."
    )


def test_a_second_interchange_in_the_file_is_refused() -> None:
    first = as_835(REMITTANCE)
    second = first.replace("000004711", "000004712").replace("*4711~", "*4712~")
    number = len(first.splitlines()) + 1
    assert refusal(first + second) == (
        f"Segment {number} (ISA): the file holds a second interchange; send one each."
    )


def test_a_text_file_is_refused() -> None:
    message = refusal(b"Dear provider,\nplease find our remittance attached.\n")
    assert message == (
        "The file does not begin with an ISA segment: it is not an X12 file."
    )


def test_empty_bytes_are_refused() -> None:
    assert refusal(b"") == "The file is empty: there is no X12 interchange in it."
    assert refusal(b"\r\n  \n") == (
        "The file is empty: there is no X12 interchange in it."
    )


def test_undecodable_bytes_are_refused_naming_the_segment() -> None:
    text = as_835(REMITTANCE)
    data = text.encode().replace(b"NM1*QC*1*NUNEZ", b"NM1*QC*1*N\xfa\xf1EZ")
    number = numbered(text, "NM1*QC*1*NUNEZ")
    at = data.index(b"\xfa") + 1
    assert refusal(data) == (
        f"The file is not text: byte {at} (0xFA) in segment {number} "
        "is not a character."
    )


MINIMAL_837 = (
    "ISA*00*          *00*          *ZZ*CHAIRSIDE      *ZZ*CLEARINGHOUSE  "
    "*261125*1430*^*00501*000000001*0*P*:~\n"
    "GS*HC*CHAIRSIDE*CLEARINGHOUSE*20261125*1430*1*X*005010X222A1~\n"
    "ST*837*0001*005010X222A1~\n"
    "BHT*0019*00*1*20261125*1430*CH~\n"
    "SE*3*0001~\n"
    "GE*1*1~\n"
    "IEA*1*000000001~\n"
)


def test_an_837_is_refused_as_another_transaction() -> None:
    assert refusal(MINIMAL_837) == (
        "Segment 3 (ST): the file holds transaction set 837 (005010X222A1), "
        "not an 835, 999 or 277CA."
    )


def test_a_270_is_refused_as_another_transaction() -> None:
    eligibility = MINIMAL_837.replace("005010X222A1", "005010X279A1").replace(
        "ST*837", "ST*270"
    )
    assert refusal(eligibility).startswith(
        "Segment 3 (ST): the file holds transaction set 270 (005010X279A1)"
    )


def test_a_byte_order_mark_and_windows_line_ends_are_read() -> None:
    text = as_835(REMITTANCE)
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    (remittance,) = read_x12(data).transactions
    assert isinstance(remittance, Remittance)
    assert without_segments(remittance) == REMITTANCE
    assert remittance.claims[0].segments[0] == (
        "CLP*CS0000042-1*1*750.5*352*88*MB*2026334000123"
    )


# --- Size -------------------------------------------------------------------


def test_ten_thousand_claims_are_parsed_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pyx12's validation aside (it takes its own time): the reading itself.
    claims = tuple(
        replace(
            PAID,
            claim_number=f"CS{n:07d}-1",
            services=tuple(line(i, line_id=f"CS{n:07d}-1-{i}") for i in range(1, 6)),
        )
        for n in range(10_000)
    )
    text = as_835(replace(REMITTANCE, claims=claims))
    monkeypatch.setattr(read, "refuse_invalid", lambda text, segments: None)
    started = time.perf_counter()
    (remittance,) = read_x12(text).transactions
    took = time.perf_counter() - started
    assert isinstance(remittance, Remittance)
    assert len(remittance.claims) == 10_000
    assert sum(len(c.services) for c in remittance.claims) == 50_000
    assert remittance.claims[-1].services[-1].line_id == "CS0009999-1-5"
    assert took < 15, f"{took:.1f} s"
