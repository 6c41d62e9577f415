from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from xiangcun.evaluation.scorecard import build_scorecard, scorecard_to_dict
from xiangcun.evaluation.selectors import default_year, evaluable_county

from .serializers import ScorecardQuerySerializer, ScorecardSerializer


class ScorecardView(APIView):
    """The scorecard of a county for a year: the same JSON as `xiangcun evaluate --format json`."""

    @extend_schema(
        operation_id="scorecard_retrieve",
        summary="Scorecard of a county for a year",
        description=(
            "Every indicator of the registry (R1–R13) with target, value, status (met, not_met, "
            "not_measured, manual) and numerator/denominator for ratios, plus the one-vote-veto items "
            "(triggered true, false or null = not measured). Stations count as operating by their status "
            "at the end of the year (Asia/Shanghai). `name` is the Chinese name, `name_en` the English one; "
            "`reason` follows the request's language."
        ),
        parameters=[ScorecardQuerySerializer],
        responses={
            200: ScorecardSerializer,
            400: OpenApiResponse(description="Bad county code or year (field errors)."),
            401: OpenApiResponse(description="Not signed in."),
            404: OpenApiResponse(description="Unknown county, or not yours."),
        },
        tags=["evaluation"],
    )
    def get(self, request):
        query = ScorecardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("county")
        if not code and request.user.county_id is None:
            raise ValidationError({"county": [_("Give a county code: your account has no county.")]})
        county = evaluable_county(user=request.user, code=code)
        if county is None:
            raise NotFound(_("No such county in your scope."))
        year = query.validated_data.get("year") or default_year(county)
        return Response(scorecard_to_dict(build_scorecard(county=county, year=year)))
