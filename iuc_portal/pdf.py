"""PDF rendering with WeasyPrint: an HTML template in, PDF bytes out.

Only the project's own static files may be loaded while rendering, so text a city
typed can never make the renderer fetch a URL or read a local file.
"""

import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from iuc_portal.core.files import delete_after_commit

STATIC_PREFIX = "static:"


class StaticOnlyFetcher(URLFetcher):
    """Serves `static:<path>` from the project's static files and refuses the rest."""

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_PREFIX) and ".." not in url:
            path = finders.find(url[len(STATIC_PREFIX) :].lstrip("/"))
            if path:
                return super().fetch(Path(path).resolve().as_uri(), headers)
        raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF")


def render_html(template_name: str, context: dict, *, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return render_to_string(template_name, context)


def html_fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def html_to_pdf(html: str) -> bytes:
    # PDF/UA: tagged, with the document language, so screen readers read it in order.
    return HTML(string=html, url_fetcher=StaticOnlyFetcher(), base_url=".").write_pdf(
        pdf_variant="pdf/ua-1"
    )


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> bytes:
    """Render `template_name` to PDF. Templates refer to assets as `static:css/pdf.css`."""
    return html_to_pdf(render_html(template_name, context, language=language))


def store_pdf_if_changed(
    instance, *, template_name: str, context: dict, language: str, filename: str
) -> bool:
    """Render `instance`'s PDF into its `pdf` field unless the document it would show
    is the one already stored (same `pdf_fingerprint`). Returns True when it rendered.

    The HTML is rendered once: its hash decides, and the same HTML becomes the PDF.
    """
    html = render_html(template_name, context, language=language)
    fingerprint = html_fingerprint(html)
    if instance.pdf and instance.pdf_fingerprint == fingerprint:
        return False
    old = instance.pdf.name if instance.pdf else None
    instance.pdf.save(filename, ContentFile(html_to_pdf(html)), save=False)
    instance.pdf_fingerprint = fingerprint
    # A bare update: rendering is not a change of the record (no history, no updated_at).
    type(instance).objects.filter(pk=instance.pk).update(
        pdf=instance.pdf.name, pdf_fingerprint=fingerprint
    )
    if old and old != instance.pdf.name:
        delete_after_commit([old], storage=instance.pdf.storage)
    return True
