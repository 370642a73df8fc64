"""Reading CMS's reference files as CMS publishes them.

CMS ships each table as a zip holding the same rows in several formats (csv,
tab-delimited txt, xlsx) beside PDFs and lists of changes. Each file opens
with notice lines (the AMA copyright, a title, the dates it is in force)
before its header row, and the wording of the headers drifts from year to
year. This module finds the header, recognises which table a file is, and
returns its rows normalised and cut down to the codes Chairside uses
(`reference.scope`), so an admin imports the file CMS published, unedited.
"""

import calendar
import csv
import hashlib
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

import openpyxl
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from reference.scope import usable_code


class CmsFileError(ValueError):
    """A file that cannot be read as one of CMS's tables; its message is one
    sentence naming the file."""


@dataclass(frozen=True, kw_only=True)
class CmsTable:
    table: str  # one of TABLES
    source: str  # the file name; for a zip member "outer.zip/member.csv"
    effective: date | None  # from the name or a notice line; None if neither says
    medicaid: bool
    rows: tuple[dict[str, object], ...]  # normalised, only usable codes
    rows_read: int  # data rows read before filtering
    sha256: str  # of this member's bytes


TABLES = {
    "mue_practitioner": "MUE, practitioner services",
    "mue_outpatient_hospital": "MUE, outpatient hospital",
    "medicaid_mue_practitioner": "Medicaid MUE, practitioner services",
    "medicaid_mue_outpatient_hospital": "Medicaid MUE, outpatient hospital",
    "ncci_ptp_practitioner": "NCCI PTP, practitioner",
    "ncci_ptp_outpatient_hospital": "NCCI PTP, outpatient hospital",
    "medicaid_ptp_practitioner": "Medicaid NCCI PTP, practitioner",
    "medicaid_ptp_outpatient_hospital": "Medicaid NCCI PTP, outpatient hospital",
    "ncci_aoc": "NCCI add-on code edits",
    "asp_payment_limits": "ASP payment limits",
    "ndc_crosswalk": "ASP NDC-HCPCS crosswalk",
    "opps_addendum_b": "OPPS Addendum B",
    "hcpcs": "HCPCS Level II",
}

Row = list[str]
Kept = tuple[list[dict[str, object]], int]

# When a zip holds one table in several formats, the first of these is read.
FORMATS = (".csv", ".txt", ".xlsx")
# CMS's notice lines run to a dozen rows; a header further down is no header.
HEADER_SEARCH = 30
# Five characters, three of them digits in the middle (96360, J9035, 0001U),
# or a numeric code whose leading zeros Excel dropped.
DATA_CODE = re.compile(r"[A-Z0-9][0-9]{3}[A-Z0-9]|[0-9]{1,4}")
MODIFIER = re.compile(r"[A-Z0-9]{2}")
MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
NAME_DATES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], date]], ...] = (
    (
        re.compile(r"(?<!\d)(\d{2})[-_.](\d{2})[-_.](\d{4})(?!\d)"),
        lambda m: date(int(m[3]), int(m[1]), int(m[2])),
    ),
    (
        re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
        lambda m: date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        re.compile(rf"(?<![a-z]){MONTH}[-_ .]*(\d{{4}})(?!\d)"),
        lambda m: date(int(m[2]), month_number(m[1]), 1),
    ),
    (
        re.compile(rf"(?<!\d)(\d{{4}})[-_ .]*{MONTH}(?![a-z])"),
        lambda m: date(int(m[1]), month_number(m[2]), 1),
    ),
    (
        re.compile(r"(?<!\d)(\d{4})[-_ ]?q([1-4])(?!\d)"),
        lambda m: date(int(m[1]), int(m[2]) * 3 - 2, 1),
    ),
)
# "Effective October 1, 2025 through December 31, 2025". The crosswalk's
# preamble also says "Effective January 1, 2005, Medicare will base payment
# ...": a date followed by more prose is history, not the file's period.
NOTICE_EFFECTIVE = re.compile(
    rf"^\s*effective\s+{MONTH}\.?\s+(\d{{1,2}}),?\s+(\d{{4}})"
    r"\s*(?:$|through|thru|to\b|-|–)",
    re.IGNORECASE,
)
# A title that opens with the month: "October 2025 ASP NDC - HCPCS Crosswalk".
NOTICE_TITLE = re.compile(rf"^\s*{MONTH}\s+(\d{{4}})\b", re.IGNORECASE)
# Notices name the agency, "Centers for Medicare & Medicaid Services"; only a
# Medicaid table mentions Medicaid otherwise.
AGENCY = re.compile(r"medicare\s*(?:and|&)\s*medicaid\s+services", re.IGNORECASE)


