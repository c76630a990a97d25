"""Django's database sessions, read with one statement written once.

Every signed-in request reads its session first. Django's store reads it through the
ORM (`Session.objects.get(...)`), and building and compiling that query costs more
than the database's answer; this store asks the same question in plain SQL, written
once. Writing, rotating and deleting sessions stay Django's own.
"""

from functools import cached_property
from types import SimpleNamespace

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        """Django's rule, and only the characters Django makes keys of: a cookie can hold
        anything (a NUL, which PostgreSQL refuses in a query), and such a key is no
        session."""
        return super()._validate_session_key(key) and all(c in VALID_KEY_CHARS for c in key)

    @cached_property
    def _read_sql(self) -> str:
        connection = connections[router.db_for_read(self.model)]
        quote = connection.ops.quote_name
        return (
            f"SELECT {quote('session_data')} FROM {quote(self.model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )

    def _get_session_from_db(self):
        """The session's row (as much of it as `load` reads), or None when there is no
        such session or it has expired, like Django's."""
        if not self.session_key:
            self._session_key = None
            return None
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(self._read_sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
