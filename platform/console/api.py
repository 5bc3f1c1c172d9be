"""The operator API on the platform host: thin adapters over tenants.services.

Knox tokens are accepted here and nowhere else: they live in the public schema, and a
school host must never authenticate anyone from it.
"""

from __future__ import annotations

from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from console.access import IsVerifiedOperator
from safeguarding.setup import DEFAULT_TEMPLATE
from tenants import selectors, services
from tenants.errors import TenancyError
from tenants.models import School


class SchoolOutput(serializers.ModelSerializer):
    trust = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = School
        fields = ["slug", "name", "trust", "status", "url", "created"]

    def get_url(self, school: School) -> str:
        return services.school_url(school)


class OperatorApiView(APIView):
    # Token first, so a client without credentials is told how to authenticate (401).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsVerifiedOperator]


class SchoolsApi(OperatorApiView):
    class Input(serializers.Serializer):
        slug = serializers.CharField(max_length=100, trim_whitespace=True)
        name = serializers.CharField(max_length=200)
        admin_email = serializers.CharField(max_length=254)
        trust = serializers.CharField(max_length=100, required=False, allow_blank=True)
        template = serializers.CharField(max_length=50, required=False, default=DEFAULT_TEMPLATE)

    def get(self, request: Request) -> Response:
        return Response(SchoolOutput(selectors.list_schools(), many=True).data)

    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            onboarded = services.onboard_school(
                slug=data.validated_data["slug"],
                name=data.validated_data["name"],
                admin_email=data.validated_data["admin_email"],
                trust=data.validated_data.get("trust") or None,
                template=data.validated_data["template"],
            )
        except TenancyError as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(SchoolOutput(onboarded.school).data, status=status.HTTP_201_CREATED)
