"""The one place that answers "may this person see or do this?" inside a school.

Every page, API view and export lists pupils, incidents, actions and files through the
`visible_*` querysets here, and checks single objects by looking them up in those querysets,
so that something restricted is simply not found (a 404), never a 403 that admits it exists.

Levels (Abbey policy): full + admin reads and records everything; full reads everything but
restricted categories, which it sees only as titles; limited sees titles everywhere and
reads only the categories granted to its role; write-only reads only what its members
recorded or were alerted to, records only about the pupils of their own groups, and opens
no pupil's page or chronology.

Step-up (CPOMS Authenticator): a role flagged "requires a second factor" is held at
write-only until the session verifies one (`viewer_for`), on pages and API alike.

Per category a role has none, title, read or record (defaults in `defaults.py`, overrides
in CategoryPermission; a subcategory without its own takes its parent's). An incident is
readable through its categories only when every one of them is readable: one restricted
category hides the whole incident.

Recording is another matter: every member of staff may report a concern in any category,
restricted ones included (Abbey: write-only staff "add incidents"; the DSL is alerted to
every safeguarding incident), since a concern that cannot be recorded is not passed on.
Reading what they recorded is all it gives them. Only a level the school set for the role
itself limits recording: then it needs `record`, or `title` on an unrestricted category.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from safeguarding.access.defaults import default_category_level
from safeguarding.access.models import CategoryLevel, CategoryPermission, Level, Role
from safeguarding.concerns.models import (
    Action,
    Attachment,
    Category,
    Incident,
    IncidentCategory,
    LinkedPupil,
)
from safeguarding.people.models import Pupil, PupilMembership, StaffMembership, StaffProfile

T = TypeVar("T")
_RANK = {level: rank for rank, level in enumerate(CategoryLevel)}


@dataclass(frozen=True)
class Viewer:
    """A member of staff as the policy sees them in one request."""

    user: User
    role: Role | None
    level: str | None
    # Held at write-only: the role needs a second factor this session has not verified.
    held: bool = False

    @property
    def is_admin(self) -> bool:
        return self.level == Level.FULL_ADMIN

    @cached_property
    def categories(self) -> dict[int, Category]:
        """The school's categories, each with this role's own level for it (if it has one).
        Shared between requests while the school's policy version stands: read-only."""
        if self.role is None:
            return {}
        return _school_categories(self.policy_key, self.role)

    @cached_property
    def policy_key(self) -> PolicyKey:
        """The school's policy as this viewer first asked about it: what it read about
        categories and roles is kept under this key (_CATEGORIES)."""
        return _policy_key()

    @cached_property
    def category_levels(self) -> dict[int, CategoryLevel]:
        """Every category's level for this viewer."""
        if self.role is None or self.level is None:
            return {}
        levels: dict[int, CategoryLevel] = {}
        for category in self.categories.values():
            parent = self.categories.get(category.parent_id)
            own = category.role_level or (parent.role_level if parent else None)
            levels[category.pk] = (
                CategoryLevel(own)
                if own
                else default_category_level(self.level, restricted=category.restricted)
            )
        return levels

    def forget_categories(self) -> None:
        """After a change to categories or levels, so this viewer's next answer is fresh."""
        self.__dict__.pop("policy_key", None)
        self.__dict__.pop("categories", None)
        self.__dict__.pop("category_levels", None)

    def category_level(self, category_id: int) -> CategoryLevel:
        return self.category_levels.get(category_id, CategoryLevel.NONE)

    def ids_at_least(self, level: CategoryLevel) -> set[int]:
        return {pk for pk, own in self.category_levels.items() if _RANK[own] >= _RANK[level]}


# (schema, its counter's table, policy version): a version is never reused (see access
# migration 0004), and a schema dropped and made again gets a new table, so what is kept
# under a key is either current or never asked for again.
PolicyKey = tuple[str, int, int]
# (policy key, role) -> that role's view of the school's categories.
_CATEGORIES: dict[tuple[PolicyKey, int], dict[int, Category]] = {}
# (policy key, name) -> what kept_for loaded under that name.
_KEPT: dict[tuple[PolicyKey, str], object] = {}
_CACHE_LIMIT = 1024


