from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reference.importing import ImportRefused, import_cms_files


class Command(BaseCommand):
    help = (
        "Import CMS reference files as CMS publishes them (MUE, NCCI PTP and "
        "add-on edits, ASP payment limits and NDC-HCPCS crosswalk, OPPS Addendum "
        "B, the HCPCS quarterly file; zip, CSV, XLSX or TXT) as dated editions. "
        "All files in one transaction; importing the same file twice changes "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--effective",
            type=date.fromisoformat,
            help="the edition's first day (YYYY-MM-DD), for files whose name "
            "carries none, such as the PTP files",
        )

    def handle(
        self, *args: Any, files: list[Path], effective: date | None, **options: Any
    ) -> None:
        contents = []
        for path in files:
            try:
                contents.append((path.name, path.read_bytes()))
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            recorded = import_cms_files(contents, effective=effective)
        except ImportRefused as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        for item in recorded:
            self.stdout.write(item.sentence())
