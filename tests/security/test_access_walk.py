"""Every URL of the project, walked from the resolver, with every kind of visitor.

A URL pattern that is not classified here fails the test: the day a page is added,
its author says who may open it, and this test checks that it holds.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pairings import services as pairing_services
from tests.factories import UserFactory

# Who may open a URL (GET and POST).
PUBLIC = "public"  # anyone
ACCOUNT = "account"  # allauth's sign-in, sign-up, password and 2FA pages
SIGNED_IN = "signed-in"  # any signed-in person; shows only their own things
OWN_APPLICATION = "own application"  # the application's own official only
PLAN_READ = "plan read"  # the plan's city, and its partner while the pairing holds
PLAN_WRITE = "plan write"  # the plan's own city only
ADMIN = "admin"  # staff with the model's permission (see test_admin_access below)
PAIR_CITIES = "pair cities"  # the two cities of a pairing or proposal only
ASSESSMENT = "assessment"  # assessors and the assessment lead only (tests/assessments)
SECRET_LINK = "secret link"  # whoever holds the secret address; a made-up one shows nothing

ACCESS = {
    "healthz": PUBLIC,
    "set_language": PUBLIC,
    "home": PUBLIC,
    "applications:dashboard": SIGNED_IN,
    "applications:start": SIGNED_IN,
    "applications:detail": OWN_APPLICATION,
    "applications:edit": OWN_APPLICATION,
    "applications:review": OWN_APPLICATION,
    "applications:submit": OWN_APPLICATION,
    "applications:withdraw": OWN_APPLICATION,
    "applications:pdf": OWN_APPLICATION,
    "applications:pdf_status": OWN_APPLICATION,
    "applications:prepare_pdf": OWN_APPLICATION,
    "applications:letter": OWN_APPLICATION,
    "pairings:partnerships": SIGNED_IN,
    "pairings:proposal": PAIR_CITIES,
    "pairings:accept": PAIR_CITIES,
    "pairings:decline": PAIR_CITIES,
    "pairings:publication": PAIR_CITIES,
    "applications:answer": OWN_APPLICATION,
    "account_preferences": SIGNED_IN,
    "action_plans:reset_calendar": SIGNED_IN,
    "action_plans:calendar": SECRET_LINK,
    "action_plans:list": SIGNED_IN,
    "action_plans:detail": PLAN_READ,
    "action_plans:milestone": PLAN_READ,
    "action_plans:evidence": PLAN_READ,
    "action_plans:pdf": PLAN_READ,
    "action_plans:pdf_status": PLAN_READ,
    "action_plans:prepare_pdf": PLAN_READ,
    "action_plans:sections": PLAN_WRITE,
    "action_plans:add_milestone": PLAN_WRITE,
    "action_plans:update_milestone": PLAN_WRITE,
    "action_plans:edit_milestone": PLAN_WRITE,
    "action_plans:delete_milestone": PLAN_WRITE,
    "action_plans:add_pilot": PLAN_WRITE,
    "action_plans:edit_pilot": PLAN_WRITE,
    "action_plans:add_mou": PLAN_WRITE,
    **{name: ACCOUNT for name in (
        "account_login", "account_logout", "account_inactive", "account_signup",
        "account_reauthenticate", "account_request_reauthentication_code",
        "account_confirm_reauthentication_code", "account_email",
        "account_email_verification_sent", "account_change_password", "account_set_password",
        "account_reset_password", "account_confirm_login_code", "account_confirm_email",
        "account_reset_password_from_key_done", "account_reset_password_from_key",
        "account_reset_password_done", "mfa_index", "mfa_authenticate", "mfa_reauthenticate",
        "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
    )},
}


def url_patterns(patterns=None, prefix="", namespace=None):
    """(route, name) of every URL pattern the project serves."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def classify(route, name):
    if route.startswith("admin/"):
        return ADMIN
    if route.startswith(("programme/", "api/v1/")):
        return PUBLIC  # published partnerships only: tests/programme checks what shows
    if route.startswith("assess/"):
        return ASSESSMENT
    return ACCESS.get(name)


def test_every_url_pattern_is_classified():
    unclassified = [
        (route, name) for route, name in url_patterns() if classify(route, name) is None
    ]
    assert not unclassified, f"Say who may open these URLs (ACCESS above): {unclassified}"


def _kwargs(route, objects):
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    values = {
        "pk": objects["plan"].pk if route.startswith("plans/")
        else objects["plan"].pairing_id if route.startswith("partnerships/")
        else objects["application"].pk,
        "token": "made-up-token", "fmt": "csv", "clarification_pk": 1,
        "milestone_id": objects["milestone"].pk, "evidence_id": objects["evidence"].pk,
        "pilot_id": objects["pilot"].pk, "call_slug": objects["call_slug"], "section": "city",
        "key": "x-y", "uidb36": "1", "object_id": "1", "app_label": "applications",
        "content_type_id": 1, "history_id": 1, "version_id": 1,
    }
    return {(a or b): values.get(a or b, 1) for a, b in names}


