"""The trust API on the platform host, for trusts' own BI tools: the dashboard's figures,
suppressed and scoped exactly as on the pages (trusts.figures), and inviting trust leads.

Knox tokens a lead makes on the Tokens page, or a session verified with a second factor.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import AccountError
from console.access import IsVerifiedOperator
from tenants.models import Trust
from trusts import services
from trusts.access import IsVerifiedTrustLead, _on_platform, verified_session
from trusts.errors import BadFilter, NotPermitted, TrustError
from trusts.figures import PANELS, Cell, Line, Panel, trust_figures
from trusts.models import TrustMembership
from trusts.selectors import lead_of, parse_filters, phase_of, schools_of

FILTERS = [
    OpenApiParameter("from", str, description="First month, YYYY-MM (default: 12 full months ago)"),
    OpenApiParameter(
        "to",
        str,
        description="Last month, YYYY-MM (default: last month). Closed months only: a "
        "period including the current month is refused with a 400.",
    ),
    OpenApiParameter("phase", str, enum=["primary", "secondary"], description="School phase"),
    OpenApiParameter("school", str, description="One of the trust's schools, by slug"),
]
CELL = inline_serializer(
    "Cell",
    {
        "display": serializers.CharField(help_text='As published: "12", "<5", "*" or "\u2014"'),
        "value": serializers.FloatField(allow_null=True, help_text="Only when shown"),
        "state": serializers.ChoiceField(["shown", "small", "withheld"]),
    },
)


class TrustApiView(APIView):
    # Token first, so a client without credentials is told how to authenticate (401).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsVerifiedTrustLead]


class SchoolsApi(TrustApiView):
    @extend_schema(
        summary="The trust's schools and the months each belonged to it",
        responses=inline_serializer(
            "TrustSchool",
            {
                "slug": serializers.CharField(),
                "name": serializers.CharField(),
                "phase": serializers.CharField(),
                "memberships": inline_serializer(
                    "Membership",
                    {"from": serializers.CharField(), "until": serializers.CharField()},
                    many=True,
                ),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        trust = request.trust_lead.trust
        spans: dict[int, list[dict]] = {}
        for membership in TrustMembership.objects.filter(trust=trust).order_by("starts"):
            spans.setdefault(membership.school_id, []).append(
                {
                    "from": f"{membership.starts:%Y-%m}",
                    "until": f"{membership.ends:%Y-%m}" if membership.ends else None,
                }
            )
        return Response(
            [
                {
                    "slug": school.slug,
                    "name": school.name,
                    "phase": phase_of(school),
                    "memberships": spans.get(school.pk, []),
                }
                for school in schools_of(trust)
            ]
        )


class FiguresApi(TrustApiView):
    @extend_schema(
        summary="One of the dashboard's tables, suppressed at the trust's threshold",
        description="`panel` is one of: " + ", ".join(PANELS) + ". A figure below the "
        'threshold is "<N" with no value; one withheld to protect it is "*".',
        parameters=FILTERS,
        responses={
            200: inline_serializer(
                "TrustTable",
                {
                    "trust": serializers.CharField(),
                    "panel": serializers.CharField(),
                    "title": serializers.CharField(),
                    "period": inline_serializer(
                        "Period", {"from": serializers.CharField(), "to": serializers.CharField()}
                    ),
                    "phase": serializers.CharField(),
                    "school": serializers.CharField(allow_null=True),
                    "threshold": serializers.IntegerField(),
                    "columns": inline_serializer(
                        "Column",
                        {"key": serializers.CharField(), "label": serializers.CharField()},
                        many=True,
                    ),
                    "rows": inline_serializer(
                        "Row",
                        {
                            "key": serializers.CharField(),
                            "label": serializers.CharField(),
                            "cells": serializers.DictField(child=CELL),
                        },
                        many=True,
                    ),
                    "totals": serializers.DictField(allow_null=True),
                },
            )
        },
    )
    def get(self, request: Request, panel: str) -> Response:
        if panel not in PANELS:
            return Response(
                {"detail": f"There is no table {panel!r}; choose one of {', '.join(PANELS)}."},
                status=status.HTTP_404_NOT_FOUND,
            )
        trust = request.trust_lead.trust
        try:
            filters = parse_filters(trust, request.query_params)
        except BadFilter as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        figures = trust_figures(trust, filters)
        table = figures.panels[panel]
        return Response(
            {
                "trust": trust.slug,
                "panel": panel,
                "title": table.title,
                "period": {"from": f"{filters.first:%Y-%m}", "to": f"{filters.last:%Y-%m}"},
                "phase": filters.phase,
                "school": filters.school.slug if filters.school else None,
                "threshold": figures.threshold,
                "has_data": figures.has_data,
                "columns": [
                    {"key": k, "label": h} for k, h in zip(table.keys, table.headings, strict=True)
                ],
                "rows": [_line(table, line) for line in table.lines],
                "totals": _line(table, table.totals) if table.totals else None,
            }
        )


def _line(table: Panel, line: Line) -> dict:
    return {
        "key": line.key,
        "label": line.label,
        "cells": {k: _cell(c) for k, c in zip(table.keys, line.cells, strict=True)},
    }


def _cell(cell: Cell) -> dict:
    return {"display": cell.display, "value": cell.value, "state": cell.state}


class MayInviteLeads(BasePermission):
    """Platform operators (by their operator token or session), and trust leads (for
    their own trust only) from a session verified with a second factor: never by a lead's
    API token, so a leaked token reads figures but cannot make a new lead."""

    message = (
        "Only platform operators with a verified second factor, and trust leads signed in "
        "with a verified second factor (not by an API token), can invite trust leads."
    )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not _on_platform() or user is None or not user.is_authenticated:
            return False
        if user.is_operator:
            return IsVerifiedOperator().has_permission(request, view)
        return verified_session(request) and IsVerifiedTrustLead().has_permission(request, view)


class TrustLeadsApi(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [MayInviteLeads]

    class LeadInvitation(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    @extend_schema(
        summary="Invite a trust lead (operators, or the trust's own leads from a verified "
        "session: not by a lead's API token)",
        request=LeadInvitation,
        responses={201: inline_serializer("Invited", {"email": serializers.CharField()})},
    )
    def post(self, request: Request, slug: str) -> Response:
        trust = Trust.objects.filter(slug=slug).first()
        lead = lead_of(request.user)
        if trust is None or (not request.user.is_operator and lead.trust_id != trust.pk):
            # Another trust's leads are none of this lead's business, nor whether it exists.
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        data = self.LeadInvitation(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invited = services.invite_trust_lead(
                trust=trust,
                email=data.validated_data["email"],
                full_name=data.validated_data.get("full_name", ""),
                invited_by=request.user,
            )
        except AccountError as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        except NotPermitted as error:
            return Response({"detail": error.message}, status=status.HTTP_403_FORBIDDEN)
        return Response({"email": invited.user.email}, status=status.HTTP_201_CREATED)


class TrustThresholdApi(APIView):
    """The operators' way to set a trust's threshold, lower included: a lead can only raise
    it (trusts.services.set_threshold). Each change is recorded with who made it."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsVerifiedOperator]

    class NewThreshold(serializers.Serializer):
        threshold = serializers.CharField(max_length=10)

    @extend_schema(
        summary="Set a trust's suppression threshold (operators only; may lower it, never below 3)",
        request=NewThreshold,
        responses={
            200: inline_serializer(
                "Threshold",
                {"trust": serializers.CharField(), "threshold": serializers.IntegerField()},
            )
        },
    )
    def put(self, request: Request, slug: str) -> Response:
        trust = Trust.objects.filter(slug=slug).first()
        if trust is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        data = self.NewThreshold(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.set_threshold(
                trust=trust, threshold=data.validated_data["threshold"], by=request.user
            )
        except NotPermitted as error:
            return Response({"detail": error.message}, status=status.HTTP_403_FORBIDDEN)
        except TrustError as error:
            return Response({error.field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"trust": trust.slug, "threshold": trust.suppression_threshold})
