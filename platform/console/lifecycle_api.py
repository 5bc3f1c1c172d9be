"""The operator API for a school's status on the platform host: suspend, reactivate and
offboard by script, as in the console and audited the same way (console.lifecycle)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from console import lifecycle, selectors
from console.api import OperatorApiView
from console.lifecycle import LifecycleRefused
from console.models import Offboarding
from tenants.models import School

REFUSED = OpenApiResponse(
    description="Refused, and nothing was changed: messages for the field at fault, e.g. "
    '{"reason": ["Give a reason for suspending the school."]} or '
    '{"non_field_errors": ["Westleigh is already suspended."]}.'
)
NOT_FOUND = OpenApiResponse(description="There is no school with this slug.")


class StatusOutput(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["slug", "name", "status", "status_reason"]


class OffboardingOutput(serializers.ModelSerializer):
    school = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    school_status = serializers.CharField(source="school.status", read_only=True)
    days_until_removable = serializers.SerializerMethodField()

    class Meta:
        model = Offboarding
        fields = [
            "id",
            "school",
            "school_status",
            "reason",
            "previous_status",
            "requested_by_email",
            "requested_at",
            "removable_from",
            "days_until_removable",
            "export_status",
            "export_bytes",
            "export_sha256",
            "export_finished_at",
            "export_error",
            "cancelled_by_email",
            "cancelled_at",
            "confirmed_by_email",
            "confirmed_at",
            "removed_at",
        ]

    def get_days_until_removable(self, offboarding: Offboarding) -> int:
        return lifecycle.days_until_removable(offboarding)


STARTED = inline_serializer(
    "OffboardingStarted",
    {
        "offboarding": OffboardingOutput(),
        "passphrase": serializers.CharField(
            help_text="Opens the export. Returned this once and kept nowhere: store it now."
        ),
    },
)


class Reason(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class TypedSlug(serializers.Serializer):
    slug = serializers.CharField(
        max_length=100,
        allow_blank=True,
        help_text="The school's slug again, as a person types it in the console to confirm.",
    )


def _refused(refusal: LifecycleRefused) -> Response:
    return Response({refusal.field: [refusal.message]}, status=status.HTTP_400_BAD_REQUEST)


def _not_found(slug: str) -> Response:
    return Response(
        {"detail": f"There is no school with the slug {slug!r}."},
        status=status.HTTP_404_NOT_FOUND,
    )


def _no_offboarding(school: School) -> Response:
    return Response(
        {"detail": f"{school.name} has no offboarding under way."},
        status=status.HTTP_404_NOT_FOUND,
    )


def _school_and_offboarding(slug: str) -> tuple[School, Offboarding] | Response:
    """The school and its open offboarding, or the 404 that says which is missing."""
    school = selectors.school_by_slug(slug)
    if school is None:
        return _not_found(slug)
    found = lifecycle.open_offboarding(school)
    if found is None:
        return _no_offboarding(school)
    return school, found


def _started(started: lifecycle.OffboardingStarted) -> Response:
    return Response(
        {
            "offboarding": OffboardingOutput(started.offboarding).data,
            "passphrase": started.passphrase,
        },
        status=status.HTTP_202_ACCEPTED,
        headers={"Cache-Control": "private, no-store"},
    )


class SuspendApi(OperatorApiView):
    @extend_schema(
        summary="Suspend a school: its staff see a notice page; nothing is deleted",
        request=Reason,
        responses={200: StatusOutput, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        school = selectors.school_by_slug(slug)
        if school is None:
            return _not_found(slug)
        data = Reason(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lifecycle.suspend(school=school, by=request.user, reason=data.validated_data["reason"])
        except LifecycleRefused as refusal:
            return _refused(refusal)
        return Response(StatusOutput(school).data)


class ReactivateApi(OperatorApiView):
    @extend_schema(
        summary="Reactivate a suspended school, with a reason kept in the operators' audit",
        request=Reason,
        responses={200: StatusOutput, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        school = selectors.school_by_slug(slug)
        if school is None:
            return _not_found(slug)
        data = Reason(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lifecycle.reactivate(
                school=school, by=request.user, reason=data.validated_data["reason"]
            )
        except LifecycleRefused as refusal:
            return _refused(refusal)
        return Response(StatusOutput(school).data)


class OffboardingApi(OperatorApiView):
    @extend_schema(
        summary="The school's offboarding: export status, grace period, removal",
        responses={200: OffboardingOutput, 404: NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        looked_up = _school_and_offboarding(slug)
        if isinstance(looked_up, Response):
            return looked_up
        return Response(OffboardingOutput(looked_up[1]).data)

    @extend_schema(
        summary="Offboard a school: close it, export it under a passphrase returned once",
        description="The school's address shows a closing notice at once. The export (its "
        "schema's dump and every file, AES-256 zip) runs in the background: follow it with "
        "GET. After the grace period a second operator confirms the removal.",
        request=Reason,
        responses={202: STARTED, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        school = selectors.school_by_slug(slug)
        if school is None:
            return _not_found(slug)
        data = Reason(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            started = lifecycle.request_offboarding(
                school=school, by=request.user, reason=data.validated_data["reason"]
            )
        except LifecycleRefused as refusal:
            return _refused(refusal)
        return _started(started)

    @extend_schema(
        summary="Cancel the offboarding: the school is as it was, its export deleted",
        description='The reason goes in the body ({"reason": "..."}) or in ?reason=.',
        request=Reason,
        responses={200: OffboardingOutput, 400: REFUSED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, slug: str) -> Response:
        return _cancel(request, slug)


class CancelOffboardingApi(OperatorApiView):
    @extend_schema(
        summary="Cancel the offboarding (the same as DELETE on the offboarding)",
        request=Reason,
        responses={200: OffboardingOutput, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        return _cancel(request, slug)


class RetryExportApi(OperatorApiView):
    @extend_schema(
        summary="Export again under a new passphrase, returned once",
        request=None,
        responses={202: STARTED, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        looked_up = _school_and_offboarding(slug)
        if isinstance(looked_up, Response):
            return looked_up
        _, found = looked_up
        try:
            started = lifecycle.retry_export(offboarding=found, by=request.user)
        except LifecycleRefused as refusal:
            return _refused(refusal)
        return _started(started)


class ConfirmRemovalApi(OperatorApiView):
    @extend_schema(
        summary="Confirm the removal: drops the school's schema, address and files",
        description="Only after the grace period, once the export is ready, and by an "
        "operator other than the one who asked for the offboarding. The school's slug "
        "must be sent again as `slug`.",
        request=TypedSlug,
        responses={200: OffboardingOutput, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        looked_up = _school_and_offboarding(slug)
        if isinstance(looked_up, Response):
            return looked_up
        _, found = looked_up
        data = TypedSlug(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            removed = lifecycle.confirm_removal(
                offboarding=found, by=request.user, typed_slug=data.validated_data["slug"]
            )
        except LifecycleRefused as refusal:
            return _refused(refusal)
        return Response(OffboardingOutput(removed).data)


def _cancel(request: Request, slug: str) -> Response:
    looked_up = _school_and_offboarding(slug)
    if isinstance(looked_up, Response):
        return looked_up
    _, found = looked_up
    data = Reason(data=request.data or {"reason": request.query_params.get("reason", "")})
    data.is_valid(raise_exception=True)
    try:
        cancelled = lifecycle.cancel_offboarding(
            offboarding=found, by=request.user, reason=data.validated_data["reason"]
        )
    except LifecycleRefused as refusal:
        return _refused(refusal)
    return Response(OffboardingOutput(cancelled).data)
