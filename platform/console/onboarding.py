"""Onboarding from the console and the operator API: one school with its plan, a trust, or a
trust's schools from a CSV file, which is checked in full before anything is created and
then onboarded row by row by a worker (console.tasks.run_bulk_onboarding).

Every attempt, done or refused, is recorded in the operators' audit (console.audit).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import services as accounts
from accounts.errors import AccountError
from accounts.models import User
from billing.models import Plan, Subscription
from console import audit, health
from console.audit import Act
from console.models import BulkOnboarding, BulkOnboardingRow
from safeguarding.setup import DEFAULT_TEMPLATE, TEMPLATE_NAMES
from tenants import services as tenancy
from tenants.errors import InvalidSlug, TenancyError, TrustNotFound
from tenants.models import School, Trust
from tenants.services import in_public_schema
from tenants.slugs import schema_name_for, validate_slug

logger = logging.getLogger(__name__)

COLUMNS = ("slug", "name", "template", "plan", "dsl_email")
MAX_ROWS = 500
MAX_BYTES = 512 * 1024  # 500 rows take about 50 KB; anything near this is not a trust's list


class UnknownPlan(TenancyError):
    field = "plan"


class DetailsRefused(TenancyError):
    """A school's details with one or more problems; `problems` has them all by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        first_field, first = next(iter(problems.items()))
        super().__init__(first, field=first_field)
        self.problems = {name: [message] for name, message in problems.items()}


class BulkFileRefused(TenancyError):
    """A bulk onboarding file with problems: nothing was created. `checked` has them all."""

    field = "file"

    def __init__(self, checked: CheckedFile) -> None:
        if checked.errors:
            message = f"{checked.errors[0]} Nothing was created."
        else:
            bad = len(checked.rows_with_problems)
            have = "has a problem" if bad == 1 else "have problems"
            message = (
                f"{bad} of {len(checked.rows)} rows {have}, so no school was created. "
                "Correct the file and upload it again."
            )
        super().__init__(message)
        self.checked = checked


@dataclass(frozen=True)
class SchoolOnboarded:
    school: School
    url: str
    subscription: Subscription


# One school -------------------------------------------------------------------------------


@dataclass
class CheckedDetails:
    """A school's details as they will be used, and what is wrong with them by field."""

    slug: str
    name: str
    admin_email: str
    template: str
    plan: Plan | None
    problems: dict[str, str] = field(default_factory=dict)


def plans_by_code() -> dict[str, Plan]:
    with in_public_schema():
        return {plan.code: plan for plan in Plan.objects.order_by("name")}


def check_school_details(
    *,
    slug: str,
    name: str,
    admin_email: str,
    template: str,
    plan: str,
    plans: dict[str, Plan] | None = None,
) -> CheckedDetails:
    """Every rule a new school's own details must meet, each checked on its own so that a
    person sees all their mistakes at once. Whether the slug is free and the trust exists
    are the caller's to ask (once per request, or once per file)."""
    plans = plans_by_code() if plans is None else plans
    problems: dict[str, str] = {}
    slug = (slug or "").strip()
    try:
        validate_slug(slug)
    except InvalidSlug as error:
        problems["slug"] = error.message
    name = " ".join((name or "").split())
    if not name:
        problems["name"] = "Enter the school's name."
    elif len(name) > 200:
        problems["name"] = f"The school's name is at most 200 characters; this has {len(name)}."
    template = (template or "").strip().lower() or DEFAULT_TEMPLATE
    if template not in TEMPLATE_NAMES:
        problems["template"] = (
            f"There is no category template called {template!r}; choose one of "
            f"{', '.join(TEMPLATE_NAMES)}."
        )
    chosen, plan_problem = _plan(plan, plans)
    if plan_problem:
        problems["plan"] = plan_problem
    try:
        admin_email = accounts.clean_email(admin_email)
    except AccountError as error:
        problems["admin_email"] = error.message
    return CheckedDetails(
        slug=slug, name=name, admin_email=admin_email, template=template, plan=chosen,
        problems=problems,
    )  # fmt: skip


