"""Pages: download a register as Excel, upload it back (see `xiangcun.core.excel`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xiangcun.regions.models import County

from . import excel
from .errors import ApplicationError, PermissionDenied


def _resource_class(register: str):
    try:
        return excel.register_resource(register)
    except excel.UnknownRegister:
        raise Http404 from None


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    county = forms.ModelChoiceField(
        queryset=County.objects.all(),
        to_field_name="code",
        required=False,
        label=gettext_lazy("County"),
        help_text=gettext_lazy("Only needed when the file does not name its county."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Everyone else imports into their own county.
        if not user.is_superuser:
            del self.fields["county"]


@login_required
@require_GET
def export_view(request, register: str):
    """The register as .xlsx: the rows the user may see, with the list page's filters (query string)."""
    _resource_class(register)
    try:
        export = excel.export_workbook(
            user=request.user, register=register, params=request.GET, county_code=request.GET.get("county")
        )
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(export.content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = export.content_disposition
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request, register: str):
    """GET: the upload form. POST: import all or nothing; on errors the form again with every row error,
    on success back to the register's list with a summary."""
    resource_class = _resource_class(register)
    if not excel.can_import(request.user, register):
        raise DjangoPermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    context = {
        "form": form,
        "register": register,
        "register_label": resource_class.label(),
        "list_path": resource_class.list_path,
        "max_rows": excel.MAX_ROWS,
        "row_errors": [],
        "file_error": "",
    }
    if request.method == "GET":
        return render(request, "excel/import.html", context)
    if form.is_valid():
        county = form.cleaned_data.get("county")
        try:
            summary = excel.import_workbook(
                user=request.user,
                register=register,
                upload=form.cleaned_data["file"],
                county_code=county.code if county else None,
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except excel.ImportInvalid as exc:
            context["file_error"] = exc.message
            context["row_errors"] = exc.rows
        except ApplicationError as exc:
            context["file_error"] = exc.message
        else:
            messages.success(
                request,
                _("Imported %(register)s: %(created)s added, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "register": resource_class.label(),
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                },
            )
            return redirect(resource_class.list_path)
    return render(request, "excel/import.html", context, status=400)