def _policy_key() -> PolicyKey:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version, 'access_policyversion'::regclass::oid FROM access_policyversion"
        )
        version, table = cursor.fetchone()
    return (connection.schema_name, table, version)


def _kept(cache: dict, key, load):
    # Loaded after the version was read, so what is stored under it is at least that new.
    found = cache.get(key)
    if found is None:
        found = load()
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = found
    return found


def _school_categories(key: PolicyKey, role: Role) -> dict[int, Category]:
    return _kept(_CATEGORIES, (key, role.pk), lambda: _load_categories(role))


def kept_for(viewer: Viewer, name: str, load: Callable[[], T]) -> T:
    """What `load` reads about the school's setup, read once while the policy version
    stands (as `viewer` saw it) and shared between requests: read-only. Only for what the
    version watches: categories, roles, category levels (access migration 0004), alert
    rules and the duty rota (alerts migrations)."""
    return _kept(_KEPT, (viewer.policy_key, name), load)


def school_roles(viewer: Viewer) -> list[Role]:
    return kept_for(viewer, "roles", lambda: list(Role.objects.only("name", "level")))


def _load_categories(role: Role) -> dict[int, Category]:
    own_level = CategoryPermission.objects.filter(role=role, category=OuterRef("pk"))
    categories = {
        c.pk: c
        for c in Category.objects.only(
            "name", "parent_id", "restricted", "retired_at", "position"
        ).annotate(role_level=Subquery(own_level.values("level")[:1]))
    }
    for category in categories.values():
        if category.parent_id:
            Category.parent.field.set_cached_value(category, categories[category.parent_id])
    return categories


def roles_reading(viewer: Viewer, category_ids: set[int]) -> set[int]:
    """The ids of the roles whose members read an incident of these categories through
    its categories alone (visible_incidents' rule, before what one recorded or was
    granted), at their role's full level: the alerts ask it of everyone they alert at once.
    Answered from the policy as `viewer` saw it, so it costs no query while that stands."""
    readers = set()
    for role in school_roles(viewer):
        if role.level == Level.FULL_ADMIN:
            readers.add(role.pk)
        elif role.level != Level.WRITE_ONLY:
            member = Viewer(user=viewer.user, role=role, level=role.level)
            member.__dict__["policy_key"] = viewer.policy_key
            if category_ids <= member.ids_at_least(CategoryLevel.READ):
                readers.add(role.pk)
    return readers


def viewer_for(user: User) -> Viewer:
    """The viewer for a signed-in member of staff, or one who may see nothing. On a school
    page the profile and role were loaded with the account (accounts.backends)."""
    if not user.is_authenticated:
        return Viewer(user=user, role=None, level=None)
    try:
        profile = user.staff_profile
    except StaffProfile.DoesNotExist:
        return Viewer(user=user, role=None, level=None)
    role = profile.role
    held = role.requires_2fa and role.level != Level.WRITE_ONLY and not is_verified(user)
    return Viewer(user=user, role=role, level=Level.WRITE_ONLY if held else role.level, held=held)


def is_verified(user: User) -> bool:
    """Whether this request's session has verified a second factor (django-otp's middleware
    says so on the request's user; anything that did not pass through it has not)."""
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


# Categories -------------------------------------------------------------------------------


def may_record_in(viewer: Viewer, category: Category) -> bool:
    if category.is_retired or viewer.level is None:
        return False
    if _own_level(viewer, category) is None:
        return True
    level = viewer.category_level(category.pk)
    return level == CategoryLevel.RECORD or (
        level == CategoryLevel.TITLE and not category.restricted
    )


def _own_level(viewer: Viewer, category: Category) -> str | None:
    """The level the school set for the viewer's role on this category (or its parent)."""
    known = viewer.categories.get(category.pk, category)
    parent = viewer.categories.get(known.parent_id) if known.parent_id else None
    return getattr(known, "role_level", None) or (parent.role_level if parent else None)


def recordable_categories(viewer: Viewer) -> list[Category]:
    """What this viewer may choose on Add Incident, in the school's order."""
    return [c for c in viewer.categories.values() if may_record_in(viewer, c)]


def may_read_category(viewer: Viewer, category_id: int) -> bool:
    return viewer.level != Level.WRITE_ONLY and viewer.category_level(category_id) in (
        CategoryLevel.READ,
        CategoryLevel.RECORD,
    )