def onboard(
    *,
    by: Any,
    slug: str,
    name: str,
    admin_email: str,
    trust: str | None = None,
    template: str = DEFAULT_TEMPLATE,
    plan: str = "",
) -> SchoolOnboarded:
    """Onboard a school on a plan (the default plan when none is named), paid for by its
    trust when it has one, else by itself. The school, its schema, its first DSL's account
    and invitation, its subscription and the audit entry are written in one transaction: a
    refusal leaves nothing but the refused audit entry. Its host answers on return."""
    trust_slug = (trust or "").strip() or None
    with in_public_schema():
        try:
            details = check_school_details(
                slug=slug, name=name, admin_email=admin_email, template=template, plan=plan
            )
            problems = dict(details.problems)
            owner = Trust.objects.filter(slug=trust_slug).first() if trust_slug else None
            if trust_slug and owner is None:
                problems["trust"] = _no_trust(trust_slug).message
            if "slug" not in problems and taken_slugs([details.slug]):
                problems["slug"] = (
                    f"A school with the slug {details.slug!r} already exists; nothing was changed."
                )
            if problems:
                raise DetailsRefused(_in_form_order(problems))
            with transaction.atomic():
                onboarded = tenancy.onboard_school(
                    slug=details.slug,
                    name=details.name,
                    admin_email=details.admin_email,
                    trust=trust_slug,
                    template=details.template,
                )
                school = onboarded.school
                subscription = Subscription.objects.create(
                    school=school,
                    plan=details.plan,
                    payer=Subscription.Payer.TRUST if owner else Subscription.Payer.SCHOOL,
                )
                audit.record(
                    by=by,
                    act=Act.ONBOARDED,
                    school=school,
                    trust=owner,
                    subject=school.slug,
                    detail={
                        "plan": details.plan.code,
                        "payer": subscription.payer,
                        "template": details.template,
                    },
                )
        except TenancyError as error:
            audit.record(
                by=by,
                act=Act.ONBOARDED,
                refused=True,
                trust=Trust.objects.filter(slug=trust_slug).first() if trust_slug else None,
                subject=(slug or "").strip(),
                reason=error.message,
                detail={"field": error.field},
            )
            raise
    _measure(school)
    return SchoolOnboarded(school=school, url=onboarded.url, subscription=subscription)


def create_trust(*, by: Any, slug: str, name: str) -> Trust:
    """A new trust, with no schools yet: they join it when onboarded into it."""
    with in_public_schema():
        try:
            with transaction.atomic():
                trust = tenancy.create_trust(slug=slug, name=name)
                audit.record(by=by, act=Act.TRUST_CREATED, trust=trust, subject=trust.slug)
        except TenancyError as error:
            audit.record(
                by=by,
                act=Act.TRUST_CREATED,
                refused=True,
                subject=(slug or "").strip(),
                reason=error.message,
                detail={"field": error.field},
            )
            raise
    return trust


def taken_slugs(slugs: list[str]) -> set[str]:
    """Which of these slugs a school, or a leftover schema, already has."""
    if not slugs:
        return set()
    with in_public_schema():
        taken = set(School.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        schemas = {schema_name_for(slug): slug for slug in slugs}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(schemas)]
            )
            taken |= {schemas[name] for (name,) in cursor.fetchall()}
    return taken


def _plan(code: str, plans: dict[str, Plan]) -> tuple[Plan | None, str]:
    code = (code or "").strip().lower()
    if not code:
        default = next((plan for plan in plans.values() if plan.is_default), None)
        if default is None:
            return None, "No plan is marked as the default: choose a plan."
        return default, ""
    if code not in plans:
        known = ", ".join(plans) or "none yet"
        return None, f"There is no plan with the code {code!r}; the plans are: {known}."
    return plans[code], ""


def _no_trust(slug: str) -> TrustNotFound:
    return TrustNotFound(f"There is no trust with the slug {slug!r}. Create the trust first.")


def _in_form_order(problems: dict[str, str]) -> dict[str, str]:
    order = ["name", "slug", "trust", "template", "plan", "admin_email"]
    return dict(sorted(problems.items(), key=lambda item: order.index(item[0])))


