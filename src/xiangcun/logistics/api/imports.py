"""API: POST /api/v1/logistics/import/<table> imports parcels (`shipments`), `tariffs` or
`price-benchmarks` from an .xlsx file, all or nothing (see `logistics.imports`).

Answers 200 `{"imported": n}`, or 400 `{"detail", "code": "import_invalid", "errors": {"rows": [{"row",
"column", "message"}]}}` when rows are wrong (other 400 codes: not_xlsx, empty_file, missing_columns,
too_many_rows, county_required), 403 when the caller may not import the table, 404 for another table.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiangcun.core.excel_api import ExcelImportInvalidSerializer
from xiangcun.regions.models import County

from .. import imports


class LogisticsUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The .xlsx file: a header row (Chinese or English headers), one row each."
    )
    county = serializers.SlugRelatedField(
        slug_field="code",
        queryset=County.objects.all(),
        required=False,
        help_text="County code; only superusers (everyone else imports into their own county).",
    )


class LogisticsImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()


class LogisticsImportView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="logistics_import",
        summary="Import parcels, tariffs or price benchmarks from .xlsx (all or nothing)",
        request={"multipart/form-data": LogisticsUploadSerializer},
        responses={
            200: LogisticsImportResultSerializer,
            400: OpenApiResponse(ExcelImportInvalidSerializer, description="Row errors or an unusable file."),
            403: OpenApiResponse(description="The caller may not import this table."),
        },
        tags=["logistics"],
    )
    def post(self, request, table: str):
        spec = imports.TABLES.get(table)
        if spec is None:
            raise Http404
        serializer = LogisticsUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        county = serializer.validated_data.get("county") if user.is_superuser else None
        count = imports.import_table(
            actor=user, county=county or user.county, table=spec, upload=serializer.validated_data["file"]
        )
        return Response({"imported": count})
