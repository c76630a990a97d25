"""The page chrome (navigation, footer, language switcher) is rendered once per language,
role and page and reused ({% samefor %}): what it shows must still be each request's own."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template, TemplateSyntaxError, engines
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from tests.factories import UserFactory


def _render(source):
    return Template("{% load i18n portal_chrome %}" + source).render(Context())


def test_a_samefor_block_is_rendered_once_per_value_of_what_it_names():
    template = Template(
        "{% load portal_chrome %}{% samefor kind %}{{ kind }}:{{ n }}{% endsamefor %}"
    )
    assert template.render(Context({"kind": "a", "n": 1})) == "a:1"
    assert template.render(Context({"kind": "a", "n": 2})) == "a:1"  # stored
    assert template.render(Context({"kind": "b", "n": 3})) == "b:3"


def test_a_samefor_block_is_rendered_once_per_language():
    template = Template(
        '{% load i18n portal_chrome %}{% samefor %}{% translate "Language:" %}{% endsamefor %}'
    )
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("fr"):
        french = template.render(Context())
    assert english == "Language:" and french != english
    with translation.override("fr"):
        french_again = template.render(Context())
    assert french_again == french


def test_a_samefor_block_refuses_a_block_or_a_csrf_token():
    for inside in ("{% block b %}{% endblock %}", "{% csrf_token %}"):
        with pytest.raises(TemplateSyntaxError):
            _render("{% samefor %}" + inside + "{% endsamefor %}")


def test_a_samefor_block_whose_html_holds_a_csrf_token_is_not_stored():
    template = Template(
        '{% load portal_chrome %}{% samefor %}'
        '<input name="csrfmiddlewaretoken" value="{{ token }}">{% endsamefor %}'
    )
    assert "one" in template.render(Context({"token": "one"}))
    assert "two" in template.render(Context({"token": "two"}))


def _page(user, path, language="en"):
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path.split("?")[0])
    request.session = {}
    request.META["CSRF_COOKIE"] = "x" * 32
    with translation.override(language):
        return engines["django"].from_string('{% extends "base.html" %}').render({}, request)


def _current_links(html):
    return [part.split('href="')[1].split('"')[0]
            for part in html.split("<a ")[1:] if 'aria-current="page"' in part.split(">")[0]]


@pytest.mark.django_db
def test_the_navigation_marks_each_pages_own_section_for_each_visitor():
    official = UserFactory()
    for path, current in [
        (reverse("applications:dashboard"), [reverse("applications:dashboard")]),
        (reverse("action_plans:list"), [reverse("action_plans:list")]),
        (reverse("home"), [reverse("home")]),
        (reverse("account_preferences"), [reverse("account_preferences")]),
        (reverse("applications:dashboard"), [reverse("applications:dashboard")]),
    ]:
        assert _current_links(_page(official, path)) == current, path
    anonymous = _page(AnonymousUser(), reverse("programme:catalogue"))
    assert _current_links(anonymous) == [reverse("programme:catalogue")]
    assert reverse("account_login") in anonymous
    assert reverse("applications:dashboard") not in anonymous


@pytest.mark.django_db
def test_only_staff_see_the_staff_administration_link_and_only_signed_in_get_a_token():
    staff = UserFactory(is_staff=True, mfa=False)
    official = UserFactory()
    path = reverse("applications:dashboard")
    staff_page, official_page = _page(staff, path), _page(official, path)
    assert reverse("admin:index") in staff_page
    assert reverse("admin:index") not in official_page
    for html in (staff_page, official_page):
        # The sign-out form and the language switcher each carry the request's token.
        assert html.count('name="csrfmiddlewaretoken"') == 2
        assert reverse("account_logout") in html
    assert "csrfmiddlewaretoken" not in _page(AnonymousUser(), reverse("home"))


def test_the_language_switcher_returns_to_each_pages_own_path_and_presses_its_language():
    first = _page(AnonymousUser(), reverse("programme:catalogue") + "?page=2", "fr")
    second = _page(AnonymousUser(), reverse("home"), "es")
    assert f'name="next" type="hidden" value="{reverse("programme:catalogue")}?page=2"' in first
    assert f'name="next" type="hidden" value="{reverse("home")}"' in second
    for html, language in ((first, "fr"), (second, "es")):
        assert f'<html lang="{language}">' in html
        pressed = html.split('aria-pressed="true"')[0].rsplit("<button", 1)[1]
        assert f'value="{language}"' in pressed