def _measure(school: School) -> None:
    """Count the new school for the console's list. A failure here must not undo an
    onboarding that has succeeded: it is logged, and the nightly measure counts it."""
    try:
        with transaction.atomic():
            health.measure(school)
    except Exception:
        logger.exception("Could not measure the new school %s; the nightly run will.", school.slug)


# A trust's schools from a CSV file ----------------------------------------------------------


@dataclass
class CheckedRow:
    line: int
    slug: str
    name: str = ""
    template: str = ""
    plan: str = ""
    dsl_email: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class CheckedFile:
    """A bulk onboarding file as read: problems with the file as a whole, and its rows each
    with their own problems."""

    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rows_with_problems(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rows_with_problems


def parse_bulk_csv(data: bytes) -> CheckedFile:
    """Read and check a bulk onboarding file: UTF-8 (with or without Excel's byte order
    mark), a header line naming the columns slug, name, template, plan and dsl_email in any
    order and case, then one school a line. Blank template or plan means the default.
    Nothing is written."""
    checked = CheckedFile()
    if len(data) > MAX_BYTES:
        checked.errors.append(
            f"The file is {len(data) // 1024} KB; the most Haven reads is {MAX_BYTES // 1024} KB "
            f"({MAX_ROWS} schools). Split it into smaller files."
        )
        return checked
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        checked.errors.append(
            "The file is not UTF-8 text. In Excel, save it as \u201cCSV UTF-8 (Comma "
            "delimited)\u201d."
        )
        return checked
    if "\x00" in text:
        checked.errors.append("The file is not a CSV file: save the spreadsheet as CSV.")
        return checked
    try:
        header, records = _records(text)
    except csv.Error as error:
        checked.errors.append(f"The file could not be read as CSV ({error}).")
        return checked
    if header is None:
        checked.errors.append(
            f"The file is empty. Its first line names the columns: {','.join(COLUMNS)}."
        )
        return checked
    columns = [re.sub(r"[\s-]+", "_", name.strip().lower()) for name in header]
    missing = [name for name in COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    doubled = sorted({name for name in columns if name and columns.count(name) > 1})
    if missing or unknown or doubled:
        parts = []
        if missing:
            parts.append(f"it lacks {', '.join(missing)}")
        if unknown:
            parts.append(f"Haven does not know {', '.join(repr(n) for n in unknown)}")
        if doubled:
            parts.append(f"it names {', '.join(doubled)} twice")
        checked.errors.append(
            f"The first line must name the columns {','.join(COLUMNS)}: {'; '.join(parts)}."
        )
        return checked
    if not records:
        checked.errors.append("The file has a header line but no schools under it.")
        return checked
    if len(records) > MAX_ROWS:
        checked.errors.append(
            f"The file has {len(records)} schools; the most in one file is {MAX_ROWS}. "
            "Split it into smaller files."
        )
        return checked

    plans = plans_by_code()
    for line, values in records:
        if len(values) != len(columns):
            at = columns.index("slug")
            row = CheckedRow(line=line, slug=values[at].strip() if len(values) > at else "")
            row.problems.append(
                f"This line has {len(values)} values where the header has {len(columns)} "
                "columns: look for a missing or extra comma (put a name holding a comma in "
                "double quotes)."
            )
            checked.rows.append(row)
            continue
        value = dict(zip(columns, values, strict=True))
        details = check_school_details(
            slug=value["slug"],
            name=value["name"],
            admin_email=value["dsl_email"],
            template=value["template"],
            plan=value["plan"],
            plans=plans,
        )
        checked.rows.append(
            CheckedRow(
                line=line,
                slug=details.slug,
                name=details.name,
                template=details.template,
                plan=details.plan.code if details.plan else value["plan"].strip(),
                dsl_email=(details.admin_email or "").strip(),
                problems=list(_in_form_order(details.problems).values()),
            )
        )
    _check_slugs_across(checked.rows)
    return checked


def _records(text: str) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header and the non-blank records, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = None
    records: list[tuple[int, list[str]]] = []
    line = 1
    for values in reader:
        if any(value.strip() for value in values):
            if header is None:
                header = values
            else:
                records.append((line, values))
                if len(records) > MAX_ROWS:
                    break
        line = reader.line_num + 1
    return header, records


def _check_slugs_across(rows: list[CheckedRow]) -> None:
    """A slug twice in the file, already a school's, or waiting in another bulk onboarding."""
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.slug:
            lines[row.slug].append(row.line)
    for row in rows:
        if row.slug and len(lines[row.slug]) > 1:
            others = " and ".join(str(line) for line in lines[row.slug])
            row.problems.append(
                f"The slug {row.slug!r} is on lines {others}: each school needs its own."
            )
    valid = [slug for slug in lines if _is_valid_slug(slug)]
    taken = taken_slugs(valid)
    waiting = dict(
        BulkOnboardingRow.objects.filter(
            slug__in=valid,
            status=BulkOnboardingRow.Status.PENDING,
            job__status__in=[BulkOnboarding.Status.QUEUED, BulkOnboarding.Status.RUNNING],
        ).values_list("slug", "job_id")
    )
    for row in rows:
        if row.slug in taken:
            row.problems.append(f"A school with the slug {row.slug!r} already exists.")
        elif row.slug in waiting:
            row.problems.append(
                f"The slug {row.slug!r} is waiting to be onboarded by bulk onboarding "
                f"{waiting[row.slug]}."
            )


def _is_valid_slug(slug: str) -> bool:
    try:
        validate_slug(slug)
    except InvalidSlug:
        return False
    return True


def start_bulk_onboarding(
    *, by: Any, trust: str, data: bytes, file_name: str = ""
) -> BulkOnboarding:
    """Check the whole file, then record the job and its rows and queue it for a worker.
    Any problem (an unknown trust, a bad file, one bad row) refuses the lot: nothing is
    created and every problem is reported (BulkFileRefused.checked)."""
    trust_slug = (trust or "").strip()
    file_name = (file_name or "").strip()[:200]
    with in_public_schema():
        owner = Trust.objects.filter(slug=trust_slug).first() if trust_slug else None
        try:
            if owner is None:
                if not trust_slug:
                    raise TrustNotFound("Choose the trust whose schools these are.")
                raise _no_trust(trust_slug)
            checked = parse_bulk_csv(data)
            if not checked.ok:
                raise BulkFileRefused(checked)
        except TenancyError as error:
            checked = getattr(error, "checked", None)
            audit.record(
                by=by,
                act=Act.BULK_ONBOARDING_STARTED,
                refused=True,
                trust=owner,
                subject=file_name or trust_slug,
                reason=error.message,
                detail={
                    "rows": len(checked.rows) if checked else 0,
                    "rows_with_problems": len(checked.rows_with_problems) if checked else 0,
                },
            )
            raise
        with transaction.atomic():
            job = BulkOnboarding.objects.create(
                trust=owner, requested_by_email=audit.who(by), file_name=file_name
            )
            BulkOnboardingRow.objects.bulk_create(
                BulkOnboardingRow(
                    job=job,
                    line=row.line,
                    slug=row.slug,
                    name=row.name,
                    template=row.template,
                    plan_code=row.plan,
                    dsl_email=row.dsl_email,
                )
                for row in checked.rows
            )
            audit.record(
                by=by,
                act=Act.BULK_ONBOARDING_STARTED,
                trust=owner,
                subject=file_name,
                detail={"job": job.pk, "rows": len(checked.rows)},
            )
            transaction.on_commit(lambda: queue_bulk_onboarding(job))
    return job


def queue_bulk_onboarding(job: BulkOnboarding) -> bool:
    """Hand the job to the workers, in the public schema. With the broker down, the job
    stays queued and its page says so, with a button to send it again: running it twice
    is harmless (each row is onboarded once)."""
    from console.tasks import run_bulk_onboarding  # the tasks module imports this one

    try:
        run_bulk_onboarding.apply_async((job.pk,), headers={"_schema_name": "public"})
    except Exception as error:
        logger.warning(
            "Bulk onboarding %s was not queued (%s); it waits until sent again.",
            job.pk,
            type(error).__name__,
        )
        return False
    return True


def run_bulk_onboarding(job_id: int) -> BulkOnboarding:
    """What the worker runs: each waiting row onboarded in its own transaction, its
    outcome and time recorded, a failed row never stopping the others. Safe to run again
    or on two workers at once (a row is taken under a lock, once); a finished job is left
    as it is."""
    with in_public_schema():
        with transaction.atomic():
            job = BulkOnboarding.objects.select_for_update().select_related("trust").get(pk=job_id)
            if job.status == BulkOnboarding.Status.FINISHED:
                return job
            job.status = BulkOnboarding.Status.RUNNING
            job.started_at = job.started_at or timezone.now()
            job.save(update_fields=["status", "started_at"])
        by = _operator(job.requested_by_email)
        try:
            waiting = list(
                job.rows.filter(status=BulkOnboardingRow.Status.PENDING).values_list(
                    "pk", flat=True
                )
            )
            for row_id in waiting:
                _run_row(row_id, trust=job.trust, by=by)
        except Exception:
            job.status = BulkOnboarding.Status.FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
            raise
        with transaction.atomic():
            job = BulkOnboarding.objects.select_for_update().select_related("trust").get(pk=job_id)
            # Another worker may still hold a row: the last one to finish closes the job.
            if not job.rows.filter(status=BulkOnboardingRow.Status.PENDING).exists():
                job.status = BulkOnboarding.Status.FINISHED
                job.finished_at = timezone.now()
                job.save(update_fields=["status", "finished_at"])
    return job


def _run_row(row_id: int, *, trust: Trust, by: Any) -> None:
    started = time.perf_counter()
    with transaction.atomic():
        row = (
            BulkOnboardingRow.objects.select_for_update(skip_locked=True)
            .filter(pk=row_id, status=BulkOnboardingRow.Status.PENDING)
            .first()
        )
        if row is None:
            return  # done already, or being done by another worker
        try:
            # onboard() writes in a savepoint of its own, so a failure leaves this row's
            # transaction usable, and keeps the refused entry it records.
            onboarded = onboard(
                by=by, slug=row.slug, name=row.name, admin_email=row.dsl_email,
                trust=trust.slug, template=row.template, plan=row.plan_code,
            )  # fmt: skip
        except TenancyError as error:
            row.status = BulkOnboardingRow.Status.FAILED
            row.message = error.message[:500]
        except Exception as error:
            logger.exception("Bulk onboarding row %s (%s) failed", row.pk, row.slug)
            row.status = BulkOnboardingRow.Status.FAILED
            row.message = (
                f"Not onboarded: an unexpected error ({type(error).__name__}); nothing of "
                "this school was kept. Try it again on its own."
            )
        else:
            row.status = BulkOnboardingRow.Status.ONBOARDED
            row.school = onboarded.school
            row.message = f"Live at {onboarded.url}"
        row.seconds = time.perf_counter() - started
        row.save(update_fields=["status", "message", "school", "seconds"])


def _operator(email: str) -> User | str:
    """The operator who asked, for the audit; their email alone if the account is gone."""
    return User.objects.filter(email=email, is_operator=True).first() or email


# Reads for the pages and the API --------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    onboarded: int
    failed: int

    @property
    def done(self) -> int:
        return self.onboarded + self.failed

    @property
    def waiting(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def _counted() -> dict[str, Count]:
    return {
        "total": Count("rows"),
        "onboarded": Count("rows", filter=Q(rows__status=BulkOnboardingRow.Status.ONBOARDED)),
        "failed": Count("rows", filter=Q(rows__status=BulkOnboardingRow.Status.FAILED)),
    }


def bulk_onboardings(limit: int = 50) -> QuerySet[BulkOnboarding]:
    """The latest bulk onboardings, each with its row counts."""
    return BulkOnboarding.objects.select_related("trust").annotate(**_counted())[:limit]


def bulk_onboarding(job_id: int) -> BulkOnboarding | None:
    return (
        BulkOnboarding.objects.select_related("trust").annotate(**_counted()).filter(pk=job_id)
    ).first()


def progress_of(job: BulkOnboarding) -> Progress:
    return Progress(total=job.total, onboarded=job.onboarded, failed=job.failed)


def rows_of(job: BulkOnboarding) -> QuerySet[BulkOnboardingRow]:
    return job.rows.select_related("school").order_by("line")
