"""The page chrome (navigation, footer, language switcher), rendered once per process.

    {% load portal_chrome %}
    {% samefor user.is_authenticated request.resolver_match.app_name %}
      ... HTML, {% url %}, {% static %}, {% translate %} ...
    {% endsamefor %}

The block is rendered the first time and its HTML reused afterwards for every request
with the same language and the same values of the listed expressions. Its HTML may show
only what those decide: the language, the listed values, and what is the same for
everyone (URLs without arguments, static files, translated text). Never a CSRF token
(a block whose output holds one is not stored), the request's path or anything else of
one visitor's: keep those outside the block.

The stored HTML stays right across workers without a data stamp: it shows no data, only
code, settings and translations, which change with a deploy (a new process). A changed
setting (tests) or URL configuration empties the store.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_ENTRIES = 1024  # per block: a bound the portal's keys (languages × pages × roles) never reach
_generation = [0]  # a changed setting starts a new one: every block forgets its HTML


@receiver(setting_changed)
def _forget(**kwargs):
    _generation[0] += 1


class SameForNode(template.Node):
    """Keeps its HTML on itself: a template loaded again (a changed file in development)
    is a new node and starts empty."""

    # A {% block %} inside would be stored with the first page's content: refused when the
    # template is parsed, so {% extends %} need not look for one here.
    child_nodelists = ()

    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys
        self.rendered: dict[tuple, str] = {}
        self.generation = _generation[0]

    def render(self, context):
        if self.generation != _generation[0]:
            self.rendered = {}
            self.generation = _generation[0]
        key = (
            get_language(),
            _urls(getattr(context, "request", None)),
            *[expression.resolve(context) for expression in self.keys],
        )
        try:
            return self.rendered[key]
        except KeyError:
            pass
        except TypeError:  # a value that is no key: render every time
            return self.nodelist.render(context)
        html = self.nodelist.render(context)
        if "csrfmiddlewaretoken" not in html:
            if len(self.rendered) >= MAX_ENTRIES:
                self.rendered.clear()
            self.rendered[key] = mark_safe(html)  # noqa: S308 - rendered by the template engine
        return html


def _urls(request) -> tuple:
    """What {% url %} inside a block depends on, read once per request (both are set
    before the view runs and stay for the request)."""
    try:
        return request._samefor_urls
    except AttributeError:
        urls = (get_urlconf(), get_script_prefix())
        if request is not None:
            request._samefor_urls = urls
        return urls


@register.tag
def samefor(parser, token):
    """`{% samefor expr ... %}…{% endsamefor %}`: see the module's docstring."""
    bits = token.split_contents()[1:]
    keys = [parser.compile_filter(bit) for bit in bits]
    nodelist = parser.parse(("endsamefor",))
    parser.delete_first_token()
    for kind, what in ((BlockNode, "{% block %}"), (CsrfTokenNode, "{% csrf_token %}")):
        if nodelist.get_nodes_by_type(kind):
            raise template.TemplateSyntaxError(f"{what} inside {{% samefor %}}: keep it outside")
    return SameForNode(nodelist, keys)
