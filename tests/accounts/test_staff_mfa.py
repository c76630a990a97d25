"""Staff sign in only through the portal's login, with a second factor (TOTP)."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse

from iuc_portal.accounts.roles import STAFF_GROUP
from tests.factories import UserFactory
from tests.mfa import totp_code

PASSWORD = "correct-horse-battery"


def staff(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


@pytest.mark.django_db
def test_admin_login_redirects_to_the_portal_login_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/mail/outboundemail/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Fmail%2Foutboundemail%2F"


@pytest.mark.django_db
def test_admin_login_has_no_form_so_a_posted_password_is_ignored(client):
    user = staff()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_does_not_redirect_to_another_site(client):
    response = client.get("/admin/login/?next=https://evil.example.com/")
    assert response.url == "/accounts/login/?next=%2Fadmin%2F"


@pytest.mark.django_db
def test_an_anonymous_visit_to_the_admin_ends_at_the_portal_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("superuser", [False, True])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, superuser):
    user = staff(mfa=False, is_superuser=superuser)
    client.force_login(user)
    response = client.get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("admin:index")).url == reverse("mfa_activate_totp")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/plans/", "/assess/lead/", "/applications/"])
def test_staff_without_a_second_factor_reach_no_staff_wide_page_outside_the_admin(
    client, path
):
    client.force_login(staff(mfa=False))
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp"), follow=True).status_code == 200  # no loop


@pytest.mark.django_db
def test_a_city_official_needs_no_second_factor(client):
    client.force_login(UserFactory())
    assert client.get(reverse("action_plans:list")).status_code == 200


@pytest.mark.django_db
def test_staff_sign_in_with_password_then_totp_code_and_reach_the_admin(client):
    user = staff()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in after the password alone

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(user.totp_secret)})
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_set_up_totp_from_the_secret_shown_and_get_recovery_codes(client):
    user = staff(mfa=False)
    client.force_login(user)
    # Activating asks for a recent password (allauth reauthentication).
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_replaces_the_authenticator_app(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = staff()
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_no_admin_page_shows_an_authenticator_secret(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    authenticator = Authenticator.objects.get(user=user)
    client.force_login(user)
    for url in (
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert user.totp_secret not in response.content.decode()
    response = client.get(reverse("admin:mfa_authenticator_changelist"), {"data__contains": "A"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_city_official_opening_the_admin_is_told_no_instead_of_going_round_in_circles(client):
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 2
    assert "The administration is for programme staff." in response.content.decode()
