"""Write the current finalised claims of a date range to a file, as the
worklist's export does, so that a clearinghouse drop can run from cron."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims.exports.files import FORMATS, SETTING, export_file, for_export
from claims.models import Claim
from encounters.clock import clock


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{text!r} is not a date YYYY-MM-DD.", returncode=2
        ) from None


class Command(BaseCommand):
    help = (
        "Write the current finalised claims with a date of service in a range to "
        "FILE: 837P takes the office claims, 837I the hospital ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--from", dest="start", required=True, type=day)
        parser.add_argument("--to", dest="end", required=True, type=day)
        parser.add_argument("--location", type=int, help="a location's id")
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, start, end = options["format"], options["start"], options["end"]
        if end < start:
            raise CommandError("--to is before --from.", returncode=2)
        found = Claim.objects.finalised().current()
        found = found.filter(date_of_service__range=(start, end))
        if options["location"] is not None:
            found = found.filter(encounter__location=options["location"])
        skipped = 0
        if fmt in SETTING:
            skipped = found.exclude(setting=SETTING[fmt]).count()
            found = found.filter(setting=SETTING[fmt])
        chosen = list(for_export(found))
        if not chosen:
            other = f" ({skipped} of the other claim type)" if skipped else ""
            raise CommandError(
                f"No finalised claim from {start} to {end} fits {fmt}{other}.",
                returncode=2,
            )
        output = options["output"]
        try:
            # The 837's export record is kept only once its file is written.
            with transaction.atomic():
                written = export_file(chosen, fmt, now=clock.now(), by=None)
                output.write_text(written.body, encoding="utf-8")
        except OSError as error:
            raise CommandError(
                f"cannot write {output}: {error.strerror}", returncode=2
            ) from None
        kind = "hospital" if fmt == "837p" else "office"
        tail = f"; {skipped} {kind} claims skipped" if skipped else ""
        control = (
            f", interchange {written.record.control_number:09d}"
            if written.record
            else ""
        )
        self.stdout.write(
            f"{len(chosen)} claims written to {options['output']} "
            f"({fmt}{control}){tail}."
        )
