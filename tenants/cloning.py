"""Copying the template schema into a new school's schema, fast and at constant cost.

django-tenants' CloneSchema does this with a general-purpose plpgsql function that is
re-created on every call and walks the catalog object by object: measured here at about
150 ms a school, slower as schools accumulate, and barely faster than running migrations.
Haven's template holds only what Django migrations make (tables, identity columns,
constraints, indexes, triggers and their functions), so this module reads the template's
catalog once per process into a blueprint of DDL and replays it for each school in a single
round trip. Names of constraints and indexes are kept, so later migrations find what they
expect; anything the blueprint cannot copy faithfully is refused rather than copied wrongly.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from psycopg import sql


class UnsupportedTemplateObject(RuntimeError):
    """The template holds something this cloner does not copy; extend it before migrating."""


# pg_advisory_lock(int, int) keys: held shared by every clone until its transaction ends,
# and exclusively by `haven migrate` while it changes the template and then every school,
# so no school is cloned from a half-migrated template or missed by the migration.
TEMPLATE_LOCK = (0x48415645, 1)


@dataclass(frozen=True)
class Blueprint:
    template: str
    fingerprint: tuple
    statements: tuple[str, ...]


_lock = threading.Lock()
_cache: dict[str, Blueprint] = {}


def clone_schema(template: str, target: str) -> None:
    """Create schema `target` holding a copy of `template`'s objects and rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", TEMPLATE_LOCK)
        blueprint = _blueprint(cursor, template)
        cursor.execute(
            "SELECT current_setting('search_path'), current_setting('check_function_bodies')"
        )
        previous = cursor.fetchone()
        quoted = sql.Identifier(target).as_string(cursor.connection)
        script = "; ".join(
            [
                f"CREATE SCHEMA {quoted}",
                # Unqualified names in the blueprint resolve to the new schema only.
                f"SET LOCAL search_path = {quoted}",
                # Function bodies may name tables the script has not made yet.
                "SET LOCAL check_function_bodies = off",
                *blueprint.statements,
            ]
        )
        cursor.execute(script)
        # django-tenants tracks the search_path it set; give it back exactly, and leave the
        # caller's transaction checking function bodies as it did before.
        cursor.execute(
            "SELECT set_config('search_path', %s, true), "
            "set_config('check_function_bodies', %s, true)",
            previous,
        )


def _blueprint(cursor, template: str) -> Blueprint:
    fingerprint = _fingerprint(cursor, template)
    with _lock:
        cached = _cache.get(template)
        if cached is None or cached.fingerprint != fingerprint:
            cached = Blueprint(template, fingerprint, tuple(_read_template(cursor, template)))
            _cache[template] = cached
        return cached


def _fingerprint(cursor, template: str) -> tuple:
    """Migrations are the only way the template changes, so their record identifies it."""
    name = sql.Identifier(template, "django_migrations").as_string(cursor.connection)
    cursor.execute(f"SELECT count(*), max(id) FROM {name}")
    return tuple(cursor.fetchone())


def _read_template(cursor, template: str) -> list[str]:
    cursor.execute("SELECT current_setting('search_path')")
    (previous_path,) = cursor.fetchone()
    # With the template alone on the path, catalog functions print the template's own
    # objects unqualified and anything elsewhere (public) qualified: exactly what a copy needs.
    cursor.execute("SELECT set_config('search_path', %s, false)", [_quote(cursor, template)])
    try:
        _refuse_unsupported(cursor, template)
        statements = [
            *_functions(cursor, template),
            *_sequences(cursor, template),
            *_tables(cursor, template),
            *_indexes(cursor, template),
            *_foreign_keys(cursor, template),
            *_triggers(cursor, template),
        ]
    except BaseException:
        # In a failed transaction the restore fails too, and the rollback restores the path;
        # either way the error worth seeing is the first one.
        with contextlib.suppress(DatabaseError):
            cursor.execute("SELECT set_config('search_path', %s, false)", [previous_path])
        raise
    cursor.execute("SELECT set_config('search_path', %s, false)", [previous_path])
    return statements


def _quote(cursor, *names: str) -> str:
    return sql.Identifier(*names).as_string(cursor.connection)


