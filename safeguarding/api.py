"""The school API (/api/v1/ on a school's host): the same policy and services as the pages.

Thin views with their input and output serializers inside. Anything the caller may not see
is a 404; refused input is a 400 naming each field. Sessions only: tokens from the platform
host are never accepted here.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound as Http404
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeguarding.access import policy
from safeguarding.access.policy import viewer_for
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns import selectors, services
from safeguarding.concerns.downloads import attachment_response
from safeguarding.concerns.models import Action, BodyMapMark, Category, LinkedPupil, Status
from safeguarding.errors import Invalid, NotFound, NotPermitted
from safeguarding.people.models import Group
from safeguarding.people.selectors import search_pupils


class HasSchoolRole(BasePermission):
    message = "Your account has no role at this school."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        request.viewer = viewer_for(request.user)
        return request.viewer.level is not None


class SchoolApi(APIView):
    permission_classes = [HasSchoolRole]

    def handle_exception(self, exc):
        if isinstance(exc, Invalid):
            exc = ValidationError(exc.errors)
        elif isinstance(exc, NotFound):
            exc = Http404()
        elif isinstance(exc, NotPermitted):
            exc = PermissionDenied(str(exc))
        return super().handle_exception(exc)


class Page(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


def _initials(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.initials if profile else ""


# Output ---------------------------------------------------------------------------------------


class PupilSummary(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    year_group = serializers.CharField(source="year_group.name", default=None)
    form = serializers.CharField(source="form.name", default=None)
    left = serializers.BooleanField(source="is_archived")


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    label = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    standard = serializers.CharField()
    restricted = serializers.BooleanField()
    retired = serializers.BooleanField(source="is_retired")


class FileOut(serializers.Serializer):
    """Give it the incident in its context ("incident"): with names hidden, files show by
    number rather than by the name they were uploaded with."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()

    def get_name(self, attachment) -> str:
        return selectors.file_label(self.context["incident"], attachment)


def _pupil_shown(pupil, incident) -> dict:
    """A pupil as an incident shows them: by initials once a DSL has hidden names."""
    data = PupilSummary(pupil).data
    if incident.names_hidden:
        data["name"] = pupil.initials
    return data


