from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from applications.models import Call
from iuc_portal.accounts.models import User

BRUSSELS = ZoneInfo("Europe/Brussels")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"official{n}@city.example.eu")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        user.save()
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    @factory.post_generation
    def mfa(user, create, extracted, **kwargs):
        """Staff have an authenticator app (TOTP) unless `mfa=False`: the admin requires
        it. The secret is kept on `user.totp_secret` so a test can compute a code."""
        user.totp_secret = None
        if create and (user.is_staff or user.is_superuser) and extracted is not False:
            from tests.mfa import activate_totp

            user.totp_secret = activate_totp(user)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Call {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    time_zone = "Europe/Brussels"
    partner_countries = ["JP", "CN", "US", "CA", "MX", "BR", "AR", "PE", "CL", "CO"]


def call_2019(**overrides):
    """The real 2019 call: on time through 8 March 2019, 23:59:59 Brussels."""
    return CallFactory(
        slug="iuc-2019",
        name="IUC call for cities 2019",
        opens_at=datetime(2019, 1, 15, 9, 0, tzinfo=BRUSSELS),
        closes_at=datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS),
        **overrides,
    )