def may_see_category_title(viewer: Viewer, category_id: int) -> bool:
    if viewer.level == Level.WRITE_ONLY:
        return False
    return _RANK[viewer.category_level(category_id)] >= _RANK[CategoryLevel.TITLE]


# Pupils ------------------------------------------------------------------------------------


def visible_pupils(viewer: Viewer) -> QuerySet[Pupil]:
    """Pupils whose page and chronology the viewer may open: every pupil for every level
    above write-only, none for write-only (who records, but reads only their own incidents
    and those they were alerted to)."""
    if viewer.level is None or viewer.level == Level.WRITE_ONLY:
        return Pupil.objects.none()
    return Pupil.objects.all()


def recordable_pupils(viewer: Viewer) -> QuerySet[Pupil]:
    """The pupils the viewer may record about, while on roll (pupils who have left are
    read-only): every pupil above write-only; for write-only the pupils of their own year
    groups, forms and teaching groups (Westleigh: "Teaching staff can only access pupils in
    the classes they teach")."""
    pupils = Pupil.objects.exclude(leaving_date__lte=timezone.localdate())
    if viewer.level is None:
        return pupils.none()
    if viewer.level != Level.WRITE_ONLY:
        return pupils
    groups = StaffMembership.objects.filter(user=viewer.user).values("group")
    taught = PupilMembership.objects.filter(pupil=OuterRef("pk"), group__in=groups)
    return pupils.filter(Q(year_group__in=groups) | Q(form__in=groups) | Exists(taught))


def findable_pupils(viewer: Viewer) -> QuerySet[Pupil]:
    """Pupils the viewer may look up by name (the API's list and search): those whose page
    they may open, or, for write-only staff, those they may record about."""
    if viewer.level == Level.WRITE_ONLY:
        return recordable_pupils(viewer)
    return visible_pupils(viewer)


def recordable_pupil(viewer: Viewer, pupil_id: int) -> Pupil | None:
    """One pupil by id, by the same rule as recordable_pupils. Every submission asks this,
    so it is one plain query rather than that queryset, whose compiling alone took longer
    than the rest of a submission (bench/incidents.py)."""
    if viewer.level is None or not 0 < pupil_id < 2**63:
        return None
    staff, members = StaffMembership._meta.db_table, PupilMembership._meta.db_table
    # recordable_pupils' rule for write-only staff: one of the pupil's groups is theirs.
    taught = (
        f"EXISTS (SELECT 1 FROM {staff} s WHERE s.user_id = %s AND (s.group_id = p.year_group_id"  # noqa: S608
        f" OR s.group_id = p.form_id OR s.group_id IN (SELECT m.group_id FROM {members} m"
        " WHERE m.pupil_id = p.id)))"
        if viewer.level == Level.WRITE_ONLY
        else "%s"
    )
    found = Pupil.objects.raw(
        f"SELECT p.id, p.date_of_birth, p.leaving_date, {taught} AS taught "  # noqa: S608 (the models' own tables)
        f"FROM {Pupil._meta.db_table} p WHERE p.id = %s",
        [viewer.user.pk if viewer.level == Level.WRITE_ONLY else True, pupil_id],
    )
    pupil = next(iter(found), None)
    if pupil is None or pupil.is_archived or not pupil.taught:
        return None
    return pupil


def may_see_guardians(viewer: Viewer) -> bool:
    return viewer.level in (Level.FULL_ADMIN, Level.FULL, Level.LIMITED)


# Incidents, actions and files -------------------------------------------------------------


def visible_incidents(viewer: Viewer) -> QuerySet[Incident]:
    incidents = Incident.objects.all()
    if viewer.level is None:
        return incidents.none()
    if viewer.is_admin:
        return incidents
    mine = Q(recorded_by=viewer.user) | Q(pk__in=viewer.user.incident_grants.values("incident_id"))
    if viewer.level == Level.WRITE_ONLY:
        return incidents.filter(mine)
    unreadable = IncidentCategory.objects.filter(incident=OuterRef("pk")).exclude(
        category_id__in=viewer.ids_at_least(CategoryLevel.READ)
    )
    return incidents.filter(mine | ~Exists(unreadable))


