from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reference.loader import ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = (
        "Load the CMS extracts shipped in the shared data folder as the first "
        "editions of every reference table; loading twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="directory",
            type=Path,
            help="folder holding the CSV files (default: settings.SHARED_DATA_DIR)",
        )

    def handle(self, *args: Any, directory: Path | None, **options: Any) -> None:
        try:
            recorded = load_reference_data(directory)
        except ReferenceDataError as error:
            raise CommandError(str(error)) from error
        for item in recorded:
            edition = item.edition
            self.stdout.write(
                f"{edition.table}: {edition.rows} rows, {edition.source}, "
                f"effective {edition.effective:%Y-%m-%d} ({item.outcome})"
            )
