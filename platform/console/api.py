"""The operator API on the platform host: thin adapters over console.onboarding, so that
onboarding can be scripted exactly as it is done in the console (and audited the same way).

Knox tokens are accepted here and nowhere else: they live in the public schema, and a
school host must never authenticate anyone from it.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from console import onboarding, selectors
from console.access import IsVerifiedOperator
from console.models import BulkOnboarding, BulkOnboardingRow
from safeguarding.setup import DEFAULT_TEMPLATE
from tenants import services
from tenants.errors import TenancyError
from tenants.models import School, Trust

ERRORS = OpenApiResponse(
    description="The request is refused and nothing was changed: a list of messages for "
    'each field at fault, e.g. {"slug": ["..."]}.'
)


class SchoolOutput(serializers.ModelSerializer):
    trust = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()

    class Meta:
        model = School
        fields = ["slug", "name", "trust", "status", "plan", "url", "created"]

    def get_url(self, school: School) -> str:
        return services.school_url(school)

    def get_plan(self, school: School) -> str | None:
        """The plan's code; null until the school has a subscription."""
        subscription = getattr(school, "subscription", None)
        return subscription.plan.code if subscription else None


class TrustOutput(serializers.ModelSerializer):
    schools = serializers.IntegerField(source="school_count", read_only=True)

    class Meta:
        model = Trust
        fields = ["slug", "name", "schools", "created"]