def read_cms_file(name: str, data: bytes) -> list[CmsTable]:
    """The CMS tables in the file `name` with content `data`: one for a csv,
    txt or xlsx file, one for each table a zip holds."""
    name = PurePosixPath(name.replace("\\", "/")).name
    if not data or data.isspace():
        raise CmsFileError(f"{name} is empty: download it again.")
    suffix = suffix_of(name)
    if suffix == ".zip":
        return read_zip(name, data)
    if suffix not in FORMATS:
        raise CmsFileError(
            f"{name} is not a file Chairside can read: import the .zip CMS "
            "publishes, or the .csv, .txt or .xlsx file inside it."
        )
    opened = open_table(name, data)
    if opened is None:
        raise no_layout(name)
    return [read_table(name, data, opened, names=(name,))]


def effective_from_name(name: str) -> date | None:
    """The first day a file is in force, when its name says: "Eff_01-01-2027",
    "2027-01-01", "January 2027", "HCPC2027_JAN", "2027Q1"."""
    text = name.lower()
    for pattern, build in NAME_DATES:
        match = pattern.search(text)
        if match is None:
            continue
        try:
            return build(match)
        except ValueError:
            # Digits shaped like a date that are none ("13-45-2027"); another
            # pattern may still find the real one.
            continue
    return None


def month_number(name: str) -> int:
    return MONTHS.index(name.lower()[:3]) + 1