def visible_actions(viewer: Viewer) -> QuerySet[Action]:
    return Action.objects.filter(incident__in=visible_incidents(viewer).values("pk"))


def visible_attachments(viewer: Viewer) -> QuerySet[Attachment]:
    return Attachment.objects.filter(incident__in=visible_incidents(viewer).values("pk"))


def may_add_action(viewer: Viewer, incident: Incident) -> bool:
    """For an incident the viewer can already see: its pupil must still be on roll."""
    return not incident.pupil.is_archived


def may_pass_on(viewer: Viewer, incident: Incident) -> bool:
    """Whether the viewer may alert others to the incident or give them an action on it,
    which lets them read it. Reading it only because one was alerted is not enough: that
    would let need-to-know travel further than the DSL meant. The safeguarding team may; so
    may someone who reads it through its categories, or who could have recorded it
    themselves (its pupil is theirs and they may record in all its categories), unless a
    category is restricted: anyone may record there, only its readers pass it on."""
    if viewer.is_admin:
        return True
    ids = IncidentCategory.objects.filter(incident=incident).values_list("category_id", flat=True)
    categories = [viewer.categories[pk] for pk in ids if pk in viewer.categories]
    if not categories:
        return False
    if all(may_read_category(viewer, category.pk) for category in categories):
        return True
    # Anyone may record in a restricted category, but passing one on is for its readers.
    return all(may_record_in(viewer, c) and not c.restricted for c in categories) and (
        recordable_pupil(viewer, incident.pupil_id) is not None
    )


# Administration ---------------------------------------------------------------------------


def is_dsl(viewer: Viewer) -> bool:
    """A member of the safeguarding team by role (full + admin), whether or not this session
    has verified a second factor: whose acknowledgement stops an alert's escalation."""
    return viewer.role is not None and viewer.role.level == Level.FULL_ADMIN


def may_manage_school(viewer: Viewer) -> bool:
    """Categories, agencies, roles and staff: the safeguarding team only."""
    return viewer.is_admin


def may_change_incident(viewer: Viewer) -> bool:
    """Re-categorise, change status or risk, hide names: DSLs only."""
    return viewer.is_admin


def may_export(viewer: Viewer) -> bool:
    """Records leave Haven (a chronology as PDF or CSV) only with the safeguarding team:
    full + admin. A DSL whose session has not verified a second factor is held at
    write-only (`viewer_for`), so is refused too."""
    return viewer.is_admin


def may_handle_sar(viewer: Viewer) -> bool:
    """A subject access request releases a child's whole file: as for exports, the
    safeguarding team with a second factor verified."""
    return viewer.is_admin


def may_manage_retention(viewer: Viewer) -> bool:
    """The retention rule, legal holds and what is purged: the safeguarding team, with a
    second factor verified (as for exports), since a purge cannot be undone."""
    return viewer.is_admin


def may_see_reports(viewer: Viewer) -> bool:
    """The school's reports, their CSVs and the governors' report: the safeguarding team and
    SLT (full + admin, and full). Every figure in them is counted from `visible_incidents`,
    so SLT's leave out what they may not read. A role held at write-only for want of a
    second factor is refused, as it is everything else above write-only."""
    return viewer.level in (Level.FULL_ADMIN, Level.FULL)


# Record transfers -------------------------------------------------------------------------


def may_handle_transfers(viewer: Viewer) -> bool:
    """Sending a child's file to another school, and accepting or rejecting one sent here:
    the safeguarding team by role, with a second factor verified this session (the same
    rule as exporting, since the file leaves or enters the school whole)."""
    return viewer.is_admin


def may_read_transferred(viewer: Viewer) -> bool:
    """The read-only copy of a file another school transferred here (KCSIE: kept apart
    from the pupil's own chronology): the safeguarding team, verified, as above. Everyone
    else is told there is no such page."""
    return viewer.is_admin


def transferable_incidents(pupil: Pupil) -> QuerySet[Incident]:
    """Everything in a pupil's file as a transfer moves it: every incident about them and
    every one they are linked to, whatever its category. The file moves whole (KCSIE), by
    the decision of a DSL who may read all of it (`may_handle_transfers`)."""
    linked = LinkedPupil.objects.filter(pupil=pupil).values("incident_id")
    return Incident.objects.filter(Q(pupil=pupil) | Q(pk__in=linked))
