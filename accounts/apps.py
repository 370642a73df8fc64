from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _sync_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    from accounts.roles import sync_role_groups

    # `migrate` passes its historical apps; `flush` (after transactional tests)
    # passes none, and then the live registry is the right one.
    sync_role_groups(kwargs.get("apps", global_apps))


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        # After every migrate, when all tables exist, the role groups are made to
        # hold exactly ROLE_PERMISSIONS: a new model's permissions need only an
        # entry there, never a migration of their own.
        post_migrate.connect(_sync_role_groups, sender=self)
