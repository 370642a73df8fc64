import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claims.remittance.recording import ImportRefused, import_x12


class Command(BaseCommand):
    help = (
        "Import 835 remittance advice, 999 and 277CA acknowledgement files: each "
        "file whole or not at all, a file seen before adds nothing. Exit 1 when "
        "any file was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        refused = False
        for path in files:
            try:
                imported = import_x12(path.name, path.read_bytes())
            except OSError as error:
                self.stderr.write(f"{path}: cannot read it ({error.strerror}).")
                refused = True
            except ImportRefused as error:
                self.stderr.write(str(error))
                refused = True
            else:
                self.stdout.write(imported.sentence())
        if refused:
            sys.exit(1)
