from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.models import School, Trust
from trusts.services import move_school


class Command(BaseCommand):
    help = (
        "Move a school to another trust (or out of any, with --trust ''): its old trust keeps "
        "the months before this one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", required=True)
        parser.add_argument("--trust", required=True, help="the new trust's slug, or ''")

    def handle(self, *args, **options) -> None:
        school = School.objects.filter(slug=options["school"], training_of__isnull=True).first()
        if school is None:
            raise CommandError(f"There is no school with the slug {options['school']!r}.")
        trust = None
        if options["trust"]:
            trust = Trust.objects.filter(slug=options["trust"]).first()
            if trust is None:
                raise CommandError(f"There is no trust with the slug {options['trust']!r}.")
        membership = move_school(school, trust)
        where = f"{trust.name} from {membership.starts:%B %Y}" if trust else "no trust"
        self.stdout.write(self.style.SUCCESS(f"{school.name} is now in {where}."))
