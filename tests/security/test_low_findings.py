"""Low findings of the security review: PDF language, replaced files, upload cap,
orphan files, Cache-Control, plain-text e-mails."""

import os
import time
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from action_plans import services
from action_plans.models import LocalActionPlan
from applications import services as application_services
from iuc_portal.mail.services import queue_email
from tests.applications.helpers import letter_upload, ready_draft
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- One PDF per plan, in its own city's language -------------------------------------


def test_a_partner_in_another_language_does_not_replace_the_owners_pdf(
    pair, django_capture_on_commit_callbacks
):
    owners, plan, *_ = pair
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_plan_pdf(plan=plan, by=owners["rotterdam"], language="es")
    plan.refresh_from_db()
    spanish = (plan.pdf.name, plan.pdf_fingerprint)
    assert spanish[1] == services._fingerprint(plan, "es")

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.request_plan_pdf(plan=plan, by=owners["surat"], language="pt")
    assert queued is False
    plan.refresh_from_db()
    assert (plan.pdf.name, plan.pdf_fingerprint) == spanish


def test_after_a_change_a_partners_request_renders_in_the_owners_language(
    pair, django_capture_on_commit_callbacks
):
    owners, plan, *_ = pair
    owners["rotterdam"].language = "pt"
    owners["rotterdam"].save()
    services.update_sections(plan=plan, by=owners["rotterdam"], context="Changed")
    plan = LocalActionPlan.objects.get(pk=plan.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_plan_pdf(plan=plan, by=owners["surat"], language="es")
    plan.refresh_from_db()
    assert plan.pdf_fingerprint == services._fingerprint(plan, "pt")


# --- Replaced files go once the change commits ----------------------------------------


def test_a_replaced_letter_is_deleted_after_commit(django_capture_on_commit_callbacks):
    owner = UserFactory()
    application = ready_draft(call=CallFactory(), owner=owner)
    old = application.commitment_letter.name
    assert default_storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        application = application_services.update_draft(
            application=application, by=owner, letter=letter_upload())
    assert application.commitment_letter.name != old
    assert default_storage.exists(application.commitment_letter.name)
    assert not default_storage.exists(old)


def test_a_rolled_back_replacement_keeps_the_letter(django_capture_on_commit_callbacks):
    owner = UserFactory()
    application = ready_draft(call=CallFactory(), owner=owner)
    old = application.commitment_letter.name
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        application_services.update_draft(application=application, by=owner,
                                          letter=letter_upload())
        raise RuntimeError("the change failed")
    assert default_storage.exists(old)


def test_deleting_a_milestone_deletes_its_evidence_files_after_commit(
    pair, django_capture_on_commit_callbacks
):
    owners, plan, *_ = pair
    mine = services.add_milestone(plan=plan, by=owners["rotterdam"], title="Visit",
                                  due_date=date(2025, 6, 1))
    evidence = services.add_evidence(milestone=mine, by=owners["rotterdam"],
                                     upload=letter_upload(), title="Report")
    name = evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_milestone(milestone=mine, by=owners["rotterdam"])
    assert not default_storage.exists(name)


def test_a_plan_holds_at_most_its_cap_of_evidence(client, pair, monkeypatch):
    owners, plan, milestone, *_ = pair  # the fixture already added one document
    monkeypatch.setattr(services, "MAX_EVIDENCE_PER_PLAN", 2)
    services.add_evidence(milestone=milestone, by=owners["rotterdam"], upload=letter_upload())
    with pytest.raises(ValidationError):
        services.add_evidence(milestone=milestone, by=owners["rotterdam"],
                              upload=letter_upload())
    client.force_login(owners["rotterdam"])
    response = client.post(reverse("action_plans:milestone", args=[plan.pk, milestone.pk]),
                           {"title": "One more", "file": letter_upload()})
    assert response.status_code == 200
    assert "the most it can keep" in response.content.decode()
    assert milestone.evidence.count() == 2


# --- Orphan files ----------------------------------------------------------------------


def test_the_orphan_command_reports_and_removes_only_unreferenced_old_files(pair, capsys):
    owners, plan, milestone, evidence, pilot = pair
    orphan = default_storage.save("evidence/orphan.pdf", ContentFile(b"%PDF-1.4 orphan"))
    fresh = default_storage.save("evidence/fresh.pdf", ContentFile(b"%PDF-1.4 fresh"))
    an_hour_ago = time.time() - 2 * 3600
    os.utime(default_storage.path(orphan), (an_hour_ago, an_hour_ago))

    call_command("orphan_files")
    out = capsys.readouterr().out
    assert orphan in out and fresh not in out and evidence.file.name not in out
    assert "1 orphan file(s) found" in out
    assert default_storage.exists(orphan)

    call_command("orphan_files", "--delete")
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)
    assert default_storage.exists(evidence.file.name)
    assert default_storage.exists(LocalActionPlan.objects.get(pk=plan.pk).pdf.name)


# --- Cache-Control ---------------------------------------------------------------------


def test_signed_in_pages_and_private_downloads_are_never_cached(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(owners["rotterdam"])
    for url in (
        reverse("home"),
        reverse("action_plans:detail", args=[plan.pk]),
        reverse("action_plans:evidence", args=[plan.pk, evidence.pk]),
        reverse("action_plans:pdf", args=[plan.pk]),
        reverse("applications:dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response.headers.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, url


def test_staff_admin_pages_are_never_cached(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "no-store" in response.headers["Cache-Control"]


# --- Plain-text e-mails are not HTML-escaped ------------------------------------------


def test_plain_text_subject_and_body_are_not_html_escaped_the_html_part_is():
    context = {
        "city": "L'Aquila <Centro> & Co", "country": "IT", "call": "Call \"2019\"",
        "submitted_at": "8 March", "time_zone": "Europe/Brussels", "population": 70000,
        "members": [], "themes": ["Air quality"], "dashboard_url": "https://x/applications/",
    }
    email = queue_email(to="a@city.example.eu", template="applications/email/submitted",
                        context=context, language="en", idempotency_key="escape-1")
    assert "L'Aquila <Centro> & Co" in email.subject
    assert "L'Aquila <Centro> & Co" in email.body_text
    assert "&#x27;" not in email.subject + email.body_text
    assert "&lt;" not in email.body_text
    assert "L&#x27;Aquila &lt;Centro&gt; &amp; Co" in email.body_html
