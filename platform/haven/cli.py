"""The `haven` command: `haven up` runs everything; any other word runs the Django
management command of that name (hyphens for underscores), on the embedded database when
DATABASE_URL is unset."""

from __future__ import annotations

import os
import sys

from dotenv import load_dotenv

from haven.config import Config, ConfigError

USAGE = """\
usage: haven <command> [options]

  up                 run Haven: database, web server, worker and scheduler (Ctrl-C stops)
  migrate            migrate the public schema, the template schema and every school
  onboard-school     register a school:  haven onboard-school --slug abbey \\
                       --name "Abbey Community College" --trust demo --admin-email dsl@abbey.example
  create-trust       register a trust:   haven create-trust --slug demo --name "Demo Trust"
  list-schools       list schools with their status and web address
  suspend-school     haven suspend-school --slug abbey --reason "..."
  reactivate-school  haven reactivate-school --slug abbey --reason "..."
  training-school    make a school's training copy with made-up data:
                       haven training-school --school abbey [--reset]
  audit-verify       check a school's audit log is whole (every school without --school):
                       haven audit-verify --school abbey
  move-school        move a school to another trust (or none); its history stays:
                       haven move-school --school abbey --trust hillside
  insights-rebuild   rebuild the trust figures from the schools' records:
                       haven insights-rebuild [--school abbey]
  billing-run        issue the month's invoices (running it again issues nothing new):
                       haven billing-run --month 2026-11
  invoice-pdf        an invoice as a PDF:  haven invoice-pdf INV-000123
  create-operator    create a platform operator account
  operator-token     issue an API token for an operator
  <django command>   any other Django management command, e.g. haven shell

Configuration comes from environment variables or a .env file (see .env.example).
"""

# Words whose meaning in Haven differs from Django's command of the same name.
ALIASES = {"migrate": "migrate_all"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    load_dotenv(".env", override=False)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    try:
        config = Config.from_environ()
    except ConfigError as error:
        print(f"haven: {error}", file=sys.stderr)
        return 2

    command, rest = argv[0], argv[1:]
    if command == "up":
        from haven.runner import up

        return up(config, rest)
    return run_django_command(config, ALIASES.get(command, command.replace("-", "_")), rest)


def run_django_command(config: Config, name: str, args: list[str]) -> int:
    from django.core.management import execute_from_command_line
    from django.db import connections

    from haven.embedded import embedded_services

    if config.embedded_postgres and not (config.pgdata / "PG_VERSION").exists():
        # Rather than a new, empty database here: the user is most likely in the wrong folder.
        print(
            f"haven: there is no Haven database in {config.var_dir}. Run this from the folder "
            "where you run `haven up` (or `make run`), start Haven there first, or set "
            "DATABASE_URL.",
            file=sys.stderr,
        )
        return 1
    with embedded_services(config, redis_too=False) as env:
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
        try:
            execute_from_command_line(["haven", name, *args])
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else 1
        finally:
            connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
