"""Hand-written reads for the busiest pages.

The ORM compiles a query each time it runs: for a small query that is ~0.5 ms, more than
the database takes to answer it. A page that everyone opens all day may instead run SQL
written once (table names from the models, never from a request), with its parameters
adapted as the ORM would adapt them. Keep such reads in selectors, scoped to the user.
"""

from datetime import UTC, datetime

from django.db import connection


def written(template: str, **parts) -> str:
    """SQL from a template: a model among `parts` stands for its quoted table name, a
    string for a piece of SQL the code wrote (nothing from a request is ever a part)."""
    quote = connection.ops.quote_name
    return template.format(**{
        name: quote(part._meta.db_table) if isinstance(part, type) else part
        for name, part in parts.items()
    })


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def moment(value: datetime):
    """A datetime parameter as the ORM passes it to this database."""
    return connection.ops.adapt_datetimefield_value(value)


def aware(value):
    """A datetime column read by hand: SQLite returns it naive (stored in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