def suffix_of(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


# Zips -----------------------------------------------------------------------


def read_zip(name: str, data: bytes) -> list[CmsTable]:
    found: list[tuple[str, bytes, str]] = []  # member, content, table
    damaged: list[CmsFileError] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [
                info.filename for info in archive.infolist() if not info.is_dir()
            ]
            for member in filter(readable_member, members):
                content = archive.read(member)
                source = f"{name}/{member}"
                try:
                    opened = open_table(source, content)
                except CmsFileError as error:
                    # Not every member is a table: the HCPCS zip's fixed-width
                    # text need not even parse as csv. Damage matters only when
                    # no member can be read.
                    damaged.append(error)
                    continue
                if opened is not None:
                    names = (PurePosixPath(member).name, name)
                    found.append(
                        (member, content, table_of(opened[0], source, names)[0])
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise CmsFileError(
            f"{name} is not a whole zip file: it was probably cut short while "
            "downloading, so download it again."
        ) from error
    except NotImplementedError as error:
        raise CmsFileError(
            f"{name} is compressed in a way Chairside cannot unzip: unzip it on "
            "your computer and import the .csv, .txt or .xlsx file inside."
        ) from error
    if not found and damaged:
        raise damaged[0]
    if not found:
        raise CmsFileError(
            f"{name} holds no CMS table Chairside can read; it contains "
            f"{', '.join(members) or 'no files'}."
        )
    best: dict[str, int] = {}
    for member, _, table in found:
        rank = FORMATS.index(suffix_of(member))
        best[table] = min(rank, best.get(table, rank))
    tables = []
    for member, content, table in found:
        if FORMATS.index(suffix_of(member)) == best[table]:
            source = f"{name}/{member}"
            # Read from the top again: recognising it stopped at the header.
            opened = open_table(source, content)
            assert opened is not None  # recognised above
            names = (PurePosixPath(member).name, name)
            tables.append(read_table(source, content, opened, names=names))
    return tables


def readable_member(member: str) -> bool:
    lowered = member.lower()
    return (
        suffix_of(lowered) in FORMATS
        and "change" not in lowered
        and "readme" not in lowered
        and not lowered.startswith("__macosx/")
    )


# One file -------------------------------------------------------------------


def read_table(
    source: str,
    data: bytes,
    opened: tuple["Header", Iterator[Row]],
    *,
    names: Sequence[str],
) -> CmsTable:
    """`names`: the file's own name, then the zip's that held it."""
    header, rows = opened
    table, medicaid = table_of(header, source, names)
    kept, rows_read = header.layout.read(source, header.at, rows)
    from_names = (effective_from_name(name) for name in names)
    return CmsTable(
        table=table,
        source=source,
        effective=next((d for d in from_names if d is not None), None)
        or effective_from_notices(header.notices),
        medicaid=medicaid,
        rows=tuple(kept),
        rows_read=rows_read,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def effective_from_notices(notices: Iterable[str]) -> date | None:
    for line in notices:
        if match := NOTICE_EFFECTIVE.search(line):
            try:
                return date(int(match[3]), month_number(match[1]), int(match[2]))
            except ValueError:
                continue
    for line in notices:
        if match := NOTICE_TITLE.search(line):
            return date(int(match[2]), month_number(match[1]), 1)
    return None


def rows_of(source: str, data: bytes) -> Iterator[Row]:
    if suffix_of(source) == ".xlsx":
        return xlsx_rows(source, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CMS writes most files in Windows' code page (the AMA notice's "®"
        # is not UTF-8); Latin-1 decodes any byte.
        text = data.decode("latin-1")
    head = itertools.islice(io.StringIO(text), HEADER_SEARCH)
    tabbed = suffix_of(source) == ".txt" and any("\t" in line for line in head)
    return text_rows(source, text, tabbed=tabbed)


def text_rows(source: str, text: str, *, tabbed: bool) -> Iterator[Row]:
    lines = io.StringIO(text, newline="")
    # A tab-delimited rationale may hold a lone quote: only csv quotes fields.
    reader = (
        csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tabbed
        else csv.reader(lines)
    )
    try:
        yield from reader
    except csv.Error as error:
        raise CmsFileError(
            f"{source} cannot be read as text: line {reader.line_num} is damaged "
            f"({error})."
        ) from error


def xlsx_rows(source: str, data: bytes) -> Iterator[Row]:
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    # openpyxl raises a dozen kinds of exception for a damaged workbook.
    except Exception as error:
        raise unreadable_workbook(source) from error
    try:
        sheet = workbook.worksheets[0]
        assert isinstance(sheet, ReadOnlyWorksheet)  # what read_only=True opens
        # Some writers record a wrong used range; read every row there is.
        sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True):
            yield [text_of(value) for value in values]
    except Exception as error:
        raise unreadable_workbook(source) from error
    finally:
        workbook.close()


def unreadable_workbook(source: str) -> CmsFileError:
    return CmsFileError(
        f"{source} cannot be opened as an Excel workbook: it may be damaged or "
        "cut short, so download it again."
    )


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    # Excel keeps 96360 and 19960101 as numbers, which openpyxl may give as
    # floats.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Finding the header ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Column:
    key: str
    # Given the header cell lowercased, with only a-z and 0-9 kept.
    matches: Callable[[str], bool]
    required: bool = True


@dataclass(frozen=True, kw_only=True)
class Layout:
    # The clause naming its columns in the message for a file matching none.
    expected: str
    columns: tuple[Column, ...]
    read: Callable[[str, dict[str, int], Iterator[Row]], Kept]
    # The tables of MUEs and PTP edits are per setting, formatted with
    # "practitioner" or "outpatient_hospital", and only they have Medicaid's.
    table: str
    medicaid_table: str = ""


@dataclass(frozen=True, kw_only=True)
class Header:
    layout: Layout
    at: dict[str, int]  # column key -> index
    cells: list[str]  # normalised
    notices: tuple[str, ...]  # the rows above it, as text


def open_table(source: str, data: bytes) -> tuple[Header, Iterator[Row]] | None:
    """The file's header and its rows after it; None when no layout fits."""
    rows = rows_of(source, data)
    notices: list[str] = []
    for row in itertools.islice(rows, HEADER_SEARCH):
        cells = [normalised(text) for text in row]
        for layout in LAYOUTS:
            at = columns_of(layout, cells)
            if at is not None:
                header = Header(
                    layout=layout, at=at, cells=cells, notices=tuple(notices)
                )
                return header, rows
        notices.append(" ".join(text.strip() for text in row if text.strip()))
    return None


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def columns_of(layout: Layout, cells: list[str]) -> dict[str, int] | None:
    at: dict[str, int] = {}
    for column in layout.columns:
        index = next(
            (
                i
                for i, text in enumerate(cells)
                if text and i not in at.values() and column.matches(text)
            ),
            None,
        )
        if index is not None:
            at[column.key] = index
        elif column.required:
            return None
    return at


def table_of(header: Header, source: str, names: Sequence[str]) -> tuple[str, bool]:
    """The table's name, and whether it is Medicaid's."""
    layout = header.layout
    if not layout.medicaid_table:
        return layout.table, False
    places = tuple(names)
    if layout is MUE:
        heading = header.cells[header.at["units"]]
        if "dme" in heading or "supplier" in heading:
            raise CmsFileError(
                f"{source} holds DME supplier MUEs, which an infusion centre does "
                "not bill: import the practitioner or outpatient hospital MUEs."
            )
        places = (heading, *places)
    setting = next(
        (found for found in map(setting_in, places) if found is not None), None
    )
    if setting is None:
        raise CmsFileError(
            f"{source} does not say whether it holds practitioner or outpatient "
            "hospital edits: keep CMS's name (ccipra-… or ccioph-…), or put "
            "practitioner or hospital in it."
        )
    medicaid = any(
        "medicaid" in name.lower() or name.lower().startswith("mcd") for name in names
    ) or any("medicaid" in AGENCY.sub("", line).lower() for line in header.notices)
    template = layout.medicaid_table if medicaid else layout.table
    return template.format(setting=setting), medicaid


def setting_in(text: str) -> str | None:
    text = text.lower()
    practitioner = "pra" in text
    hospital = any(word in text for word in ("oph", "hospital", "outpatient"))
    if practitioner == hospital:
        return None
    return "practitioner" if practitioner else "outpatient_hospital"


def no_layout(source: str) -> CmsFileError:
    clauses = [layout.expected for layout in LAYOUTS]
    expected = "; ".join(clauses[:-1]) + "; or " + clauses[-1]
    return CmsFileError(
        f"{source} is not a CMS file Chairside can read: its columns match none "
        f"of the supported tables. Expected, for example, {expected}."
    )


def starts(*prefixes: str, without: tuple[str, ...] = ()) -> Callable[[str], bool]:
    return lambda text: (
        text.startswith(prefixes) and not any(part in text for part in without)
    )


def has(*parts: str) -> Callable[[str], bool]:
    return lambda text: any(part in text for part in parts)


# Values -----------------------------------------------------------------------


def cell_at(row: Row, index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def code_at(row: Row, index: int) -> str | None:
    """The code in that cell; None in rows that are not data (a header
    continued on a second row, blank rows, notes under the table)."""
    code = cell_at(row, index).upper()
    if not DATA_CODE.fullmatch(code):
        return None
    # Excel drops the leading zeros of a code kept as a number (00100 -> 100).
    return code.zfill(5) if code.isdigit() else code


def whole(source: str, text: str, what: str, code: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CmsFileError(
            f"{source} gives {code} {what} {text!r}, which is not a whole number."
        ) from None


def ymd(source: str, text: str, what: str, code: str) -> date | None:
    """A YYYYMMDD date, or an Excel date; "*" or blank is none."""
    if text in ("", "*"):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CmsFileError(
            f"{source} gives {code} {what} {text!r}, which is not a date."
        ) from None


def yyyyddd(source: str, text: str, what: str, code: str) -> date | None:
    """A Julian date as the add-on code file writes them; "*" or blank is none."""
    if text in ("", "*"):
        return None
    if re.fullmatch(r"\d{7}", text):
        year, days = int(text[:4]), int(text[4:])
        if year >= 1 and 1 <= days <= 365 + calendar.isleap(year):
            return date(year, 1, 1) + timedelta(days=days - 1)
    raise CmsFileError(
        f"{source} gives {code} {what} {text!r}, which is not a date (YYYYDDD)."
    )


def money(source: str, text: str, what: str, code: str) -> Decimal | None:
    """An amount such as "$1,234.56", "20.000" or "20%"; blank or "N/A" is none."""
    cleaned = text.replace("$", "").replace(",", "").removesuffix("%").strip()
    if cleaned.upper() in ("", "N/A", "NA"):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise CmsFileError(
            f"{source} gives {code} {what} {text!r}, which is not an amount."
        )
    return value


def quantity(source: str, text: str, what: str, code: str) -> Decimal:
    value = money(source, text, what, code)
    if value is None:
        raise CmsFileError(f"{source} gives {code} no {what}.")
    return value


# The tables -------------------------------------------------------------------


def read_mue(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: dict[str, dict[str, object]] = {}
    read = 0
    for row in rows:
        code = code_at(row, at["code"])
        if code is None:
            continue
        read += 1
        if not usable_code(code):
            continue
        # "3 Date of Service Edit: Clinical"; Medicaid's files have none.
        indicator = cell_at(row, at.get("mai"))
        digit = re.match(r"[123]\b", indicator)
        if indicator and digit is None:
            raise CmsFileError(
                f"{source} gives {code} the MUE adjudication indicator "
                f"{indicator!r}, which does not start with 1, 2 or 3."
            )
        entry: dict[str, object] = {
            "code": code,
            "units": whole(source, cell_at(row, at["units"]), "the MUE value", code),
            "mai": int(digit[0]) if digit else None,
            "rationale": cell_at(row, at.get("rationale")),
        }
        earlier = kept.setdefault(code, entry)
        if earlier != entry:
            raise CmsFileError(
                f"{source} lists {code} twice with different values, "
                f"{mue_text(earlier)} and {mue_text(entry)}; CMS's file is damaged."
            )
    return list(kept.values()), read


def mue_text(entry: dict[str, object]) -> str:
    rationale = entry["rationale"] or "no rationale"
    return f"{entry['units']} units (MAI {entry['mai']}, {rationale})"


def read_ptp(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: list[dict[str, object]] = []
    # An edit deleted and added again is listed once for each span it was in
    # force, but the edit in force now only once.
    active: dict[tuple[str, str], int] = {}
    read = 0
    for row in rows:
        column1 = code_at(row, at["column1"])
        if column1 is None:
            continue
        read += 1
        column2 = code_at(row, at["column2"])
        if column2 is None or not (usable_code(column1) and usable_code(column2)):
            continue
        pair = f"{column1}/{column2}"
        deleted = ymd(source, cell_at(row, at["deleted"]), "the deletion date", pair)
        modifier = whole(
            source, cell_at(row, at["modifier"]), "the modifier indicator", pair
        )
        if deleted is None:
            earlier = active.setdefault((column1, column2), modifier)
            if earlier != modifier:
                raise CmsFileError(
                    f"{source} lists the active edit {pair} twice, with modifier "
                    f"indicators {earlier} and {modifier}; CMS's file is damaged."
                )
        kept.append(
            {
                "column1": column1,
                "column2": column2,
                "effective": ymd(
                    source, cell_at(row, at["effective"]), "the effective date", pair
                ),
                "deleted": deleted,
                "modifier_indicator": modifier,
                "rationale": cell_at(row, at.get("rationale")),
                "before_1996": cell_at(row, at.get("before_1996")) == "*",
            }
        )
    return kept, read


def read_aoc(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: list[dict[str, object]] = []
    read = 0
    for row in rows:
        add_on = code_at(row, at["add_on"])
        if add_on is None:
            continue
        read += 1
        # The primary may be any code: 96547 rides on open abdominal surgery.
        if not usable_code(add_on):
            continue
        primary = cell_at(row, at["primary"]).upper()
        pair = f"{add_on}/{primary}"
        # The edit ends when CMS deletes it or deletes its primary code.
        ends = [
            yyyyddd(source, cell_at(row, at.get(key)), what, pair)
            for key, what in (
                ("edit_deleted", "the edit's deletion date"),
                ("primary_deleted", "the primary code's deletion date"),
            )
        ]
        kept.append(
            {
                "add_on": add_on,
                "primary": code_at(row, at["primary"]) or primary,
                "edit_type": whole(
                    source, cell_at(row, at["edit_type"]), "the AOC edit type", pair
                ),
                "deleted": min((end for end in ends if end is not None), default=None),
                "note": cell_at(row, at.get("note")),
            }
        )
    return kept, read


def read_asp(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: list[dict[str, object]] = []
    read = 0
    for row in rows:
        code = code_at(row, at["code"])
        if code is None:
            continue
        read += 1
        if not usable_code(code):
            continue
        kept.append(
            {
                "code": code,
                "short_description": cell_at(row, at["short_description"]),
                "dosage": cell_at(row, at["dosage"]),
                "payment_limit": money(
                    source, cell_at(row, at["payment_limit"]), "the payment limit", code
                ),
                "coinsurance_pct": money(
                    source,
                    cell_at(row, at.get("coinsurance_pct")),
                    "the co-insurance percentage",
                    code,
                ),
                "notes": cell_at(row, at.get("notes")),
            }
        )
    return kept, read


def read_crosswalk(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: list[dict[str, object]] = []
    read = 0
    for row in rows:
        hcpcs = code_at(row, at["hcpcs"])
        if hcpcs is None:
            continue
        read += 1
        ndc = cell_at(row, at["ndc"])
        ndc11 = re.sub(r"\D", "", ndc)
        # CMS lists a few products under an alternate ID that is not an NDC;
        # a claim cannot carry them.
        if not usable_code(hcpcs) or len(ndc11) != 11:
            continue
        item = f"{hcpcs} {ndc}"
        kept.append(
            {
                "hcpcs": hcpcs,
                "short_description": cell_at(row, at.get("short_description")),
                "labeler": cell_at(row, at["labeler"]),
                "ndc": ndc,
                "ndc11": ndc11,
                "drug_name": cell_at(row, at["drug_name"]),
                "hcpcs_dosage": cell_at(row, at["hcpcs_dosage"]),
                **{
                    key: quantity(source, cell_at(row, at[key]), what, item)
                    for key, what in (
                        ("package_size", "package size"),
                        ("package_quantity", "package quantity"),
                        ("billing_units_per_item", "billing units per item"),
                        ("billing_units_per_package", "billing units per package"),
                    )
                },
            }
        )
    return kept, read


def read_addendum_b(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    kept: list[dict[str, object]] = []
    read = 0
    for row in rows:
        code = code_at(row, at["code"])
        if code is None:
            continue
        read += 1
        if not usable_code(code):
            continue
        kept.append(
            {
                "code": code,
                "short_descriptor": cell_at(row, at.get("short_descriptor")),
                "status_indicator": cell_at(row, at["status_indicator"]).upper(),
                "apc": cell_at(row, at["apc"]),
                "payment_rate": money(
                    source, cell_at(row, at["payment_rate"]), "the payment rate", code
                ),
            }
        )
    return kept, read


def read_hcpcs(source: str, at: dict[str, int], rows: Iterator[Row]) -> Kept:
    # A long descriptor runs on in rows of the same code with a higher SEQNUM.
    lines: dict[str, list[tuple[int, Row]]] = {}
    read = 0
    for row in rows:
        if MODIFIER.fullmatch(cell_at(row, at["code"]).upper()):
            # The file lists the modifiers among the codes, in two characters.
            read += 1
            continue
        code = code_at(row, at["code"])
        if code is None:
            continue
        read += 1
        if not usable_code(code):
            continue
        sequence = whole(source, cell_at(row, at["sequence"]), "the SEQNUM", code)
        lines.setdefault(code, []).append((sequence, row))
    kept: list[dict[str, object]] = []
    for code, numbered in lines.items():
        numbered.sort(key=lambda line: line[0])
        first = numbered[0][1]
        pieces = (cell_at(row, at["long_descriptor"]) for _, row in numbered)
        kept.append(
            {
                "code": code,
                "short_descriptor": cell_at(first, at["short_descriptor"]),
                "long_descriptor": " ".join(piece for piece in pieces if piece),
                "added": ymd(source, cell_at(first, at.get("added")), "ADD DT", code),
                "terminated": ymd(
                    source, cell_at(first, at.get("terminated")), "TERM DT", code
                ),
                "action": cell_at(first, at.get("action")).upper(),
            }
        )
    return kept, read


def crosswalk_code(text: str) -> bool:
    # CMS heads the column with the year: "_2025_CODE".
    return bool(re.fullmatch(r"\d{4}code", text)) or (
        text.startswith("hcpcs") and "dosage" not in text
    )


MUE = Layout(
    expected=(
        'an MUE file with columns "HCPCS/CPT Code", "Practitioner Services MUE '
        'Values" or "Outpatient Hospital Services MUE Values", "MUE Adjudication '
        'Indicator", "MUE Rationale"'
    ),
    columns=(
        Column(key="code", matches=starts("hcpcs", "cpt")),
        Column(key="units", matches=has("muevalue")),
        Column(key="mai", matches=has("adjudication"), required=False),
        Column(key="rationale", matches=has("rationale"), required=False),
    ),
    read=read_mue,
    table="mue_{setting}",
    medicaid_table="medicaid_mue_{setting}",
)
PTP = Layout(
    expected=(
        'a PTP file with "Column 1", "Column 2", "Effective Date", "Deletion '
        'Date", "Modifier", "PTP Edit Rationale"'
    ),
    columns=(
        Column(key="column1", matches=starts("column1")),
        Column(key="column2", matches=starts("column2")),
        Column(key="before_1996", matches=has("1996", "existence"), required=False),
        Column(key="effective", matches=starts("effective")),
        Column(key="deleted", matches=starts("deletion")),
        Column(key="modifier", matches=starts("modifier")),
        Column(key="rationale", matches=has("rationale"), required=False),
    ),
    read=read_ptp,
    table="ncci_ptp_{setting}",
    medicaid_table="medicaid_ptp_{setting}",
)
AOC = Layout(
    expected=(
        'an add-on code edit file with "Add-on Code", "Primary Code", "AOC Edit '
        'Type", "AOC Edit Del Dt (Julian)", "Primary Code Del Dt (Julian)"'
    ),
    columns=(
        Column(key="add_on", matches=starts("addon", without=("dt", "date"))),
        Column(key="primary", matches=starts("primary", without=("dt", "date"))),
        Column(key="edit_type", matches=has("type")),
        Column(
            key="edit_deleted",
            matches=lambda text: "edit" in text and "del" in text,
            required=False,
        ),
        Column(
            key="primary_deleted",
            matches=lambda text: text.startswith("primary") and "del" in text,
            required=False,
        ),
        Column(key="note", matches=has("note", "instruction"), required=False),
    ),
    read=read_aoc,
    table="ncci_aoc",
)
ASP = Layout(
    expected=(
        'an ASP payment limit file with "HCPCS Code", "Short Description", "HCPCS '
        'Code Dosage", "Payment Limit", "Co-insurance Percentage", "Notes"'
    ),
    columns=(
        Column(key="code", matches=starts("hcpcs", without=("dosage",))),
        Column(key="short_description", matches=starts("short")),
        Column(key="dosage", matches=has("dosage")),
        Column(key="payment_limit", matches=starts("paymentlimit")),
        Column(key="coinsurance_pct", matches=starts("coinsurance"), required=False),
        Column(key="notes", matches=starts("note"), required=False),
    ),
    read=read_asp,
    table="asp_payment_limits",
)
CROSSWALK = Layout(
    expected=(
        'an ASP NDC-HCPCS crosswalk with "_2025_CODE", "LABELER NAME", "NDC2", '
        '"Drug Name", "HCPCS dosage", "PKG SIZE", "PKG QTY", "BILLUNITS", '
        '"BILLUNITSPKG"'
    ),
    columns=(
        Column(key="hcpcs", matches=crosswalk_code),
        Column(key="short_description", matches=starts("short"), required=False),
        Column(key="labeler", matches=starts("labeler")),
        Column(key="ndc", matches=lambda text: text.startswith("ndc")),
        Column(key="drug_name", matches=starts("drugname")),
        Column(key="hcpcs_dosage", matches=has("dosage")),
        Column(key="package_size", matches=starts("pkgsize", "packagesize")),
        Column(key="package_quantity", matches=starts("pkgqty", "packagequantity")),
        Column(key="billing_units_per_package", matches=starts("billunitspkg")),
        Column(key="billing_units_per_item", matches=starts("billunits")),
    ),
    read=read_crosswalk,
    table="ndc_crosswalk",
)
ADDENDUM_B = Layout(
    expected=(
        'an OPPS Addendum B with "HCPCS Code", "Short Descriptor", "SI", "APC", '
        '"Payment Rate"'
    ),
    columns=(
        Column(key="code", matches=starts("hcpcs")),
        Column(key="short_descriptor", matches=starts("short"), required=False),
        Column(
            key="status_indicator",
            matches=lambda text: text == "si" or text.startswith("statusindicator"),
        ),
        Column(key="apc", matches=starts("apc")),
        Column(key="payment_rate", matches=starts("paymentrate")),
    ),
    read=read_addendum_b,
    table="opps_addendum_b",
)
HCPCS = Layout(
    expected=(
        'a HCPCS quarterly file with "HCPC", "SEQNUM", "LONG DESCRIPTION", '
        '"SHORT DESCRIPTION", "ADD DT", "TERM DT", "ACTION CD"'
    ),
    columns=(
        Column(key="code", matches=starts("hcpc", without=("dosage",))),
        Column(key="sequence", matches=starts("seq")),
        Column(key="long_descriptor", matches=starts("longdesc")),
        Column(key="short_descriptor", matches=starts("shortdesc")),
        Column(key="added", matches=starts("adddt", "adddate"), required=False),
        Column(key="terminated", matches=starts("termdt", "termdate"), required=False),
        Column(key="action", matches=starts("actioncd", "actioncode"), required=False),
    ),
    read=read_hcpcs,
    table="hcpcs",
)
LAYOUTS = (MUE, PTP, AOC, ASP, CROSSWALK, ADDENDUM_B, HCPCS)
