from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from encounters.registration import COLUMNS, ImportRefused, import_patients


class Command(BaseCommand):
    help = (
        "Register the patients of a CSV file with their coverage, one row per "
        f"coverage, columns: {','.join(COLUMNS)}. The whole file or nothing: "
        "exit 2 with every bad row and its reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file, UTF-8")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            # utf-8-sig: a spreadsheet's CSV often starts with a byte-order mark.
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{source} is not UTF-8 text; save it as CSV UTF-8.", returncode=2
            ) from None
        try:
            # No user signs in on the command line: audited without one.
            imported = import_patients(text, by=None)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nothing was imported from {source}: "
                f"{len(refused.problems)} problem(s).",
                returncode=2,
            ) from None
        self.stdout.write(f"Imported {source}: {imported}")
