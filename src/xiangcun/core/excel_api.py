"""API: GET /api/v1/excel/<register>/ downloads the register as .xlsx (scoped, with the list filters);
POST with a multipart `file` imports it, all or nothing (see `xiangcun.core.excel`).

Import answers 200 `{"created", "updated", "unchanged"}`, or 400 `{"detail", "code": "import_invalid",
"errors": {"rows": [{"row", "column", "message"}]}}` when rows are wrong (other 400 codes: not_xlsx,
empty_file, missing_columns, too_many_rows, wrong_register, wrong_county, county_required), or 403 when
the user may not import the register.
"""

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import excel


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for `Accept: <xlsx>`; errors are then still JSON bytes."""

    media_type = excel.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class ExcelUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The .xlsx file, laid out as the export writes it.")
    county = serializers.CharField(
        required=False, help_text="County code; only for superusers when the file does not name its county."
    )


class ExcelImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ExcelRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel row number (the header is row 2).")
    column = serializers.CharField(help_text="The column's header as in the file; empty for the whole row.")
    message = serializers.CharField()


class ExcelImportErrorsSerializer(serializers.Serializer):
    rows = ExcelRowErrorSerializer(many=True)


class ExcelImportInvalidSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ExcelImportErrorsSerializer()


FILTERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=description)
    for name, description in (
        ("county", "County code (superusers; others always get their own county)."),
        ("township", "Township id (villages, facilities, stations)."),
        ("village", "Village id (stations)."),
        ("status", "Status (facilities, stations)."),
        ("kind", "Kind (villages, facilities)."),
        ("funded", "true/false (stations)."),
        ("poor_village", "true/false (stations)."),
        ("compliant", "true/false: meets the construction standard (stations)."),
        ("is_poor", "true/false (villages)."),
        ("has_broadband", "true/false (villages)."),
        ("has_station", "true/false: has an operating station (villages)."),
        ("has_express_outlet", "true/false (townships)."),
        ("q", "Name or code contains (villages, stations)."),
    )
]


class ExcelRegisterView(APIView):
    """One register as Excel: download (GET) and import (POST)."""

    register = ""
    parser_classes = [MultiPartParser, FormParser]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer]

    @extend_schema(
        summary="Download the register as .xlsx",
        parameters=FILTERS,
        responses={(200, excel.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request):
        export = excel.export_workbook(
            user=request.user,
            register=self.register,
            params=request.query_params,
            county_code=request.query_params.get("county"),
        )
        response = HttpResponse(export.content, content_type=excel.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = export.content_disposition
        return response

    @extend_schema(
        summary="Import the register from .xlsx (all or nothing)",
        request={"multipart/form-data": ExcelUploadSerializer},
        responses={
            200: ExcelImportResultSerializer,
            400: OpenApiResponse(ExcelImportInvalidSerializer, description="Row errors or an unusable file."),
            403: OpenApiResponse(description="The user may not import this register."),
        },
    )
    def post(self, request):
        serializer = ExcelUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summary = excel.import_workbook(
            user=request.user,
            register=self.register,
            upload=serializer.validated_data["file"],
            county_code=serializer.validated_data.get("county"),
        )
        return Response(
            ExcelImportResultSerializer(
                {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged}
            ).data
        )


def register(router) -> None:
    """Add /api/v1/excel/<register>/ for every register (listed in the API root as excel-<register>)."""
    for name in excel.REGISTERS:
        router.add_view(f"excel/{name}", ExcelRegisterView.as_view(register=name), f"excel-{name}")
