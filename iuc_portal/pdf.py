"""PDF rendering with WeasyPrint: an HTML template in, PDF bytes out.

Only the project's own static files may be loaded while rendering, so text a city
typed can never make the renderer fetch a URL or read a local file.
"""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC_PREFIX = "static:"


class StaticOnlyFetcher(URLFetcher):
    """Serves `static:<path>` from the project's static files and refuses the rest."""

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_PREFIX) and ".." not in url:
            path = finders.find(url[len(STATIC_PREFIX) :].lstrip("/"))
            if path:
                return super().fetch(Path(path).resolve().as_uri(), headers)
        raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF")


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> bytes:
    """Render `template_name` to PDF. Templates refer to assets as `static:css/pdf.css`."""
    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    return HTML(string=html, url_fetcher=StaticOnlyFetcher(), base_url=".").write_pdf()
