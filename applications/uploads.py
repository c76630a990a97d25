"""Uploaded documents are checked by what they contain, not by their name."""

import io
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

# Names under which a PDF carries code or runs something when opened: such a file is
# refused, because it is passed on to the partner city, staff and assessors.
ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|RichMedia)\b")


def validate_pdf_upload(upload) -> None:
    """Raise ValidationError unless `upload` is a readable PDF within the size limit."""
    limit = settings.MAX_DOCUMENT_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s. Please upload a smaller PDF.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" not in head:
        raise ValidationError(
            _("This file is not a PDF. Please upload a PDF document."),
            code="not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(upload.read()), strict=False)
        if len(reader.pages) < 1:
            raise ValidationError(_("The PDF has no pages."), code="no_pages")
        upload.seek(0)
        if ACTIVE_CONTENT.search(upload.read()):
            raise ValidationError(
                _("The PDF contains scripts or automatic actions. Please export it again "
                  "as a plain PDF (for example with “Save as PDF”)."),
                code="active_content",
            )
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError(
            _("The PDF could not be read (it may be damaged). Please export it again."),
            code="unreadable",
        ) from error
    finally:
        upload.seek(0)
