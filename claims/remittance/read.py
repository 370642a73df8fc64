"""Reading what a payer sends back for our 837s: the 999 (implementation
acknowledgement of the file), the 277CA (claim acknowledgement: accepted or
rejected, claim by claim) and the 835 (remittance advice 005010X221A1: what
was paid per claim and per service line, with its adjustments and remarks).

A file is first validated whole by pyx12 against its implementation guide;
one with errors, or that is not one of those three, is refused with a
sentence naming the segment (counted from 1 at ISA) and the reason. A valid
one is then read in one pass into plain immutable values.
"""

import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyx12.params
import pyx12.x12n_document


class X12Refused(ValueError):
    """The file is not valid X12 or not an 835, 999 or 277CA. Its message is one
    sentence naming the segment number (counted from 1 at ISA) and the reason."""


@dataclass(frozen=True, kw_only=True)
class Adjustment:
    """One CAS triple: group (CO, PR, OA, PI, CR), reason (a CARC), amount."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None


@dataclass(frozen=True, kw_only=True)
class ServicePayment:
    """An 835 service line (loop 2110)."""

    code: str  # SVC01-2: HC:96413:25 is 96413
    modifiers: tuple[str, ...]
    billed: Decimal  # SVC02
    paid: Decimal  # SVC03
    units: Decimal  # SVC05, the units paid; 1 when absent
    original_units: Decimal | None  # SVC07
    service_date: date | None  # DTM*472 (or 150, the start of a period)
    line_id: str  # REF*6R, our line item control number; "" when absent
    allowed: Decimal | None  # AMT*B6
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]  # LQ*HE
    segments: tuple[str, ...]  # the loop's segments as written in the file


@dataclass(frozen=True, kw_only=True)
class ClaimPayment:
    """An 835 claim (loop 2100)."""

    claim_number: str  # CLP01, our CLM01
    status: str  # CLP02: 1-3 processed, 4 denied, 22 reversal...
    billed: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    payer_claim_number: str  # CLP07
    patient_name: str  # NM1*QC, "LAST, FIRST"
    adjustments: tuple[Adjustment, ...]  # claim-level CAS
    remarks: tuple[str, ...]  # MOA/MIA remark codes
    services: tuple[ServicePayment, ...]
    segments: tuple[str, ...]  # the whole 2100 loop, its 2110s included


@dataclass(frozen=True, kw_only=True)
class Remittance:
    """One 835 transaction set."""

    payer_name: str  # N1*PR
    payer_id: str  # REF*2U, else N1*PR N104, else ""
    payee_name: str  # N1*PE
    payee_npi: str  # N1*PE*..*XX*npi
    method: str  # BPR04: ACH, CHK, NON...
    total_paid: Decimal  # BPR02
    paid_on: date | None  # BPR16
    trace_number: str  # TRN02, the check or EFT number
    claims: tuple[ClaimPayment, ...]


@dataclass(frozen=True, kw_only=True)
class TransactionAcknowledgement:
    """A 999 AK2 loop: one acknowledged 837 transaction set."""

    control_number: str  # AK202, the acknowledged ST02
    status: str  # IK501: A accepted, E accepted with errors, R rejected...
    errors: tuple[str, ...]  # one sentence per IK3 and per IK4


@dataclass(frozen=True, kw_only=True)
class FileAcknowledgement:
    """One 999 transaction set: the acknowledgement of one 837 group."""

    group_control_number: str  # AK102, the 837's GS06
    status: str  # AK901: A, E, P, R
    transactions: tuple[TransactionAcknowledgement, ...]


@dataclass(frozen=True, kw_only=True)
class ClaimStatus:
    """A 277CA claim (loop 2200D), from its first STC."""

    claim_number: str  # TRN02, our CLM01
    category: str  # STC01-1
    status_code: str  # STC01-2
    accepted: bool  # category A1, A2 or A5
    on: date | None  # STC02
    message: str  # STC12, else ""
    payer_claim_number: str  # REF*1K, else ""
    billed: Decimal | None  # STC04


@dataclass(frozen=True, kw_only=True)
class ClaimAcknowledgement:
    """One 277CA transaction set."""

    batch: str  # 2200B TRN02, the 837's BHT03; "" when absent
    claims: tuple[ClaimStatus, ...]


@dataclass(frozen=True, kw_only=True)
class Interchange:
    kind: str  # "835", "999" or "277CA"
    sender: str  # ISA06
    receiver: str  # ISA08
    control_number: str  # ISA13
    created: datetime | None  # ISA09 and ISA10
    transactions: (
        tuple[Remittance, ...]
        | tuple[FileAcknowledgement, ...]
        | tuple[ClaimAcknowledgement, ...]
    )


# The transactions read, by ST01 and GS08 (which also picks pyx12's map).
KINDS = {
    ("835", "005010X221A1"): "835",
    ("999", "005010X231A1"): "999",
    ("999", "005010X231"): "999",
    ("277", "005010X214"): "277CA",
}
ACCEPTED = frozenset({"A1", "A2", "A5"})  # 277CA categories of an accepted claim
ISA_LENGTH = 106

# The 999 error codes (IK304 for a segment, IK403 for an element).
SEGMENT_ERRORS = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": "implementation 'not used' segment present",
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": "implementation dependent 'not used' segment present",
}
ELEMENT_ERRORS = {
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
    "I10": "implementation 'not used' data element present",
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": "implementation dependent 'not used' data element present",
}


@dataclass(frozen=True, slots=True)
class Segment:
    number: int  # counted from 1 at ISA
    raw: str
    elements: list[str]  # [0] is the segment ID

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, position: int) -> str:
        return self.elements[position] if position < len(self.elements) else ""

    def refuse(self, reason: str) -> X12Refused:
        return X12Refused(f"Segment {self.number} ({self.id}): {reason}.")

    def decimal(self, position: int) -> Decimal:
        try:
            return Decimal(self[position])
        except InvalidOperation:
            raise self.refuse(
                f"element {position} is not a number ({self[position]!r})"
            ) from None

    def maybe_decimal(self, position: int) -> Decimal | None:
        return self.decimal(position) if self[position] else None

    def day(self, position: int) -> date | None:
        text = self[position]
        if not text:
            return None
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            raise self.refuse(f"element {position} is not a date ({text!r})") from None


@dataclass(frozen=True)
class Delimiters:
    segment: str
    element: str
    component: str
    repetition: str


# --- The envelope ---------------------------------------------------------


def decoded(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            before = data[: error.start].decode("utf-8", "replace")
            where = ""
            if before.lstrip().startswith("ISA") and len(before.lstrip()) > 105:
                number = before.count(before.lstrip()[105]) + 1
                where = f" in segment {number}"
            raise X12Refused(
                f"The file is not text: byte {error.start + 1} "
                f"(0x{data[error.start]:02X}){where} is not a character."
            ) from None
    # A byte order mark or blank lines before ISA are not part of the X12.
    return text.lstrip("\ufeff \t\r\n")


def delimiters(text: str) -> Delimiters:
    if not text.strip():
        raise X12Refused("The file is empty: there is no X12 interchange in it.")
    if not text.startswith("ISA"):
        raise X12Refused(
            "The file does not begin with an ISA segment: it is not an X12 file."
        )
    if len(text) < ISA_LENGTH:
        raise X12Refused(
            "Segment 1 (ISA): the interchange header is cut short "
            f"({len(text)} of its {ISA_LENGTH} characters)."
        )
    found = Delimiters(
        segment=text[105], element=text[3], component=text[104], repetition=text[82]
    )
    marks = (found.segment, found.element, found.component)
    if len(set(marks)) < 3 or any(c.isalnum() or c == " " for c in marks):
        raise X12Refused(
            "Segment 1 (ISA): its delimiters cannot be read; the ISA must be "
            f"{ISA_LENGTH} characters with its separators in place."
        )
    return found


def split(text: str, marks: Delimiters) -> list[Segment]:
    out: list[Segment] = []
    element = marks.element
    pieces = text.split(marks.segment)
    for number, piece in enumerate(pieces, start=1):
        if piece.strip():
            raw = piece.strip("\r\n")
            out.append(Segment(number, raw, raw.split(element)))
        elif any(rest.strip() for rest in pieces[number:]):
            raise X12Refused(f"Segment {number} is empty.")
        else:
            break  # only blank lines after the last segment
    if pieces[-1].strip():
        cut = out[-1]
        raise X12Refused(
            f"The file ends in the middle of segment {cut.number} "
            f"({cut.id[:3]}), before its terminator: it is cut short."
        )
    return out


def envelope_kind(segments: list[Segment]) -> str:
    """The transactions the interchange holds, from each ST and its GS08; the
    plain-sentence refusals pyx12 has no good words for."""
    last = segments[-1]
    if last.id != "IEA":
        raise X12Refused(
            f"The file ends at segment {last.number} ({last.id[:3]}) without the "
            "IEA that closes the interchange: it is cut short."
        )
    kinds: set[str] = set()
    version = ""
    for segment in segments:
        if segment.id == "ISA" and segment.number != 1:
            raise segment.refuse("the file holds a second interchange; send one each")
        elif segment.id == "GS":
            version = segment[8]
        elif segment.id == "ST":
            kind = KINDS.get((segment[1], version))
            if kind is None:
                raise segment.refuse(
                    f"the file holds transaction set {segment[1]} "
                    f"({version or 'no version'}), not an 835, 999 or 277CA"
                )
            kinds.add(kind)
    if not kinds:
        raise X12Refused("The file holds no transaction set (no ST segment).")
    if len(kinds) > 1:
        raise X12Refused(
            f"The file mixes {' and '.join(sorted(kinds))} transactions; "
            "send each kind in its own file."
        )
    return kinds.pop()


# --- pyx12 -----------------------------------------------------------------


def refuse_invalid(text: str, segments: list[Segment]) -> None:
    """Refuse the file if pyx12 finds any error in it, naming the first."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    # pyx12's report gives each error the line (segment number) where it was
    # found, but leaves out the element errors of ISA, GS and ST: for those,
    # the first segment where its running verdict turns false, asked again.
    found: list[tuple[int, str]] = []

    def callback(segment: Any, source: Any, node: Any, valid: bool) -> None:
        if not valid and not found:
            _, errors = node.is_valid_errors(segment)
            reason = errors[0].err_str if errors else "pyx12 found it invalid"
            found.append((source.get_cur_line(), reason))

    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(),
            io.StringIO(text),
            None,
            None,
            fd_json=report,
            callback=callback,
        )
    except Exception as error:  # pyx12 gives up on some malformed files
        raise X12Refused(f"pyx12 could not read the file: {sentence(error)}") from None
    errors = [*located(json.loads(report.getvalue() or "{}")), *found]
    if not errors:
        if valid:
            return
        raise X12Refused("pyx12 found the file invalid.")
    number, reason = min(errors, key=lambda error: error[0])
    if 0 < number <= len(segments):
        where = f"Segment {number} ({segments[number - 1].id})"
    else:
        where = f"Segment {number}"
    raise X12Refused(f"{where}: {sentence(reason)}")