# What Django migrations never make, and what this cloner would copy wrongly or not at all.
# Each query returns the names of offending objects in the template schema (%(t)s).
_UNSUPPORTED = {
    "relation (view, partitioned, foreign or other kind)": """
        SELECT c.relname || ' (' || c.relkind::text || ')' FROM pg_class c
        WHERE c.relnamespace = %(t)s::regnamespace AND c.relkind NOT IN ('r', 'i', 'S')""",
    "table that inherits another": """
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE c.relnamespace = %(t)s::regnamespace""",
    "enum, domain or range type": """
        SELECT t.typname FROM pg_type t
        WHERE t.typnamespace = %(t)s::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')""",
    "serial column (use an identity column)": """
        SELECT d.adrelid::regclass::text || '.' || a.attname FROM pg_attrdef d
        JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        JOIN pg_class c ON c.oid = d.adrelid
        WHERE c.relnamespace = %(t)s::regnamespace AND a.attidentity = ''
          AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%'""",
    "column default calling a template function": """
        SELECT d.adrelid::regclass::text || '.' || a.attname FROM pg_attrdef d
        JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
             AND dep.refclassid = 'pg_proc'::regclass
        JOIN pg_proc p ON p.oid = dep.refobjid
        WHERE p.pronamespace = %(t)s::regnamespace""",
    "row-level security": """
        SELECT c.relname FROM pg_class c WHERE c.relnamespace = %(t)s::regnamespace
          AND (c.relrowsecurity OR c.relforcerowsecurity)""",
    "policy": """
        SELECT p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE c.relnamespace = %(t)s::regnamespace""",
    "rule": """
        SELECT r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
        WHERE c.relnamespace = %(t)s::regnamespace""",
    "granted privileges": """
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = %(t)s::regnamespace AND c.relacl IS NOT NULL
        UNION ALL SELECT nspname FROM pg_namespace WHERE nspname = %(t)s AND nspacl IS NOT NULL""",
    "aggregate or window function": """
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = %(t)s::regnamespace AND p.prokind IN ('a', 'w')""",
    "function with its own settings (SET search_path ...)": """
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = %(t)s::regnamespace AND p.proconfig IS NOT NULL""",
    "function whose body names the template schema": """
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = %(t)s::regnamespace AND strpos(p.prosrc, %(t)s || '.') > 0""",
    "member of an extension": """
        SELECT pg_describe_object(d.classid, d.objid, 0) FROM pg_depend d
        WHERE d.deptype = 'e' AND (
            (d.classid = 'pg_class'::regclass AND d.objid IN
                (SELECT oid FROM pg_class WHERE relnamespace = %(t)s::regnamespace))
            OR (d.classid = 'pg_proc'::regclass AND d.objid IN
                (SELECT oid FROM pg_proc WHERE pronamespace = %(t)s::regnamespace))
            OR (d.classid = 'pg_type'::regclass AND d.objid IN
                (SELECT oid FROM pg_type WHERE typnamespace = %(t)s::regnamespace)))""",
    "extended statistics": """
        SELECT s.stxname FROM pg_statistic_ext s
        WHERE s.stxnamespace = %(t)s::regnamespace""",
}


def _refuse_unsupported(cursor, template: str) -> None:
    found = []
    for kind, query in _UNSUPPORTED.items():
        cursor.execute(query, {"t": template})
        found += [f"{name} [{kind}]" for (name,) in cursor.fetchall()]
    if found:
        raise UnsupportedTemplateObject(
            "The template schema holds objects that tenants.cloning does not copy: "
            + ", ".join(found)
            + ". Extend tenants/cloning.py (and its tests) before migrating this in."
        )


def _functions(cursor, template: str) -> list[str]:
    cursor.execute(
        """
        SELECT pg_get_functiondef(p.oid) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s AND p.prokind IN ('f', 'p') ORDER BY p.proname
        """,
        [template],
    )
    prefix = _quote(cursor, template) + "."
    statements = []
    for (definition,) in cursor.fetchall():
        # pg_get_functiondef always qualifies the name being defined; drop the template.
        head, _, body = definition.partition("\n")
        head = head.replace(f" {prefix}", " ").replace(f" {template}.", " ")
        statements.append(f"{head}\n{body}")
    return statements


def _sequence_options(type_, increment, minimum, maximum, start, cache, cycle) -> str:
    """CREATE SEQUENCE options; `type_` None for identity sequences, typed by their column."""
    return (
        (f"AS {type_} " if type_ else "")
        + f"INCREMENT BY {increment} MINVALUE {minimum} MAXVALUE {maximum} "
        f"START WITH {start} CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}"
    )


def _sequences(cursor, template: str) -> list[str]:
    """Sequences that no identity column owns; identity sequences come with their tables."""
    cursor.execute(
        """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax,
               s.seqstart, s.seqcache, s.seqcycle
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype IN ('a', 'i'))
        ORDER BY c.relname
        """,
        [template],
    )
    statements = []
    for name, *options in cursor.fetchall():
        statements.append(f"CREATE SEQUENCE {_quote(cursor, name)} {_sequence_options(*options)}")
        statements.append(_copy_sequence_position(cursor, template, name))
    return statements


def _copy_sequence_position(cursor, template: str, sequence: str) -> str:
    literal = _quote(cursor, sequence).replace("'", "''")
    return (
        f"SELECT setval('{literal}', last_value, is_called) "
        f"FROM {_quote(cursor, template, sequence)}"
    )


