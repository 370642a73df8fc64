from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from claims.models import Claim
from demo.chair_day import seed_day
from demo.next_quarter import seed_next_quarter
from demo.payers import seed_payers
from demo.remittance import seed_fees, seed_remittance
from demo.weeks import seed_prices
from reference.models import Drug

# Demo accounts only: the passwords are printed and must never reach production.
DEMO_USERS = (
    ("nurse", "Nina", "Okafor", Role.NURSE, "chairside-nurse"),
    ("coder", "Carlos", "Mendes", Role.CODER, "chairside-coder"),
    ("admin", "Ada", "Lindqvist", Role.ADMIN, "chairside-admin"),
    ("manager", "Mei", "Tanaka", Role.MANAGER, "chairside-manager"),
)
DEMO_NAMES = [username for username, *_ in DEMO_USERS]


class Command(BaseCommand):
    help = "Create the demo users and data (idempotent) and print the passwords."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        # Payers and their published policies come before any encounter data.
        seed_payers()
        for username, first, last, role, password in DEMO_USERS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": role is Role.ADMIN,
                },
            )
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role.value)])
            self.stdout.write(f"{role.label:6} {username:6} password: {password}")
        # Prices before any claim is finalised, so demo claims carry charges.
        admin = User.objects.get(username="admin")
        prices = seed_prices(by=admin)
        self.stdout.write(f"Price list: {prices} prices added.")
        fees = seed_fees(by=admin)
        self.stdout.write(f"Fee schedules: {fees} fees added.")
        self.seed_chair_day()

    def seed_chair_day(self) -> None:
        # The day needs the formulary: `load_reference_data` comes first.
        if not Drug.objects.exists():
            self.stdout.write("No formulary yet: run load_reference_data for the day.")
            return
        for item in seed_next_quarter(timezone.localdate()):
            self.stdout.write(f"Next quarter: {item.sentence()}")
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_NAMES)}
        made = seed_day(nurse=users["nurse"], staff=list(users.values()))
        self.stdout.write(f"Chair day: {made} encounters added for today.")
        self.seed_coding_weeks(users)

    def seed_coding_weeks(self, users: dict[str, Any]) -> None:
        from demo.weeks import seed_weeks

        made = seed_weeks(
            nurse=users["nurse"], coder=users["coder"], staff=list(users.values())
        )
        self.stdout.write(f"Coding: {made} past encounters added for the worklist.")
        remitted = (
            Claim.objects.current()
            .filter(payer__isnull=False, lines__isnull=False)
            .distinct()
            .select_related("encounter__patient", "payer")
            .prefetch_related("lines")
            .order_by("date_of_service", "pk")[:12]
        )
        for imported in seed_remittance(list(remitted)):
            self.stdout.write(f"Remittance: {imported.sentence()}")
