"""The reference data page: every CMS edition, by table, and the import."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest, refused
from accounts.roles import Role, role_required, roles_of
from reference.forms import ImportForm
from reference.importing import ImportRefused, import_cms_files
from reference.models import ReferenceEdition, Table


@require_http_methods(["GET", "POST"])
@role_required(Role.CODER, Role.ADMIN)
def reference(request: AuthenticatedRequest) -> HttpResponse:
    """Coders read which editions are loaded; admins import CMS's files."""
    may_import = Role.ADMIN in roles_of(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not may_import:
            return refused("Only an admin imports reference data.", status=403)
        if form.is_valid():
            try:
                recorded = import_cms_files(
                    [
                        (f.name or "upload", f.read())
                        for f in form.cleaned_data["upload"]
                    ],
                    effective=form.cleaned_data["effective"],
                    by=request.user,
                )
            except ImportRefused as error:
                form.add_error("upload", f"{error} Nothing was imported.")
            else:
                for item in recorded:
                    messages.success(request, item.sentence())
                return redirect("reference:reference")
        status = 422
    today = timezone.localdate()
    editions = ReferenceEdition.objects.select_related("loaded_by", "replaced_by")
    tables: dict[str, list[tuple[ReferenceEdition, str]]] = {}
    for edition in editions:
        tables.setdefault(edition.table, []).append((edition, edition.status_on(today)))
    context: dict[str, Any] = {
        "form": form,
        "may_import": may_import,
        "today": today,
        "tables": [
            (name, Table(name).label, tables[name])
            for name in Table.values
            if name in tables
        ],
        "upcoming": editions.upcoming(today).exists(),
    }
    return render(request, "reference/reference.html", context, status=status)