def sentence(reason: object) -> str:
    # pyx12's reasons may run to two sentences ("... not found.  Started at").
    reason = " ".join(str(reason).split()).rstrip(".").replace(". ", "; ")
    return f"{reason}."


def located(report: Any) -> Iterator[tuple[int, str]]:
    """(segment number, reason) of each error in pyx12's report; an error of
    ISA, GS or ST is on its closing segment, if it was reached."""
    for isa in report.get("interchanges", []):
        nodes = [isa]
        for gs in isa.get("groups", []):
            nodes.append(gs)
            for st in gs.get("transactions", []):
                nodes.append(st)
                nodes.extend(st.get("segments", []))
        for node in nodes:
            errors = [*node.get("errors", [])]
            for element in node.get("elements", []):
                errors.extend(element.get("errors", []))
            for error in errors:
                yield node["cur_line"], error["err_str"]


# --- Reading ---------------------------------------------------------------


def read_x12(data: bytes | str) -> Interchange:
    """The 835, 999 or 277CA interchange in `data`, validated by pyx12."""
    text = decoded(data)
    marks = delimiters(text)
    segments = split(text, marks)
    kind = envelope_kind(segments)
    refuse_invalid(text, segments)
    isa = segments[0]
    transactions: list[Any] = []
    body: list[Segment] = []
    for segment in segments:
        if segment.id == "ST":
            body = []
        elif segment.id == "SE":
            transactions.append(READERS[kind](body, marks))
        else:
            body.append(segment)
    return Interchange(
        kind=kind,
        sender=isa[6].strip(),
        receiver=isa[8].strip(),
        control_number=isa[13],
        created=created(isa),
        transactions=tuple(transactions),
    )


