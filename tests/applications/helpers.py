"""Building applications the way a city does: through the services."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications import services


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def letter_upload(name="letter.pdf", content=None):
    return SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")


def ready_draft(*, call, owner, city="Rotterdam", country="NL", population=651_000, now=None):
    """A draft with every section complete: ready to submit."""
    application = services.start_application(
        call=call, by=owner, country=country, city_name=city,
        changes={"is_group": False, "population": population}, now=now,
    )
    return services.update_draft(
        application=application,
        by=owner,
        changes={
            "contact_name": "Ana Official",
            "contact_email": owner.email,
            "signing_authority": "The Mayor",
            "motivation": "We want to learn from a partner city.",
            "commits_to_18_months": True,
            "languages": ["en"],
        },
        theme_slugs=["climate-adaptation", "water-and-sanitation"],
        letter=letter_upload(),
        now=now,
    )
