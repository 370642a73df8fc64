import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.synthetic import generate


class Command(BaseCommand):
    help = (
        "Create N synthetic encounters over the last weeks (bulk inserts, for load "
        "tests): documented, ready for coding, coded and finalised with claims."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--seed", type=int, default=0)

    def handle(
        self, *args: Any, count: int, days: int, seed: int, **options: Any
    ) -> None:
        if count < 1 or days < 1:
            raise CommandError("--count and --days must be at least 1.")
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["nurse", "coder", "admin"])
        }
        if {"nurse", "coder"} - set(users):
            raise CommandError(
                "Run seed_demo first: the encounters need its nurse and coder."
            )
        began = time.perf_counter()
        try:
            made = generate(
                count,
                nurse=users["nurse"],
                coder=users["coder"],
                staff=list(users.values()),
                days=days,
                seed=seed,
            )
        except LookupError as missing:
            raise CommandError(str(missing)) from None
        took = time.perf_counter() - began
        summary = ", ".join(f"{n} {status}" for status, n in sorted(made.items()))
        self.stdout.write(f"{count} encounters in {took:.1f} s: {summary}.")
