from __future__ import annotations

from django.core.management.base import BaseCommand

from tenants.schemas import migrate_all_schemas


class Command(BaseCommand):
    help = "Migrate the public schema, the template schema and every school, in that order."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--executor",
            default="standard",
            choices=["standard", "multiprocessing"],
            help="multiprocessing migrates schools in parallel.",
        )

    def handle(self, *args, **options) -> None:
        migrate_all_schemas(verbosity=options["verbosity"], executor=options["executor"])
