"""The roles of Chairside and what each may do.

A role is a Django group. Views check the role with `role_required`; the group's
model permissions (declared here, applied by data migrations) govern the Django
admin.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse


class Role(models.TextChoices):
    NURSE = "Nurse"
    CODER = "Coder"
    ADMIN = "Admin"
    # Reads the reports and the encounters behind them; changes nothing.
    MANAGER = "Manager"


# Model permissions per role, as "app_label.codename". Every `migrate` applies
# them (post_migrate, see apps.py); tests compare the groups with this.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.NURSE: ("reference.view_drug",),
    Role.MANAGER: (),
    Role.CODER: (
        "reference.view_drug",
        "reference.view_mueedit",
        "reference.view_ncciedit",
        "reference.view_referenceedition",
        "claims.view_charge",
    ),
    Role.ADMIN: (
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "reference.view_drug",
        "reference.change_drug",
        "reference.view_mueedit",
        "reference.view_ncciedit",
        "reference.view_referenceedition",
        "claims.view_charge",
        "claims.add_charge",
        # Payers and policies (published versions stay read-only in the admin).
        "payers.view_payer",
        "payers.add_payer",
        "payers.change_payer",
        "payers.view_policyversion",
        "payers.add_policyversion",
        "payers.change_policyversion",
        "payers.delete_policyversion",
        "payers.view_drugoverride",
        "payers.add_drugoverride",
        "payers.change_drugoverride",
        "payers.delete_drugoverride",
        # Prior authorisations and the providers the claims name.
        "payers.view_authorisationrequirement",
        "payers.add_authorisationrequirement",
        "payers.change_authorisationrequirement",
        "payers.delete_authorisationrequirement",
        "payers.view_authorisation",
        "payers.add_authorisation",
        "payers.change_authorisation",
        "payers.delete_authorisation",
        "providers.view_billingprovider",
        "providers.add_billingprovider",
        "providers.change_billingprovider",
        "providers.view_practitioner",
        "providers.add_practitioner",
        "providers.change_practitioner",
        # Each location's opening hours, which chair use is measured against.
        "encounters.view_openinghours",
        "encounters.add_openinghours",
        "encounters.change_openinghours",
        "encounters.delete_openinghours",
    ),
}


def roles_of(user: Any) -> set[Role]:
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    # Asked by the role check and again by the navigation of the same request:
    # one query per request, kept on that request's user object.
    cached = getattr(user, "_chairside_roles", None)
    if cached is None:
        # A signed-in request's user comes with its group names
        # (accounts.backends); any other user object asks the database.
        listed = getattr(user, "group_names", None)
        names = (
            set(listed.split("\n"))
            if listed is not None
            else {group.name for group in user.groups.all()}
        )
        cached = user._chairside_roles = {role for role in Role if role.value in names}
    return set(cached)


def role_required(
    *allowed: Role,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let through users holding one of `allowed`; everyone else gets a 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not roles_of(request.user) & set(allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def sync_role_groups(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and give each exactly its declared permissions.

    Runs inside data migrations, so it uses the historical models and creates
    any permission rows that post_migrate has not made yet.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions
        # requires; the live registry's (after a flush) must keep its own.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


# Where each role starts, and the pages in its navigation, in menu order.
ROLE_HOME: dict[Role, str] = {
    Role.NURSE: "encounters:board",
    Role.CODER: "claims:worklist",
    Role.ADMIN: "payers:list",
    Role.MANAGER: "reports:reports",
}
ROLE_NAVIGATION: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.NURSE: (("Chair board", "encounters:board"),),
    Role.MANAGER: (("Reports", "reports:reports"),),
    Role.CODER: (
        ("Worklist", "claims:worklist"),
        ("Denials", "claims:denials"),
        ("Remittance", "claims:remittance"),
        ("Patients", "encounters:patients"),
        ("Reference data", "reference:reference"),
        ("Price list", "claims:prices"),
        ("Authorisations", "payers:authorisations"),
        ("Providers", "providers:list"),
    ),
    Role.ADMIN: (
        ("Payers", "payers:list"),
        ("Reports", "reports:reports"),
        ("Patients", "encounters:patients"),
        ("Reference data", "reference:reference"),
        ("Price list", "claims:prices"),
        ("Fee schedules", "claims:fees"),
        ("Remittance", "claims:remittance"),
        ("Authorisations", "payers:authorisations"),
        ("Providers", "providers:list"),
        ("API tokens", "accounts:api_tokens"),
    ),
}
# A user who holds several roles starts at the first of these they hold.
ROLE_PRIORITY = (Role.ADMIN, Role.CODER, Role.MANAGER, Role.NURSE)


def primary_role(user: Any) -> Role | None:
    held = roles_of(user)
    return next((role for role in ROLE_PRIORITY if role in held), None)


def navigation(request: HttpRequest) -> dict[str, Any]:
    from django.urls import reverse

    held = roles_of(request.user)
    items: list[dict[str, Any]] = []
    for role in ROLE_PRIORITY:
        if role not in held:
            continue
        for label, name in ROLE_NAVIGATION[role]:
            url = reverse(name)
            if any(item["url"] == url for item in items):
                continue
            items.append({"label": label, "url": url, "active": False})
    # The page's own item: the longest address it is under (the payers'
    # authorisations are under /payers/ too).
    under = [item for item in items if request.path.startswith(item["url"])]
    if under:
        max(under, key=lambda item: len(item["url"]))["active"] = True
    primary = primary_role(request.user)
    return {"nav_items": items, "nav_role": primary.label if primary else ""}