class ActionOut(serializers.Serializer):
    """Give it the incident in its context ("incident") so names stay hidden when they are."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.SerializerMethodField()
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.SerializerMethodField()
    agency = serializers.CharField(source="agency.name", default=None)
    reference = serializers.CharField()
    assignee = serializers.SerializerMethodField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    completed_at = serializers.DateTimeField(source="completion.completed_at", default=None)
    files = FileOut(source="attachments.all", many=True)

    def get_text(self, action) -> str:
        return selectors.shown_text(self.context["incident"], action.text)

    def get_recorded_by(self, action) -> str:
        return _initials(action.recorded_by)

    def get_assignee(self, action) -> str | None:
        return _initials(action.assignee) if action.assignee_id else None

    def get_overdue(self, action) -> bool:
        return selectors.is_overdue(action)


class IncidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    pupil = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    categories = CategoryOut(source="categories.all", many=True)
    status = serializers.CharField()
    risk = serializers.CharField()
    names_hidden = serializers.BooleanField()
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.SerializerMethodField()
    linked = serializers.SerializerMethodField()
    marks = serializers.SerializerMethodField()
    agencies = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    @extend_schema_field(PupilSummary)
    def get_pupil(self, incident) -> dict:
        return _pupil_shown(incident.pupil, incident)

    def get_text(self, incident) -> str:
        return selectors.display_text(incident)

    @extend_schema_field(ActionOut(many=True))
    def get_actions(self, incident) -> list[dict]:
        return ActionOut(incident.actions.all(), many=True, context={"incident": incident}).data

    def get_recorded_by(self, incident) -> str:
        return _initials(incident.recorded_by)

    def get_linked(self, incident) -> list[dict]:
        return [
            {"pupil": _pupil_shown(link.pupil, incident), "role": link.role}
            for link in incident.links.all()
        ]

    def get_marks(self, incident) -> list[dict]:
        return [
            {
                "side": m.side,
                "x": m.x,
                "y": m.y,
                "kind": m.kind,
                "note": selectors.shown_text(incident, m.note),
            }
            for m in incident.marks.all()
        ]

    def get_agencies(self, incident) -> list[str]:
        return [agency.name for agency in incident.agencies.all()]

    def get_files(self, incident) -> list[dict]:
        files = [f for f in incident.attachments.all() if not f.action_id]
        return FileOut(files, many=True, context={"incident": incident}).data


class IncidentListItem(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    pupil = serializers.SerializerMethodField()
    categories = CategoryOut(source="categories.all", many=True)
    status = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    recorded_by = serializers.SerializerMethodField()

    def get_recorded_by(self, incident) -> str:
        return _initials(incident.recorded_by)

    @extend_schema_field(PupilSummary)
    def get_pupil(self, incident) -> dict:
        return _pupil_shown(incident.pupil, incident)


# Pupils and groups -----------------------------------------------------------------------------


class PupilsApi(SchoolApi):
    @extend_schema(responses=PupilSummary(many=True))
    def get(self, request: Request) -> Response:
        if "q" in request.query_params:
            raise ValidationError(
                {"q": ["Search with POST /api/v1/pupils/search/ so names stay out of URLs."]}
            )
        pupils = policy.findable_pupils(request.viewer).select_related("form", "year_group")
        page = Page()
        found = page.paginate_queryset(
            pupils.order_by("legal_last_name", "legal_first_name", "pk"), request, view=self
        )
        return page.get_paginated_response(PupilSummary(found, many=True).data)


class PupilSearchApi(SchoolApi):
    """A search by name travels in the body, so that no child's name is in a URL or a log."""

    class SearchIn(serializers.Serializer):
        q = serializers.CharField(max_length=100, help_text="Words that start a name, or a UPN")
        limit = serializers.IntegerField(min_value=1, max_value=Page.max_limit, default=20)

    class SearchOut(serializers.Serializer):
        results = PupilSummary(many=True)

    @extend_schema(request=SearchIn, responses=SearchOut)
    def post(self, request: Request) -> Response:
        asked = self.SearchIn(data=request.data)
        asked.is_valid(raise_exception=True)
        found = search_pupils(
            policy.findable_pupils(request.viewer),
            asked.validated_data["q"],
            limit=asked.validated_data["limit"],
        )
        return Response({"results": PupilSummary(found, many=True).data})


class PupilApi(SchoolApi):
    class PupilDetailOut(PupilSummary):
        date_of_birth = serializers.DateField()
        open_categories = serializers.ListField(child=serializers.CharField())
        guardians = serializers.ListField(child=serializers.DictField(), allow_null=True)

    @extend_schema(responses=PupilDetailOut)
    def get(self, request: Request, pk: int) -> Response:
        viewer = request.viewer
        pupil = selectors.visible_pupil(viewer, pk)
        data = PupilSummary(pupil).data | {
            "date_of_birth": pupil.date_of_birth,
            "open_categories": [c.label for c in selectors.open_category_titles(viewer, pupil)],
            "guardians": [
                {"name": g.name, "relationship": g.relationship, "phone": g.phone,
                 "email": g.email, "parental_responsibility": g.parental_responsibility}
                for g in pupil.guardians.all()
            ]
            if policy.may_see_guardians(viewer)
            else None,
        }  # fmt: skip
        _audit(request, AuditAction.PUPIL_VIEWED, "pupil", pupil.pk, pupil.pk)
        return Response(data)