def created(isa: Segment) -> datetime | None:
    try:
        return datetime.strptime(isa[9] + isa[10], "%y%m%d%H%M")
    except ValueError:
        return None


def adjustments(cas: Segment) -> Iterator[Adjustment]:
    """The up to six reason, amount, quantity triples of one CAS."""
    for start in range(2, 20, 3):
        if cas[start]:
            yield Adjustment(
                group=cas[1],
                reason=cas[start],
                amount=cas.decimal(start + 1),
                quantity=cas.maybe_decimal(start + 2),
            )


def remittance(body: list[Segment], marks: Delimiters) -> Remittance:
    """An 835: its header, then each claim (2100, from CLP to the next CLP or
    the end of the detail) with its service lines (2110, from SVC)."""
    header: dict[str, str] = {}
    total = Decimal(0)
    paid_on: date | None = None
    claims: list[ClaimPayment] = []
    claim: list[Segment] = []
    for segment in body:
        sid = segment.id
        if sid == "CLP":
            if claim:
                claims.append(claim_payment(claim, marks))
            claim = [segment]
        elif claim and sid not in ("LX", "TS3", "TS2", "PLB"):
            claim.append(segment)
        else:
            if claim:
                claims.append(claim_payment(claim, marks))
                claim = []
            if sid == "BPR":
                header["method"] = segment[4]
                total = segment.decimal(2)
                paid_on = segment.day(16)
            elif sid == "TRN":
                header["trace"] = segment[2]
            elif sid == "N1" and segment[1] == "PR":
                header["payer"], header["payer_n104"] = segment[2], segment[4]
            elif sid == "N1" and segment[1] == "PE":
                header["payee"] = segment[2]
                header["npi"] = segment[4] if segment[3] == "XX" else ""
            elif sid == "REF" and segment[1] == "2U":  # only the payer's (1000A)
                header["payer_id"] = segment[2]
    if claim:
        claims.append(claim_payment(claim, marks))
    return Remittance(
        payer_name=header.get("payer", ""),
        payer_id=header.get("payer_id") or header.get("payer_n104", ""),
        payee_name=header.get("payee", ""),
        payee_npi=header.get("npi", ""),
        method=header.get("method", ""),
        total_paid=total,
        paid_on=paid_on,
        trace_number=header.get("trace", ""),
        claims=tuple(claims),
    )