class RowOutput(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan_code")
    school_url = serializers.SerializerMethodField()

    class Meta:
        model = BulkOnboardingRow
        fields = ["line", "slug", "name", "template", "plan", "status", "message", "seconds",
                  "school_url"]  # fmt: skip

    def get_school_url(self, row: BulkOnboardingRow) -> str | None:
        return services.school_url(row.school) if row.school_id else None


class OperatorApiView(APIView):
    # Token first, so a client without credentials is told how to authenticate (401).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsVerifiedOperator]


def _refused(error: TenancyError) -> Response:
    problems = getattr(error, "problems", None) or {error.field: [error.message]}
    return Response(problems, status=status.HTTP_400_BAD_REQUEST)


class SchoolsApi(OperatorApiView):
    class OnboardSchool(serializers.Serializer):
        slug = serializers.CharField(max_length=100, trim_whitespace=True)
        name = serializers.CharField(max_length=200)
        admin_email = serializers.CharField(max_length=254, help_text="The first DSL's email")
        trust = serializers.CharField(
            max_length=100, required=False, allow_blank=True, help_text="A trust's slug"
        )
        template = serializers.CharField(max_length=50, required=False, default=DEFAULT_TEMPLATE)
        plan = serializers.CharField(
            max_length=40,
            required=False,
            allow_blank=True,
            default="",
            help_text="A plan's code; the default plan when left out",
        )

    @extend_schema(summary="Every school with its trust, status and plan", responses=SchoolOutput)
    def get(self, request: Request) -> Response:
        return Response(SchoolOutput(selectors.schools(), many=True).data)

    @extend_schema(
        summary="Onboard a school: its address works at once and its first DSL is invited",
        request=OnboardSchool,
        responses={201: SchoolOutput, 400: ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.OnboardSchool(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            onboarded = onboarding.onboard(by=request.user, **data.validated_data)
        except TenancyError as error:
            return _refused(error)
        return Response(SchoolOutput(onboarded.school).data, status=status.HTTP_201_CREATED)


class TrustsApi(OperatorApiView):
    class CreateTrust(serializers.Serializer):
        slug = serializers.CharField(max_length=100)
        name = serializers.CharField(max_length=200)

    @extend_schema(summary="Every trust with its number of schools", responses=TrustOutput)
    def get(self, request: Request) -> Response:
        return Response(TrustOutput(selectors.trusts(), many=True).data)

    @extend_schema(
        summary="Create a trust", request=CreateTrust, responses={201: TrustOutput, 400: ERRORS}
    )
    def post(self, request: Request) -> Response:
        data = self.CreateTrust(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            trust = onboarding.create_trust(by=request.user, **data.validated_data)
        except TenancyError as error:
            return _refused(error)
        trust.school_count = 0
        return Response(TrustOutput(trust).data, status=status.HTTP_201_CREATED)


JOB_FIELDS = {
    "id": serializers.IntegerField(),
    "url": serializers.URLField(help_text="Where to follow its progress (GET)"),
    "trust": serializers.CharField(),
    "status": serializers.CharField(
        help_text="queued, running, finished, or failed (stopped by an error: rows still "
        "waiting were not onboarded)"
    ),
    "created": serializers.DateTimeField(),
    "started_at": serializers.DateTimeField(allow_null=True),
    "finished_at": serializers.DateTimeField(allow_null=True),
    "counts": inline_serializer(
        "BulkCounts",
        {
            "total": serializers.IntegerField(),
            "onboarded": serializers.IntegerField(),
            "failed": serializers.IntegerField(),
            "waiting": serializers.IntegerField(),
        },
    ),
}
JOB = inline_serializer("BulkOnboarding", {**JOB_FIELDS, "rows": RowOutput(many=True)})
JOBS = inline_serializer("BulkOnboardingSummary", JOB_FIELDS, many=True)
BULK_REFUSED = inline_serializer(
    "BulkRefused",
    {
        "file": serializers.ListField(child=serializers.CharField(), required=False),
        "trust": serializers.ListField(child=serializers.CharField(), required=False),
        "rows": inline_serializer(
            "BulkRowProblems",
            {
                "line": serializers.IntegerField(),
                "slug": serializers.CharField(),
                "problems": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
            required=False,
        ),
    },
)


class BulkOnboardingsApi(OperatorApiView):
    parser_classes = [JSONParser, MultiPartParser]

    class BulkUpload(serializers.Serializer):
        trust = serializers.CharField(max_length=100, help_text="The trust's slug")
        file = serializers.FileField(help_text="The CSV: slug,name,template,plan,dsl_email")

    class BulkText(serializers.Serializer):
        trust = serializers.CharField(max_length=100, help_text="The trust's slug")
        csv = serializers.CharField(
            trim_whitespace=False, help_text="The CSV's text: slug,name,template,plan,dsl_email"
        )

    @extend_schema(
        summary="The latest bulk onboardings, each with its counts (rows: see each one's url)",
        responses={200: JOBS},
    )
    def get(self, request: Request) -> Response:
        return Response([_job(request, job, rows=False) for job in onboarding.bulk_onboardings()])

    @extend_schema(
        summary="Onboard a trust's schools from a CSV file: checked in full, then run by a "
        "worker (a 400 lists every row's problems and creates nothing)",
        request={"multipart/form-data": BulkUpload, "application/json": BulkText},
        responses={202: JOB, 400: BULK_REFUSED},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is not None:
            data = self.BulkUpload(data=request.data)
            data.is_valid(raise_exception=True)
            content = upload.read(onboarding.MAX_BYTES + 1)
        else:
            data = self.BulkText(data=request.data)
            data.is_valid(raise_exception=True)
            content = data.validated_data["csv"].encode("utf-8")
        try:
            job = onboarding.start_bulk_onboarding(
                by=request.user,
                trust=data.validated_data["trust"],
                data=content,
                file_name=upload.name if upload is not None else "",
            )
        except onboarding.BulkFileRefused as error:
            return Response(
                {
                    "file": [error.message, *error.checked.errors[1:]],
                    "rows": [
                        {"line": row.line, "slug": row.slug, "problems": row.problems}
                        for row in error.checked.rows_with_problems
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except TenancyError as error:
            return _refused(error)
        return Response(
            _job(request, onboarding.bulk_onboarding(job.pk)), status=status.HTTP_202_ACCEPTED
        )


class BulkOnboardingApi(OperatorApiView):
    @extend_schema(
        summary="A bulk onboarding's status, counts and result per row", responses={200: JOB}
    )
    def get(self, request: Request, job_id: int) -> Response:
        job = onboarding.bulk_onboarding(job_id)
        if job is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(_job(request, job))


def _job(request: Request, job: BulkOnboarding, *, rows: bool = True) -> dict:
    progress = onboarding.progress_of(job)
    return {
        "id": job.pk,
        "url": reverse("api-bulk-onboarding", kwargs={"job_id": job.pk}, request=request),
        "trust": job.trust.slug,
        "status": job.status,
        "created": serializers.DateTimeField().to_representation(job.created),
        "started_at": _when(job.started_at),
        "finished_at": _when(job.finished_at),
        "counts": {
            "total": progress.total,
            "onboarded": progress.onboarded,
            "failed": progress.failed,
            "waiting": progress.waiting,
        },
        **({"rows": RowOutput(onboarding.rows_of(job), many=True).data} if rows else {}),
    }


def _when(moment) -> str | None:
    return serializers.DateTimeField().to_representation(moment) if moment else None
