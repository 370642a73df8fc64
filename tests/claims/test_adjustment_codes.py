"""The CARC and RARC code lists kept as data (claims.remittance.codes)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from claims.remittance import codes
from claims.remittance.codes import GROUPS, carc, edition, group_name, rarc

DATA = Path(codes.__file__).resolve().parent / "data"
COLUMNS = ["code", "description", "start", "stop", "source"]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


CARC_ROWS = _rows("carc.csv")
RARC_ROWS = _rows("rarc.csv")
ALL_ROWS = [("carc.csv", row) for row in CARC_ROWS] + [
    ("rarc.csv", row) for row in RARC_ROWS
]

# Official wording of a few codes, so a description that merely copies it fails.
OFFICIAL_SAMPLES = [
    "Deductible Amount",
    "Coinsurance Amount",
    "Co-payment Amount",
    "Claim/service lacks information or has submission/billing error(s).",
    "Exact duplicate claim/service",
    "The time limit for filing has expired.",
    "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee "
    "arrangement.",
    "Non-covered charge(s).",
    "The benefit for this service is included in the payment/allowance for "
    "another service/procedure that has already been adjudicated.",
    "Plan procedures not followed.",
    "Interim bills cannot be processed.",
    "Prescription is incomplete.",
    "Prescription is not current.",
    "Revenue code and Procedure code do not match.",
    "Administrative surcharges are not covered",
    "Sequestration - reduction in federal payment",
    "Based on subrogation of a third party settlement",
    "Direct Medical Education Adjustment.",
    "Medicare Claim PPS Capital Cost Outlier Amount.",
    "Only one visit or consultation per physician per day is covered.",
    "Sales Tax",
    "Blood Deductible.",
    "Tax withholding.",
    "Referral absent",
    "Referral exceeded",
    "Appeal procedures not followed",
    "Appeal time limits not met",
    "Payment made to employer.",
    "Payment made to attorney.",
    "Precertification/authorization/notification/pre-treatment absent.",
    "This service/equipment/drug is not covered under the patient's current "
    "benefit plan",
    "Services not provided by network/primary care providers.",
    "Missing/incomplete/invalid HCPCS.",
    "Missing/incomplete/invalid procedure code(s).",
    "Missing invoice.",
    "Add-on code cannot be billed by itself.",
    "Services for a newborn must be billed separately.",
    "Covered only when performed by the attending physician.",
    "Consolidated billing and payment applies.",
    "Not covered when considered routine.",
    "Statutorily excluded service(s).",
    "Invalid combination of HCPCS modifiers.",
    "Alert: You may not appeal this decision.",
    "Service not payable with other service rendered on the same date.",
    "The number of Days or Units of Service exceeds our acceptable maximum.",
]
BOILERPLATE = [
    "usage:",
    "at least one remark code must be provided",
    "835 healthcare policy identification segment",
    "loop 2110",
    "ncpdp reject reason code",
]


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    """Forget the cached tables before and after a test that swaps the data."""
    codes._table.cache_clear()
    codes._edition_of.cache_clear()
    yield
    codes._table.cache_clear()
    codes._edition_of.cache_clear()


@pytest.mark.parametrize("name", ["carc.csv", "rarc.csv"])
def test_files_have_the_documented_columns(name: str) -> None:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS


@pytest.mark.parametrize(("name", "rows"), [("carc", CARC_ROWS), ("rarc", RARC_ROWS)])
def test_every_code_is_unique_and_already_normalised(
    name: str, rows: list[dict[str, str]]
) -> None:
    seen = [row["code"] for row in rows]
    duplicates = sorted({code for code in seen if seen.count(code) > 1})
    assert duplicates == [], f"{name}: duplicated {duplicates}"
    assert [code for code in seen if code != code.strip().upper()] == []


def test_descriptions_are_short_and_in_our_own_words() -> None:
    official = {_squash(text) for text in OFFICIAL_SAMPLES}
    problems = []
    for name, row in ALL_ROWS:
        text = row["description"]
        if not text.strip():
            problems.append((name, row["code"], "empty"))
        elif len(text) > 120:
            problems.append((name, row["code"], f"{len(text)} characters"))
        elif any(marker in text.lower() for marker in BOILERPLATE):
            problems.append((name, row["code"], "official boilerplate"))
        elif _squash(text) in official:
            problems.append((name, row["code"], "official text"))
    assert problems == []


def test_the_lists_are_big_enough() -> None:
    assert len(CARC_ROWS) >= 250
    assert len(RARC_ROWS) >= 150


def test_every_current_carc_is_present_and_current() -> None:
    # Deactivated codes whose stop dates we could not confirm (see codes.py).
    left_out = {"15", "138", "165", "168"}
    stopped = {row["code"] for row in CARC_ROWS if row["stop"]}
    expected = (
        [str(number) for number in range(1, 309)]
        + ["A0", "A1", "A5", "A6", "A8"]
        + [f"B{n}" for n in (1, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 22, 23)]
        + [f"P{number}" for number in range(1, 33)]
    )
    missing = [
        code
        for code in expected
        if code not in left_out and code not in stopped and not carc(code).known
    ]
    assert missing == []
    assert all(carc(code).stopped is None for code in ["1", "97", "308", "P32"])


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("97", ["bundl"]),
        ("16", ["lack", "missing"]),
        ("45", ["fee schedule"]),
        ("96", ["non-covered", "not covered"]),
        ("50", ["medically necessary", "medical necessity"]),
        ("151", ["frequency", "many"]),
        ("204", ["not covered"]),
        ("236", ["same-day", "same day", "ncci"]),
        ("242", ["network"]),
        ("B15", ["qualifying"]),
        ("1", ["deductible"]),
        ("2", ["coinsurance"]),
        ("197", ["authorization"]),
    ],
)
def test_well_known_carcs_say_what_they_mean(code: str, words: list[str]) -> None:
    entry = carc(code)
    assert entry.known
    assert entry.kind == "CARC"
    assert entry.code == code
    assert entry.stopped is None
    assert any(word in entry.description.lower() for word in words), entry.description


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("M15", ["bundled"]),
        ("M80", ["same session", "same date"]),
        ("M86", ["already paid"]),
        ("N130", ["plan benefit"]),
        ("N362", ["units"]),
        ("N519", ["modifier"]),
        ("N657", ["code"]),
        ("MA130", ["new corrected claim"]),
        ("N290", ["rendering provider"]),
        ("N20", ["same date"]),
        ("N350", ["not-otherwise-classified", "unlisted"]),
        ("N425", ["statute"]),
        ("N4", ["prior insurer"]),
        ("N56", ["procedure code"]),
        ("M20", ["hcpcs"]),
        ("N95", ["specialty"]),
        ("N115", ["local coverage determination"]),
        ("N522", ["crossover"]),
        ("N206", ["documentation"]),
        ("M51", ["procedure code"]),
        ("M76", ["diagnosis"]),
        ("MA04", ["primary payer"]),
        ("MA18", ["supplemental insurer"]),
        ("N211", ["cannot be appealed"]),
    ],
)
def test_the_remark_codes_of_drug_claims_are_present(
    code: str, words: list[str]
) -> None:
    entry = rarc(code)
    assert entry.known
    assert entry.kind == "RARC"
    assert entry.stopped is None
    assert any(word in entry.description.lower() for word in words), entry.description


def test_an_unknown_code_is_named_and_never_raises() -> None:
    entry = carc("999")
    assert not entry.known
    assert entry.code == "999"
    assert entry.stopped is None
    assert entry.description == (
        "Unknown CARC 999: not in Chairside's list (X12-CARC-2025-11)"
    )
    remark = rarc(" zz9 ")
    assert not remark.known
    assert remark.description.startswith("Unknown RARC ZZ9: not in Chairside's list")
    assert not carc("").known
    assert "(blank)" in carc("  ").description


def test_codes_are_matched_after_stripping_and_upper_casing() -> None:
    assert carc(" b15 ") == carc("B15")
    assert carc("b15").known
    assert rarc("ma130").code == "MA130"
    assert rarc("\tn130\n").known


@pytest.mark.parametrize(
    ("group", "name"),
    [
        ("CO", "Contractual obligation (the provider's write-off)"),
        ("PR", "Patient responsibility"),
        ("OA", "Other adjustment"),
        ("PI", "Payer-initiated reduction"),
        ("CR", "Correction or reversal"),
        (" co ", "Contractual obligation (the provider's write-off)"),
        ("XX", "Unknown group XX"),
        ("zz", "Unknown group ZZ"),
    ],
)
def test_group_names(group: str, name: str) -> None:
    assert group_name(group) == name


def test_there_are_exactly_five_groups() -> None:
    assert sorted(GROUPS) == ["CO", "CR", "OA", "PI", "PR"]


def test_start_and_stop_dates_parse_and_reach_the_lookup() -> None:
    for name, row in ALL_ROWS:
        start = date.fromisoformat(row["start"]) if row["start"] else None
        stop = date.fromisoformat(row["stop"]) if row["stop"] else None
        if start and stop:
            assert start < stop, (name, row["code"])
        lookup = carc if name == "carc.csv" else rarc
        assert lookup(row["code"]).stopped == stop, (name, row["code"])


def test_deactivated_carcs_carry_their_stop_dates() -> None:
    assert carc("42").stopped == date(2007, 6, 1)
    assert carc("B5").stopped == date(2016, 5, 1)
    assert carc("W1").stopped == date(2014, 7, 1)
    assert carc("42").known


def test_every_source_id_is_documented_and_is_the_edition() -> None:
    sources = {row["source"] for _, row in ALL_ROWS}
    assert sources == {"X12-CARC-2025-11", "X12-RARC-2025-11"}
    assert all(source in (codes.__doc__ or "") for source in sources)
    assert edition() == "X12-CARC-2025-11, X12-RARC-2025-11"
    assert carc("97").source == "X12-CARC-2025-11"
    assert rarc("M15").source == "X12-RARC-2025-11"


def test_the_lists_are_read_once_per_process() -> None:
    carc("97")
    before = codes._table.cache_info()
    carc("16")
    rarc("N130")
    after = codes._table.cache_info()
    assert after.misses == before.misses
    assert after.hits > before.hits


@pytest.mark.usefixtures("fresh_tables")
def test_a_duplicate_row_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "carc.csv").write_text(
        "code,description,start,stop,source\n"
        "97,Bundled into another service,,,TEST-1\n"
        " 97 ,Bundled again,,,TEST-1\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(codes, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match="duplicate CARC 97"):
        carc("97")


@pytest.mark.usefixtures("fresh_tables")
def test_a_bad_stop_date_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rarc.csv").write_text(
        "code,description,start,stop,source\nM15,Bundled,,01/01/2020,TEST-1\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(codes, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match="not an ISO date"):
        rarc("M15")
