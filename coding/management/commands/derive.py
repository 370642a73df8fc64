import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chairside_engine import derive
from coding.documents import reference_for


class Command(BaseCommand):
    help = (
        "Derive claim lines from an encounter document (or a JSON array of them) "
        "and print the result as JSON. Exit 2 when any document is invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="JSON file; '-' or none for stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text()
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror}") from None
        try:
            document = json.loads(text)
        except ValueError as error:
            self.stdout.write(json.dumps({"errors": [_not_json(error)]}, indent=2))
            sys.exit(2)
        if isinstance(document, list):
            results = [derive(item, reference=reference_for(item)) for item in document]
            invalid = any("errors" in result for result in results)
            output: Any = results
        else:
            output = derive(document, reference=reference_for(document))
            invalid = "errors" in output
        self.stdout.write(json.dumps(output, indent=2))
        if invalid:
            sys.exit(2)


def _not_json(error: ValueError) -> dict[str, str]:
    if isinstance(error, json.JSONDecodeError):
        message = f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
    else:  # Python reads no integer of more than 4,300 digits
        message = "not readable: a number has more than 4,300 digits"
    return {"path": "", "message": message}
