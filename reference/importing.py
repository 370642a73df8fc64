"""Importing CMS's quarterly files as editions: the command and the upload page.

One import is one transaction: every file is read and every edition recorded,
or nothing changes. CMS splits a PTP table into parts (f1 to f4); the parts of
one table and date given together make one edition.
"""

import hashlib
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction

from reference.cms_files import CmsFileError, CmsTable, read_cms_file
from reference.editions import EditionRefused, Recorded, record_edition
from reference.models import Table

PTP_TABLES = {
    Table.NCCI_PTP_PRACTITIONER,
    Table.NCCI_PTP_OUTPATIENT_HOSPITAL,
    Table.MEDICAID_PTP_PRACTITIONER,
    Table.MEDICAID_PTP_OUTPATIENT_HOSPITAL,
}
PART = re.compile(r"[-_]f(\d)\b", re.IGNORECASE)


class ImportRefused(Exception):
    """Files that cannot be imported; the message says why in a sentence."""


def import_cms_files(
    files: Sequence[tuple[str, bytes]], *, effective: date | None = None, by: Any = None
) -> list[Recorded]:
    """Record the editions in `files` (name, content); all or none."""
    if not files:
        raise ImportRefused("Choose at least one CMS file to import.")
    groups: dict[tuple[str, date], list[CmsTable]] = {}
    for name, data in files:
        try:
            tables = read_cms_file(name, data)
        except CmsFileError as error:
            raise ImportRefused(str(error)) from error
        for table in tables:
            groups.setdefault((table.table, effective_of(table, effective)), []).append(
                table
            )
    try:
        with transaction.atomic():
            return [
                record_edition(
                    table=table,
                    effective=day,
                    source=", ".join(part.source for part in parts),
                    sha256=hashlib.sha256(
                        "".join(sorted(part.sha256 for part in parts)).encode()
                    ).hexdigest(),
                    rows=rows_of(table, parts),
                    rows_read=sum(part.rows_read for part in parts),
                    by=by,
                )
                for (table, day), parts in sorted(
                    groups.items(), key=lambda item: (item[0][1], item[0][0])
                )
            ]
    except EditionRefused as error:
        raise ImportRefused(str(error)) from error


def effective_of(table: CmsTable, given: date | None) -> date:
    """The edition's first day: the file's own (its name or a notice line),
    or the one the importer gave; never two that disagree."""
    if table.effective is not None and given is not None and table.effective != given:
        raise ImportRefused(
            f"{table.source} says it is effective {table.effective:%Y-%m-%d}, but "
            f"the import was given {given:%Y-%m-%d}; leave the date out or correct it."
        )
    day = table.effective or given
    if day is None:
        raise ImportRefused(
            f"{table.source} does not say when it takes effect (CMS writes no date "
            f"in the names of {Table(table.table).label} files): give the "
            "edition's first day, for example --effective 2027-01-01."
        )
    return day


def rows_of(table: str, parts: list[CmsTable]) -> list[dict[str, object]]:
    if len(parts) == 1:
        return list(parts[0].rows)
    names = ", ".join(part.source for part in parts)
    if table not in PTP_TABLES:
        raise ImportRefused(
            f"{names} are all {Table(table).label} for the same date; import one "
            "of them, or give each its own date."
        )
    numbers = [match.group(1) for part in parts if (match := PART.search(part.source))]
    if len(numbers) != len(set(numbers)):
        raise ImportRefused(f"{names} repeat a part of the PTP table; give each once.")
    active: dict[tuple[object, object], object] = {}
    rows: list[dict[str, object]] = []
    for part in parts:
        for row in part.rows:
            if row["deleted"] is None:
                pair = (row["column1"], row["column2"])
                seen = active.setdefault(pair, row["modifier_indicator"])
                if seen != row["modifier_indicator"]:
                    raise ImportRefused(
                        f"{names} list the active edit {pair[0]}/{pair[1]} twice, "
                        f"with modifier indicators {seen} and "
                        f"{row['modifier_indicator']}; CMS's file is damaged."
                    )
            rows.append(dict(row))
    return rows