def claim_payment(loop: list[Segment], marks: Delimiters) -> ClaimPayment:
    clp = loop[0]
    found: list[Adjustment] = []
    remarks: list[str] = []
    patient = ""
    services: list[ServicePayment] = []
    service: list[Segment] = []
    for segment in loop[1:]:
        sid = segment.id
        if sid == "SVC":
            if service:
                services.append(service_payment(service, marks))
            service = [segment]
        elif service:
            service.append(segment)
        elif sid == "CAS":
            found.extend(adjustments(segment))
        elif sid == "NM1" and segment[1] == "QC":
            patient = ", ".join(n for n in (segment[3], segment[4]) if n)
        elif sid == "MOA":
            remarks.extend(segment[n] for n in range(3, 8) if segment[n])
        elif sid == "MIA":
            remarks.extend(segment[n] for n in (5, 20, 21, 22, 23) if segment[n])
    if service:
        services.append(service_payment(service, marks))
    return ClaimPayment(
        claim_number=clp[1],
        status=clp[2],
        billed=clp.decimal(3),
        paid=clp.decimal(4),
        patient_responsibility=clp.maybe_decimal(5),
        payer_claim_number=clp[7],
        patient_name=patient,
        adjustments=tuple(found),
        remarks=tuple(remarks),
        services=tuple(services),
        segments=tuple(s.raw for s in loop),
    )


def service_payment(loop: list[Segment], marks: Delimiters) -> ServicePayment:
    svc = loop[0]
    procedure = svc[1].split(marks.component)
    day: date | None = None
    line_id = ""
    allowed: Decimal | None = None
    found: list[Adjustment] = []
    remarks: list[str] = []
    for segment in loop[1:]:
        sid = segment.id
        if sid == "DTM" and segment[1] in ("472", "150") and day is None:
            day = segment.day(2)
        elif sid == "CAS":
            found.extend(adjustments(segment))
        elif sid == "REF" and segment[1] == "6R":
            line_id = segment[2]
        elif sid == "AMT" and segment[1] == "B6":
            allowed = segment.decimal(2)
        elif sid == "LQ" and segment[1] == "HE":
            remarks.append(segment[2])
    return ServicePayment(
        code=procedure[1] if len(procedure) > 1 else procedure[0],
        modifiers=tuple(m for m in procedure[2:6] if m),
        billed=svc.decimal(2),
        paid=svc.decimal(3),
        units=svc.maybe_decimal(5) or Decimal(1),
        original_units=svc.maybe_decimal(7),
        service_date=day,
        line_id=line_id,
        allowed=allowed,
        adjustments=tuple(found),
        remarks=tuple(remarks),
        segments=tuple(s.raw for s in loop),
    )