def _tables(cursor, template: str) -> list[str]:
    """Each table with its columns and defaults, its identity columns (with the template's
    sequence names and options: LIKE ... INCLUDING IDENTITY would widen them to bigint)
    and a copy of its rows."""
    cursor.execute(
        """
        SELECT c.relname,
               array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE a.attgenerated = ''),
               obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = %s AND c.relkind = 'r'
        GROUP BY c.oid, c.relname ORDER BY c.relname
        """,
        [template],
    )
    tables = cursor.fetchall()
    identities = _identities(cursor, template)
    constraints = _constraints_by_table(cursor, template, foreign=False)
    statements = []
    for table, columns, comment in tables:
        source = _quote(cursor, template, table)
        target = _quote(cursor, table)
        # Keys, unique and check constraints go inside CREATE TABLE: one statement, not many.
        elements = [
            f"LIKE {source} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE "
            "INCLUDING COMMENTS INCLUDING COMPRESSION",
            *constraints.get(table, []),
        ]
        statements.append(f"CREATE TABLE {target} ({', '.join(elements)})")
        if comment:
            # LIKE ... INCLUDING COMMENTS copies column comments, not the table's own.
            literal = comment.replace("'", "''")
            statements.append(f"COMMENT ON TABLE {target} IS '{literal}'")
        for column, kind, sequence, options in identities.get(table, []):
            statements.append(
                f"ALTER TABLE {target} ALTER COLUMN {_quote(cursor, column)} ADD GENERATED "
                f"{'ALWAYS' if kind == 'a' else 'BY DEFAULT'} AS IDENTITY "
                f"(SEQUENCE NAME {_quote(cursor, sequence)} {_sequence_options(None, *options)})"
            )
        column_list = ", ".join(_quote(cursor, column) for column in columns)
        statements.append(
            f"INSERT INTO {target} ({column_list}) OVERRIDING SYSTEM VALUE "
            f"SELECT {column_list} FROM {source}"
        )
        for _column, _kind, sequence, _options in identities.get(table, []):
            statements.append(_copy_sequence_position(cursor, template, sequence))
    return statements


def _identities(cursor, template: str) -> dict[str, list[tuple]]:
    cursor.execute(
        """
        SELECT c.relname, a.attname, a.attidentity, s.relname,
               q.seqincrement, q.seqmin, q.seqmax, q.seqstart, q.seqcache, q.seqcycle
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_depend d ON d.refobjid = c.oid AND d.refobjsubid = a.attnum
             AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_sequence q ON q.seqrelid = s.oid
        WHERE n.nspname = %s AND a.attidentity <> ''
        ORDER BY c.relname, a.attnum
        """,
        [template],
    )
    found: dict[str, list[tuple]] = {}
    for table, column, kind, sequence, *options in cursor.fetchall():
        found.setdefault(table, []).append((column, kind, sequence, options))
    return found


def _foreign_keys(cursor, template: str) -> list[str]:
    """Added after every table holds its rows, so the order tables are made in is free."""
    return [
        f"ALTER TABLE {_quote(cursor, table)} ADD {constraint}"
        for table, found in _constraints_by_table(cursor, template, foreign=True).items()
        for constraint in found
    ]


def _constraints_by_table(cursor, template: str, *, foreign: bool) -> dict[str, list[str]]:
    cursor.execute(
        """
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE n.nspname = %s AND con.contype = ANY(%s)
        ORDER BY cl.relname, con.contype, con.conname
        """,
        [template, ["f"] if foreign else ["p", "u", "c", "x"]],
    )
    found: dict[str, list[str]] = {}
    for table, name, definition in cursor.fetchall():
        found.setdefault(table, []).append(f"CONSTRAINT {_quote(cursor, name)} {definition}")
    return found


def _indexes(cursor, template: str) -> list[str]:
    """Indexes of their own; those behind primary keys and unique constraints come with them."""
    cursor.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE n.nspname = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                          WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                            AND con.contype IN ('p', 'u', 'x'))
        ORDER BY ic.relname
        """,
        [template],
    )
    return [_on_unqualified(cursor, template, definition) for (definition,) in cursor.fetchall()]


def _triggers(cursor, template: str) -> list[str]:
    cursor.execute(
        """
        SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname
        """,
        [template],
    )
    return [_on_unqualified(cursor, template, definition) for (definition,) in cursor.fetchall()]


def _on_unqualified(cursor, template: str, definition: str) -> str:
    """pg_get_indexdef and pg_get_triggerdef always qualify the table after ON; unqualified,
    it resolves to the new schema."""
    for prefix in {_quote(cursor, template) + ".", template + "."}:
        definition = definition.replace(f" ON {prefix}", " ON ", 1)
        definition = definition.replace(f" ON ONLY {prefix}", " ON ONLY ", 1)
    return definition
