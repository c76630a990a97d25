"""The authentication backends of the portal: Django's and allauth's, with the signed-in
user of each request read in plain SQL.

Every signed-in request reads its user (`get_user`). Django's backend asks
`User.objects.get(pk=…)`, and building and compiling that query costs more than the
database's answer; here the statement is written once and run as a raw query, which
still converts each column as the ORM does. Signing in, permissions and everything else
are the parent backends' own; allauth finds its backend by class, so the subclass
serves it too.
"""

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router


@cache
def _user_sql(database: str) -> str:
    user = get_user_model()
    quote = connections[database].ops.quote_name
    columns = ", ".join(quote(field.column) for field in user._meta.concrete_fields)
    pk = quote(user._meta.pk.column)
    return f"SELECT {columns} FROM {quote(user._meta.db_table)} WHERE {pk} = %s"  # noqa: S608


def user_by_id(user_id):
    """The user with this primary key, or None (also for a key of the wrong kind, as a
    tampered session could hold)."""
    user = get_user_model()
    try:
        user_id = user._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - any malformed key means no user, as in Django
        return None
    database = router.db_for_read(user)
    return next(iter(user.objects.using(database).raw(_user_sql(database), [user_id])), None)


class _ReadsUserInPlainSql:
    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_ReadsUserInPlainSql, DjangoModelBackend):
    pass


class AuthenticationBackend(_ReadsUserInPlainSql, AllauthBackend):
    pass