def file_acknowledgement(body: list[Segment], marks: Delimiters) -> FileAcknowledgement:
    """A 999: AK1, then per acknowledged transaction AK2, its IK3 segment
    errors each with their IK4 element errors, IK5; then AK9."""
    group = status = ""
    transactions: list[TransactionAcknowledgement] = []
    control = ""
    errors: list[str] = []
    ik3 = Segment(0, "", ["IK3"])
    for segment in body:
        sid = segment.id
        if sid == "AK1":
            group = segment[2]
        elif sid == "AK2":
            control, errors = segment[2], []
        elif sid == "IK3":
            ik3 = segment
            errors.append(segment_error(segment))
        elif sid == "IK4":
            errors.append(element_error(ik3, segment, marks))
        elif sid == "IK5":
            transactions.append(
                TransactionAcknowledgement(
                    control_number=control, status=segment[1], errors=tuple(errors)
                )
            )
        elif sid == "AK9":
            status = segment[1]
    return FileAcknowledgement(
        group_control_number=group, status=status, transactions=tuple(transactions)
    )


def segment_error(ik3: Segment) -> str:
    """An IK3 as a sentence, e.g. 'Segment CLM at position 22 in loop 2300:
    segment has data element errors (8).'; demo/x12_responses.py reads it."""
    loop = f" in loop {ik3[3]}" if ik3[3] else ""
    code = ik3[4]
    reason = SEGMENT_ERRORS.get(code, "error")
    return f"Segment {ik3[1]} at position {ik3[2]}{loop}: {reason} ({code})."


def element_error(ik3: Segment, ik4: Segment, marks: Delimiters) -> str:
    """An IK4 as a sentence, e.g. 'Segment CLM at position 22, element 5.1
    (data element 1331): invalid code value (7), value "99".'"""
    position = ".".join(p for p in ik4[1].split(marks.component))
    reference = f" (data element {ik4[2]})" if ik4[2] else ""
    code = ik4[3]
    reason = ELEMENT_ERRORS.get(code, "error")
    value = f', value "{ik4[4]}"' if ik4[4] else ""
    return (
        f"Segment {ik3[1]} at position {ik3[2]}, element {position}{reference}: "
        f"{reason} ({code}){value}."
    )


def claim_acknowledgement(
    body: list[Segment], marks: Delimiters
) -> ClaimAcknowledgement:
    """A 277CA: the hierarchy of the payer (HL 20), us (21, whose TRN is the
    batch), the billing provider (19) and the patients (PT), under whom each
    TRN opens a claim (2200D) that runs to the next TRN or HL."""
    batch = ""
    level = ""
    loops: list[list[Segment]] = []
    claim: list[Segment] | None = None
    for segment in body:
        sid = segment.id
        if sid == "HL":
            level, claim = segment[3], None
        elif sid == "TRN" and level == "21":
            batch = segment[2]
        elif sid == "TRN" and level == "PT":
            claim = [segment]
            loops.append(claim)
        elif claim is not None:
            claim.append(segment)
    claims = tuple(claim_status(loop, marks) for loop in loops)
    return ClaimAcknowledgement(batch=batch, claims=claims)


def claim_status(loop: list[Segment], marks: Delimiters) -> ClaimStatus:
    """A 2200D claim from its first STC (the claim's own: those of its
    service lines, 2220D, come after it) and its REF*1K."""
    stc = next((s for s in loop if s.id == "STC"), Segment(0, "", ["STC"]))
    status = stc[1].split(marks.component)
    category = status[0]
    return ClaimStatus(
        claim_number=loop[0][2],
        category=category,
        status_code=status[1] if len(status) > 1 else "",
        accepted=category in ACCEPTED,
        on=stc.day(2),
        message=stc[12],
        payer_claim_number=next(
            (s[2] for s in loop if s.id == "REF" and s[1] == "1K"), ""
        ),
        billed=stc.maybe_decimal(4),
    )


READERS: dict[
    str,
    Callable[
        [list[Segment], Delimiters],
        Remittance | FileAcknowledgement | ClaimAcknowledgement,
    ],
] = {
    "835": remittance,
    "999": file_acknowledgement,
    "277CA": claim_acknowledgement,
}
