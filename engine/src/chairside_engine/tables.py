"""The CMS tables the rules consult, as plain immutable lookups.

The engine ships its own copies of the CSVs from `shared/data` (a test keeps them
byte-identical), so that it runs with no database and no network. A caller may
hand `derive` another `Reference` built by `load` from a newer edition.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

SETTING_TABLE: Final = {"office": "practitioner", "facility": "outpatient_hospital"}
# The edition each setting's edits are named by.
MUE_TABLE: Final = {s: f"mue_{t}" for s, t in SETTING_TABLE.items()}
PTP_TABLE: Final = {s: f"ncci_ptp_{t}" for s, t in SETTING_TABLE.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Edition:
    table: str
    source: str
    effective: str

    def label(self) -> str:
        return f"{self.source}, effective {self.effective}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PtpEdit:
    column1: str
    column2: str
    modifier_indicator: int  # 0: never together; 1: together with a modifier
    rationale: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    # setting -> code -> (units, adjudication indicator); the units a decimal,
    # as the claim's units are
    mue: dict[str, dict[str, tuple[Decimal, int]]]
    # setting -> column1 -> {column2: edit}, active edits only; by column 1
    # first because most codes on a claim start no pair at all
    ptp: dict[str, dict[str, dict[str, PtpEdit]]]
    # add-on code -> the primaries it may ride on
    addon_primaries: dict[str, frozenset[str]]
    # HCPCS drug code -> OPPS status indicator (N = packaged)
    opps_status: dict[str, str]
    editions: dict[str, Edition]

    def editions_dict(self) -> dict[str, dict[str, str]]:
        return {
            name: {"source": e.source, "effective": e.effective}
            for name, e in self.editions.items()
        }


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load(folder: Path = DATA_DIR) -> Reference:
    mue: dict[str, dict[str, tuple[Decimal, int]]] = {s: {} for s in SETTING_TABLE}
    mue_rows = _rows(folder, "mue.csv")
    for row in mue_rows:
        if row["practitioner_mue"]:
            mue["office"][row["code"]] = (
                Decimal(row["practitioner_mue"]),
                int(row["mai"]),
            )
        if row["facility_mue"]:
            mai = row["facility_mai"] or row["mai"]
            mue["facility"][row["code"]] = (Decimal(row["facility_mue"]), int(mai))

    ptp: dict[str, dict[str, dict[str, PtpEdit]]] = {s: {} for s in SETTING_TABLE}
    ptp_rows = _rows(folder, "ncci_ptp.csv")
    ptp_sources: dict[str, tuple[str, str]] = {}
    for row in ptp_rows:
        if row["active_in_edition"] != "Y" or row["deletion_date"]:
            continue
        setting = next(s for s, t in SETTING_TABLE.items() if t == row["setting"])
        ptp[setting].setdefault(row["column1"], {})[row["column2"]] = PtpEdit(
            column1=row["column1"],
            column2=row["column2"],
            modifier_indicator=int(row["modifier_indicator"]),
            rationale=row["rationale"],
        )
        ptp_sources[setting] = (row["source"], row["effective"])

    addon: dict[str, set[str]] = {}
    aoc_rows = _rows(folder, "ncci_aoc_drug_admin.csv")
    for row in aoc_rows:
        addon.setdefault(row["add_on_code"], set()).add(row["primary_code"])

    drug_rows = _rows(folder, "hcpcs_drugs.csv")
    opps = {
        row["code"]: row["opps_status_indicator_2026q2"]
        for row in drug_rows
        if row["opps_status_indicator_2026q2"]
    }

    editions = {
        # CMS publishes the two MUE tables as separate files, each its own
        # edition; the shipped extract holds both from one quarter.
        **{
            table: Edition(
                table=table,
                source=mue_rows[0]["source"],
                effective=mue_rows[0]["effective"],
            )
            for table in MUE_TABLE.values()
        },
        "ncci_ptp_practitioner": Edition(
            table="ncci_ptp_practitioner",
            source=ptp_sources["office"][0],
            effective=ptp_sources["office"][1],
        ),
        "ncci_ptp_outpatient_hospital": Edition(
            table="ncci_ptp_outpatient_hospital",
            source=ptp_sources["facility"][0],
            effective=ptp_sources["facility"][1],
        ),
        # The AOC file carries no date column; its release date is in the
        # provenance README of shared/data.
        "ncci_aoc": Edition(
            table="ncci_aoc", source=aoc_rows[0]["source"], effective="2024-06-03"
        ),
        "opps_status_indicator": Edition(
            table="opps_status_indicator",
            source="OPPS_ADDB_2026Q2",
            effective="2026-04-01",
        ),
    }
    return Reference(
        mue=mue,
        ptp=ptp,
        addon_primaries={code: frozenset(p) for code, p in addon.items()},
        opps_status=opps,
        editions=editions,
    )


@cache
def packaged() -> Reference:
    """The editions shipped with the engine, read once per process."""
    return load()