def _url(route, name, objects):
    if name:
        kwargs = _kwargs(route, objects)
        if kwargs:
            return reverse(name, kwargs=kwargs)
        return reverse(name, args=["1"] * route.count("([^/]+)"))
    if "(?P<url>" in route:  # the admin's catch-all
        return "/admin/no-such-page/"
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


def _denied(status, response):
    """Nothing shown: not found, forbidden, wrong method, or off to the login."""
    if status == 302:
        return "/accounts/login/" in response.url or "/admin/login/" in response.url
    return status in {403, 404, 405}


def _check(client, role, cls, name, url):
    for method in ("get", "post"):
        if method == "post" and role in {"owner", "partner"} and cls != PUBLIC:
            continue  # those may change things; their writes have tests of their own
        response = getattr(client, method)(url)
        status = response.status_code
        where = f"{role} {method.upper()} {name} {url} → {status}"
        assert status < 500 or (name == "healthz" and status == 503), where
        if cls in {PUBLIC, ACCOUNT}:
            continue
        if cls == SECRET_LINK:
            assert _denied(status, response), where  # the walk's address is made up
            continue
        if role == "anonymous":
            assert status == 302 and "/login/" in response.url, where
        elif cls == SIGNED_IN:
            continue
        elif cls == OWN_APPLICATION:
            assert role == "owner" or _denied(status, response), where
        elif cls == ASSESSMENT:
            assert _denied(status, response), where  # no one here assesses
        elif cls in (PAIR_CITIES, PLAN_READ):
            assert role in {"owner", "partner"} or _denied(status, response), where
        elif cls == PLAN_WRITE:
            if role == "partner":
                assert status in {403, 405}, where
            elif role != "owner":
                assert _denied(status, response), where


@pytest.mark.django_db
def test_every_portal_url_with_every_role(pair, client):
    owners, plan, milestone, evidence, pilot = pair
    objects = {"plan": plan, "milestone": milestone, "evidence": evidence, "pilot": pilot,
               "application": plan.application, "call_slug": plan.pairing.call.slug}
    roles = {
        "anonymous": None,
        "unrelated city": UserFactory(),
        "partner": owners["surat"],
        "owner": owners["rotterdam"],
        "staff without permission": UserFactory(is_staff=True),
    }
    urls = [
        (name, classify(route, name), _url(route, name, objects))
        for route, name in url_patterns() if classify(route, name) != ADMIN
    ]

    def walk(role, user):
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, cls, url in urls:
            _check(client, role, cls, name, url)

    for role, user in roles.items():
        walk(role, user)

    pairing_services.dissolve_pairing(pairing=plan.pairing, by=UserFactory(is_staff=True),
                                      reason="Ended")
    walk("former partner", owners["surat"])
    walk("owner", owners["rotterdam"])


@pytest.mark.django_db
def test_admin_access(pair, client):
    """Anonymous visitors and cities are sent to the login; staff without a model's
    permission are refused every page of it."""
    owners, plan, milestone, evidence, pilot = pair
    objects = {"plan": plan, "milestone": milestone, "evidence": evidence, "pilot": pilot,
               "application": plan.application, "call_slug": plan.pairing.call.slug}
    urls = [
        (name or route, _url(route, name, objects))
        for route, name in url_patterns() if classify(route, name) == ADMIN
    ]
    open_to_any_staff = {"admin:index", "admin:logout", "admin:login", "admin:password_change",
                         "admin:password_change_done", "admin:jsi18n", "admin:view_on_site"}
    for role, user in [("anonymous", None), ("city", owners["rotterdam"]),
                       ("staff without permission", UserFactory(is_staff=True))]:
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, url in urls:
            response = client.get(url)
            status = response.status_code
            where = f"{role} {name} {url} → {status}"
            assert status < 500, where
            if name in {"admin:login", "admin:logout"}:
                continue  # lead to the portal's login / sign out: nothing to show
            if role != "staff without permission":
                assert status == 302 and "login" in response.url, where
            elif name not in open_to_any_staff:
                for answer in (response, client.post(url)):
                    status = answer.status_code
                    where = f"{role} {answer.request['REQUEST_METHOD']} {name} {url} → {status}"
                    assert status in {302, 403, 404, 405}, where
                    if status == 302:
                        assert answer.url.startswith("/admin/") and answer.url != url, where
