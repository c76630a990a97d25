"""Rules an independent security examination found missing: each failed before its fix."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from pypdf import PdfWriter

from applications.uploads import validate_pdf_upload
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_a_call_closing_in_year_9999_is_refused_by_the_form_and_by_the_database():
    call = CallFactory(closes_at=datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC")))
    call.closes_at = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("UTC"))
    call.time_zone = "Pacific/Kiritimati"
    with pytest.raises(ValidationError):
        call.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(call).objects.filter(pk=call.pk).update(closes_at=call.closes_at)


def _pdf_with(javascript: bool) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if javascript:
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        writer.add_open_action(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }))
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("letter.pdf", buffer.getvalue(), content_type="application/pdf")


def test_a_pdf_carrying_javascript_is_refused():
    with pytest.raises(ValidationError, match="scripts"):
        validate_pdf_upload(_pdf_with(javascript=True))
    validate_pdf_upload(_pdf_with(javascript=False))


def test_a_file_that_is_not_a_pdf_is_refused_without_naming_the_letter():
    """The check serves the letter of commitment and a plan's evidence alike."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        validate_pdf_upload(SimpleUploadedFile("minutes.docx", b"PK\x03\x04 not a pdf"))
    message = " ".join(refused.value.messages)
    assert "not a PDF" in message and "letter" not in message


def test_a_plan_of_a_city_without_an_account_can_be_exported(pair):
    from action_plans import services
    from action_plans.models import LocalActionPlan

    _owners, plan, *_rest = pair
    partner_plan = LocalActionPlan.objects.exclude(pk=plan.pk).get(pairing=plan.pairing)
    partner_plan.application.owner = None
    partner_plan.application.save(update_fields=["owner"])
    partner_plan.refresh_from_db()
    services.request_plan_pdf(plan=partner_plan, by=_owners["rotterdam"])
