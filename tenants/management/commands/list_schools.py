from __future__ import annotations

from django.core.management.base import BaseCommand

from tenants.selectors import list_schools
from tenants.services import school_url


class Command(BaseCommand):
    help = "List every school with its trust, status and web address."

    def handle(self, *args, **options) -> None:
        schools = list(list_schools())
        if not schools:
            self.stdout.write("No schools yet. Add one with `haven onboard-school`.")
            return
        for school in schools:
            trust = school.trust.slug if school.trust else "-"
            self.stdout.write(
                f"{school.slug:<24} {school.status:<12} {trust:<16} {school_url(school)}  "
                f"{school.name}"
            )