class ChronologyApi(SchoolApi):
    class ChronologyEntryOut(serializers.Serializer):
        when = serializers.DateTimeField()
        kind = serializers.CharField()
        incident = serializers.IntegerField(source="incident_id")
        reference = serializers.CharField()
        action = serializers.IntegerField(source="action_id", allow_null=True)
        author = serializers.CharField()
        what = serializers.CharField()
        text = serializers.CharField()
        categories = serializers.ListField(source="labels", child=serializers.CharField())
        role = serializers.CharField()

    @extend_schema(responses=ChronologyEntryOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        pupil = selectors.visible_pupil(request.viewer, pk)
        entries = selectors.pupil_chronology(request.viewer, pupil)
        data = self.ChronologyEntryOut(entries, many=True).data
        _audit(request, AuditAction.CHRONOLOGY_VIEWED, "pupil", pupil.pk, pupil.pk)
        return Response(data)


class GroupsApi(SchoolApi):
    class GroupOut(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.CharField()

    @extend_schema(responses=GroupOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(self.GroupOut(Group.objects.all(), many=True).data)


# Categories ------------------------------------------------------------------------------------


class CategoriesApi(SchoolApi):
    class CategoryIn(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        standard = serializers.CharField(max_length=30)
        parent = serializers.IntegerField(required=False, allow_null=True)
        restricted = serializers.BooleanField(default=False)

    class CategoryWithRightsOut(CategoryOut):
        may_record = serializers.BooleanField()

    @extend_schema(responses=CategoryWithRightsOut(many=True))
    def get(self, request: Request) -> Response:
        """The categories the caller may see the title of or record in."""
        viewer = request.viewer
        shown = [
            category
            for category in Category.objects.select_related("parent")
            if policy.may_record_in(viewer, category)
            or policy.may_see_category_title(viewer, category.pk)
        ]
        for category in shown:
            category.may_record = policy.may_record_in(viewer, category)
        return Response(self.CategoryWithRightsOut(shown, many=True).data)

    @extend_schema(request=CategoryIn, responses={201: CategoryOut})
    def post(self, request: Request) -> Response:
        data = _valid(self.CategoryIn, request.data)
        category = services.add_category(
            viewer=request.viewer, name=data["name"], standard=data["standard"],
            parent_id=data.get("parent"), restricted=data["restricted"],
        )  # fmt: skip
        return Response(CategoryOut(category).data, status=status.HTTP_201_CREATED)


# Incidents and actions ------------------------------------------------------------------------


class LinkIn(serializers.Serializer):
    pupil = serializers.IntegerField()
    role = serializers.ChoiceField(choices=LinkedPupil.Role.choices, default="involved")


class MarkIn(serializers.Serializer):
    side = serializers.ChoiceField(choices=BodyMapMark.Side.choices)
    x = serializers.IntegerField(min_value=0, max_value=1000)
    y = serializers.IntegerField(min_value=0, max_value=1000)
    kind = serializers.ChoiceField(choices=BodyMapMark.Kind.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IncidentsApi(SchoolApi):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class IncidentIn(serializers.Serializer):
        pupil = serializers.IntegerField()
        text = serializers.CharField(allow_blank=True, trim_whitespace=False)
        categories = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
        occurred_at = serializers.DateTimeField()
        status = serializers.ChoiceField(
            choices=[Status.ACTIVE, Status.NO_FURTHER_ACTION], default=Status.ACTIVE
        )
        linked = LinkIn(many=True, required=False, default=list)
        marks = MarkIn(many=True, required=False, default=list)
        agencies = serializers.ListField(child=serializers.IntegerField(), default=list)
        alert = serializers.ListField(child=serializers.IntegerField(), default=list)

    @extend_schema(responses=IncidentListItem(many=True))
    def get(self, request: Request) -> Response:
        incidents = (
            policy.visible_incidents(request.viewer)
            .select_related("pupil__form", "pupil__year_group", "recorded_by__staff_profile")
            .prefetch_related("categories__parent")
            .order_by("-recorded_at")
        )
        if pupil := request.query_params.get("pupil"):
            incidents = incidents.filter(pupil_id=_int_param(pupil, "pupil"))
        if wanted := request.query_params.get("status"):
            incidents = incidents.filter(status=wanted)
        page = Page()
        return page.get_paginated_response(
            IncidentListItem(page.paginate_queryset(incidents, request, view=self), many=True).data
        )

    @extend_schema(
        request={
            "application/json": IncidentIn,
            "multipart/form-data": inline_serializer(
                "IncidentWithFiles",
                {"data": serializers.CharField(help_text="The JSON body, as text."),
                 "files": serializers.ListField(child=serializers.FileField())},
            ),
        },
        responses={201: IncidentOut},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        payload, files = _payload_and_files(request)
        data = _valid(self.IncidentIn, payload)
        incident = services.record_incident(
            viewer=request.viewer,
            pupil_id=data["pupil"],
            text=data["text"],
            category_ids=data["categories"],
            occurred_at=data["occurred_at"],
            status=data["status"],
            links=[
                services.Link(pupil_id=link["pupil"], role=link["role"]) for link in data["linked"]
            ],
            marks=[services.Mark(**mark) for mark in data["marks"]],
            agency_ids=data["agencies"],
            alert_user_ids=data["alert"],
            uploads=[services.Upload(file=f, name=f.name) for f in files],
        )
        detail = selectors.incident_detail(request.viewer, incident.pk)
        return Response(IncidentOut(detail).data, status=status.HTTP_201_CREATED)


class IncidentApi(SchoolApi):
    @extend_schema(responses=IncidentOut)
    def get(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_detail(request.viewer, pk)
        data = IncidentOut(incident).data
        _audit(request, AuditAction.INCIDENT_VIEWED, "incident", incident.pk, incident.pupil_id)
        return Response(data)


class ActionsApi(SchoolApi):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class ActionIn(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Action.Kind.choices)
        text = serializers.CharField(allow_blank=True, trim_whitespace=False)
        occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        agency = serializers.IntegerField(required=False, allow_null=True, default=None)
        reference = serializers.CharField(required=False, allow_blank=True, default="")
        assignee = serializers.IntegerField(required=False, allow_null=True, default=None)
        due_date = serializers.DateField(required=False, allow_null=True, default=None)
        alert = serializers.ListField(child=serializers.IntegerField(), default=list)

    @extend_schema(responses=ActionOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_detail(request.viewer, pk)
        actions = ActionOut(incident.actions.all(), many=True, context={"incident": incident})
        data = actions.data
        _audit(
            request,
            AuditAction.INCIDENT_VIEWED,
            "incident",
            incident.pk,
            incident.pupil_id,
            detail={"part": "actions"},
        )
        return Response(data)

    @extend_schema(request=ActionIn, responses={201: ActionOut})
    def post(self, request: Request, pk: int) -> Response:
        payload, files = _payload_and_files(request)
        data = _valid(self.ActionIn, payload)
        action = services.add_action(
            viewer=request.viewer, incident_id=pk, kind=data["kind"], text=data["text"],
            occurred_at=data["occurred_at"], agency_id=data["agency"],
            reference=data["reference"], assignee_id=data["assignee"],
            due_date=data["due_date"], alert_user_ids=data["alert"],
            uploads=[services.Upload(file=f, name=f.name) for f in files],
        )  # fmt: skip
        shown = ActionOut(action, context={"incident": action.incident})
        return Response(shown.data, status=status.HTTP_201_CREATED)


class FileApi(SchoolApi):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, pk: int):
        return attachment_response(request.viewer, pk, request=request)


def _audit(request, action, object_type, object_id, pupil_id, *, detail=None) -> None:
    """After the answer is ready, so a read that fails records nothing."""
    audit.record(
        action=action,
        object_type=object_type,
        object_id=object_id,
        pupil_id=pupil_id,
        request=request,
        detail=detail,
    )


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _payload_and_files(request: Request):
    """JSON bodies as they are; multipart bodies carry the JSON in a `data` part."""
    if request.content_type.startswith("multipart/"):
        try:
            payload = json.loads(request.data.get("data", "{}"))
        except ValueError:
            raise ValidationError({"data": ["Send the incident as JSON text in `data`."]}) from None
        return payload, request.FILES.getlist("files")
    return request.data, []


def _int_param(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: ["Give a number."]}) from None
