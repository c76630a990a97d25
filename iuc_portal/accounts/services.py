from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import User
from .roles import STAFF_GROUP


@transaction.atomic
def ensure_user(
    *, email: str, password: str, full_name: str = "", staff: bool = False, language: str = "en"
) -> tuple[User, bool]:
    """Create (or leave as is) a user whose e-mail address is already verified."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "is_staff": staff, "language": language},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if staff:
        user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def set_preferred_language(*, user: User, language: str) -> User:
    """Remember the language a person reads the portal in; their e-mails use it too."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("“%(code)s” is not a language of the portal."),
                              params={"code": language})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
