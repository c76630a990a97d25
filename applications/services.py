"""Every write to an application: one function per transition, each checking its rule.

The deadline and eligibility rules live here (not in forms or views), so the web
form, a resumed draft, a replayed request, the admin and the CSV import all meet
the same checks.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from iuc_portal.core.files import delete_after_commit
from iuc_portal.jobs.services import queue_job
from iuc_portal.mail.services import absolute_url, queue_email
from iuc_portal.pdf import store_pdf_if_changed

from . import eligibility
from .deadlines import is_on_time
from .models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Call,
    Clarification,
    Municipality,
    Region,
    StatusChange,
    Theme,
)
from .sections import SECTION_EXTRAS, SECTION_FIELDS, SECTION_TITLES, section_text
from .uploads import validate_pdf_upload

logger = logging.getLogger(__name__)

MAX_THEMES = 5
# A population figure is from a census or estimate between 1990 and this year.
FIRST_POPULATION_YEAR = 1990


def latest_population_year() -> int:
    return timezone.localdate().year

# Fields an official may change while the application is a draft.
DRAFT_FIELDS = frozenset(
    {
        "city_name", "country", "is_group", "population", "population_source",
        "population_year", "contact_name", "contact_role", "contact_email", "contact_phone",
        "signing_authority", "challenges", "motivation", "experience", "preferred_countries",
        "languages", "partners_wanted", "commits_to_18_months",
    }
)  # fmt: skip


class ApplicationError(Exception):
    """A rule refused the change; the message is for the person who asked."""

    code = "refused"

    def __init__(self, message: str, *, problems: Sequence[eligibility.Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class DeadlinePassed(ApplicationError):
    code = "deadline_passed"


class NotReady(ApplicationError):
    code = "not_ready"


class InvalidTransition(ApplicationError):
    code = "invalid_transition"


class DuplicateApplication(ApplicationError):
    code = "duplicate"


# --- Starting and editing a draft ----------------------------------------------


def start_application(
    *,
    call: Call,
    by,
    country: str,
    city_name: str,
    changes: dict | None = None,
    members: Sequence[tuple[str, int]] | None = None,
    now: datetime | None = None,
) -> Application:
    """Create the draft (with the first section's answers, all or nothing)."""
    now = now or timezone.now()
    if not call.is_open_at(now):
        raise DeadlinePassed(
            _deadline_message(call.last_minute, call.time_zone, now >= call.closes_at)
        )
    application = Application(
        call=call,
        owner=by,
        city_name=city_name.strip(),
        country=country,
        side=eligibility.side_for(country),
        contact_email=getattr(by, "email", ""),
    )
    with transaction.atomic():
        _save_unique(application)
        _record(application, ApplicationStatus.DRAFT, by=by, previous="")
        if changes or members is not None:
            application = update_draft(
                application=application, by=by, changes=changes, members=members, now=now
            )
    return application


def update_draft(
    *,
    application: Application,
    by,
    changes: dict | None = None,
    theme_slugs: Sequence[str] | None = None,
    members: Sequence[tuple[str, int]] | None = None,
    region_slugs: Iterable[str] | None = None,
    letter=None,
    now: datetime | None = None,
) -> Application:
    """Save part of a draft. Only what is given changes; the rest stays as it was."""
    with transaction.atomic():
        application = _locked(application)
        _ensure_editable(application, now)
        _apply_changes(
            application,
            allowed=DRAFT_FIELDS,
            changes=changes,
            theme_slugs=theme_slugs,
            members=members,
            region_slugs=region_slugs,
            letter=letter,
        )
    return application


def _apply_changes(
    application, *, allowed, changes, theme_slugs, members, region_slugs, letter
) -> None:
    for field, value in (changes or {}).items():
        if field not in allowed:
            raise ValueError(f"{field} cannot be changed here")
        setattr(application, field, value)
    _check_population_year((changes or {}).get("population_year"))
    if "country" in (changes or {}):
        application.side = eligibility.side_for(str(application.country))
    if letter is not None:
        validate_pdf_upload(letter)
        # One letter per application: the one it replaces goes once this commits.
        replaced = application.commitment_letter.name or None
        application.commitment_letter.save("letter.pdf", letter, save=False)
        if replaced != application.commitment_letter.name:
            delete_after_commit([replaced])
    if theme_slugs is not None:
        _set_themes(application, theme_slugs)
    if members is not None:
        _set_members(application, members)
    if region_slugs is not None:
        application.preferred_regions.set(Region.objects.filter(slug__in=list(region_slugs)))
    if application.is_group:
        # A group's population is its members' total: a figure typed while it was a
        # single city must not linger in e-mails, exports and the admin.
        application.population = None
    application.has_eligibility_problems = bool(eligibility_problems(application))
    _save_unique(application)


def _check_population_year(year) -> None:
    if year is None:
        return
    latest = latest_population_year()
    if not (isinstance(year, int) and FIRST_POPULATION_YEAR <= year <= latest):
        raise ApplicationError(
            _("The year of the population figure is between %(first)s and %(last)s.")
            % {"first": FIRST_POPULATION_YEAR, "last": latest}
        )


def _set_themes(application: Application, theme_slugs: Sequence[str]) -> None:
    slugs = [slug for slug in theme_slugs if slug]
    if len(slugs) != len(set(slugs)):
        raise ApplicationError(_("Choose each theme only once."))
    if len(slugs) > MAX_THEMES:
        raise ApplicationError(_("Choose at most five themes."))
    themes = {theme.slug: theme for theme in Theme.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in themes]
    if unknown:
        raise ApplicationError(_("Unknown theme: %(slugs)s") % {"slugs": ", ".join(unknown)})
    ApplicationTheme.objects.filter(application=application).delete()
    ApplicationTheme.objects.bulk_create(
        ApplicationTheme(application=application, theme=themes[slug], priority=position)
        for position, slug in enumerate(slugs, start=1)
    )


def _set_members(application: Application, members: Sequence[tuple[str, int]]) -> None:
    application.municipalities.all().delete()
    Municipality.objects.bulk_create(
        Municipality(application=application, name=name.strip(), population=population, position=i)
        for i, (name, population) in enumerate(members)
    )


# --- Rules -----------------------------------------------------------------------


def eligibility_problems(application: Application) -> list[eligibility.Problem]:
    return eligibility.eligibility_problems(
        country=str(application.country or ""),
        is_group=application.is_group,
        population=application.population,
        member_populations=[m.population for m in application.municipalities.all()]
        if application.pk
        else [],
        min_population=application.call.min_population,
        partner_countries=application.call.partner_country_codes,
    )


def completeness_problems(application: Application) -> list[eligibility.Problem]:
    required = [
        ("city_name", _("Give the name of the city or group.")),
        ("contact_name", _("Give the name of the contact person.")),
        ("contact_email", _("Give the contact person's e-mail address.")),
        ("signing_authority", _("Name the authority signing the commitment.")),
        ("motivation", _("Tell us why your city wants to take part.")),
    ]
    problems = [
        eligibility.Problem(f"{field}_missing", field, message)
        for field, message in required
        if not getattr(application, field)
    ]
    if not application.pk or not application.theme_choices.exists():
        problems.append(eligibility.Problem("themes_missing", "themes", _("Choose 1 to 5 themes.")))
    if not application.commits_to_18_months:
        problems.append(
            eligibility.Problem(
                "commitment_missing",
                "commits_to_18_months",
                _("The city must commit to at least 18 months of cooperation."),
            )
        )
    if not application.commitment_letter:
        problems.append(
            eligibility.Problem(
                "letter_missing",
                "commitment_letter",
                _("Upload the signed letter of commitment (PDF)."),
            )
        )
    return problems


def submission_problems(application: Application) -> list[eligibility.Problem]:
    return eligibility_problems(application) + completeness_problems(application)


# --- Transitions -----------------------------------------------------------------


def submit_application(
    *, application: Application, by, now: datetime | None = None, language: str | None = None
) -> Application:
    """Submit a draft, once: a second click, tab or replayed request changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        application = _locked(application)
        if application.status == ApplicationStatus.SUBMITTED:
            return application  # already done: idempotent
        if application.status != ApplicationStatus.DRAFT:
            raise InvalidTransition(
                _("This application is %(status)s and can no longer be submitted.")
                % {"status": application.get_status_display().lower()}
            )
        if not is_on_time(now, application.deadline):
            raise DeadlinePassed(
                _deadline_message(application.call.last_minute, application.call.time_zone, True)
            )
        problems = submission_problems(application)
        if problems:
            raise NotReady(_("The application is not ready to submit yet."), problems=problems)
        application.submitted_at = now
        _transition(application, ApplicationStatus.SUBMITTED, by=by)
        _queue_confirmation(application, language=language)
        queue_pdf(application.pk)
    return application


def withdraw_application(*, application: Application, by, reason: str = "") -> Application:
    with transaction.atomic():
        application = _locked(application)
        allowed = {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED}
        if application.status not in allowed:
            raise InvalidTransition(_("This application can no longer be withdrawn."))
        _transition(application, ApplicationStatus.WITHDRAWN, by=by, note=reason)
    return application


def accept_application(*, application: Application, by) -> Application:
    with transaction.atomic():
        application = _locked(application)
        if application.status != ApplicationStatus.SUBMITTED:
            raise InvalidTransition(_("Only submitted applications can be accepted."))
        _transition(application, ApplicationStatus.ACCEPTED, by=by)
    return application


def reject_application(*, application: Application, by, reason: str) -> Application:
    if not reason.strip():
        raise ApplicationError(_("Give the reason for the rejection: the city receives it."))
    with transaction.atomic():
        application = _locked(application)
        if application.status not in {ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED}:
            raise InvalidTransition(_("Only submitted or accepted applications can be rejected."))
        application.decision_reason = reason.strip()
        _transition(application, ApplicationStatus.REJECTED, by=by, note=reason.strip()[:500])
        _queue_to_applicant(application, "applications/email/rejected", "rejected")
    return application


def mark_paired(*, application: Application, by) -> Application:
    """A confirmed pairing holds the city: it can no longer be withdrawn."""
    with transaction.atomic():
        application = _locked(application)
        if application.status == ApplicationStatus.PAIRED:
            return application
        if application.status != ApplicationStatus.ACCEPTED:
            raise InvalidTransition(_("Only accepted applications can be paired."))
        _transition(application, ApplicationStatus.PAIRED, by=by)
    return application


def mark_unpaired(*, application: Application, by) -> Application:
    """Its last pairing was dissolved: the city is free to be paired again."""
    with transaction.atomic():
        application = _locked(application)
        if application.status == ApplicationStatus.PAIRED:
            _transition(application, ApplicationStatus.ACCEPTED, by=by, note="pairing dissolved")
    return application


def grant_extension(
    *, application: Application, by, until: datetime, reason: str, now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    if not reason.strip():
        raise ApplicationError(_("Give the reason for the extension."))
    if until <= now:
        raise ApplicationError(_("An extension must end in the future."))
    with transaction.atomic():
        application = _locked(application)
        if application.status != ApplicationStatus.DRAFT:
            raise InvalidTransition(_("Only a draft can be given more time."))
        application.extension_until = until
        application.extension_reason = reason.strip()[:300]
        application.extension_granted_by = by
        application.save(
            update_fields=[
                "extension_until",
                "extension_reason",
                "extension_granted_by",
                "updated_at",
            ]
        )
    return application


# --- Assessment and clarifications -------------------------------------------------
# Who may ask (an assigned assessor, the assessment lead) is the assessments app's
# rule; these functions hold the application's side: what reopens, until when, and
# that nothing else changes.


def mark_under_assessment(*, application: Application, now: datetime | None = None) -> Application:
    """The first assessor is assigned: the applicant's timeline says so (once)."""
    if application.assessment_started_at is None:
        application.assessment_started_at = now or timezone.now()
        application.save(update_fields=["assessment_started_at", "updated_at"])
    return application


def ask_clarification(
    *,
    application: Application,
    by,
    question: str,
    section: str = "",
    until: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Clarification:
    """Ask the applicant a question; optionally reopen one section until `until`,
    even after the call's deadline. Everything else stays locked."""
    now = now or timezone.now()
    question = (question or "").strip()
    if not question:
        raise ApplicationError(_("Write the question for the applicant."))
    if len(question) > 3000:
        raise ApplicationError(_("Keep the question under 3,000 characters."))
    if section:
        if section not in SECTION_FIELDS:
            raise ApplicationError(_("Unknown section."))
        if until is None or until <= now:
            raise ApplicationError(_("A reopened section needs an end in the future."))
        if until > now + MAX_REOPENING:
            raise ApplicationError(
                _("A section can be reopened for at most %(days)s days.")
                % {"days": MAX_REOPENING.days}
            )
        if not (reason or "").strip():
            raise ApplicationError(_("Say why the section is reopened: it is kept for audit."))
    else:
        until, reason = None, ""
    with transaction.atomic():
        application = _locked(application)
        if application.status != ApplicationStatus.SUBMITTED:
            raise InvalidTransition(_("Questions can only be asked about a submitted application."))
        if section and any(
            c.reopens_section_at(now) for c in application.clarifications.all()
        ):
            raise InvalidTransition(
                _("A section of this application is already reopened; wait for the answer.")
            )
        clarification = Clarification.objects.create(
            application=application,
            question=question,
            asked_by=by,
            asked_at=now,
            section=section,
            reopen_until=until,
            reopen_reason=reason.strip()[:500],
            section_before=section_text(application, section) if section else "",
        )
        to, preferred = _recipient(application)
        if to:
            language = (preferred or "en")[:2]
            with translation.override(language):
                context = {
                    **email_context(application),
                    "question": question,
                    "section": str(SECTION_TITLES.get(section, "")),
                    "until": formats.date_format(
                        until.astimezone(application.call.tz), "DATETIME_FORMAT"
                    )
                    if until
                    else "",
                }
            queue_email(
                to=to,
                template="applications/email/clarification",
                language=language,
                idempotency_key=f"clarification:{clarification.pk}:asked",
                context=context,
            )
    return clarification


def update_reopened_section(
    *,
    application: Application,
    by,
    section: str,
    changes: dict | None = None,
    theme_slugs: Sequence[str] | None = None,
    members: Sequence[tuple[str, int]] | None = None,
    region_slugs: Iterable[str] | None = None,
    letter=None,
    now: datetime | None = None,
) -> Application:
    """Change the one section a clarification reopened, before its end; nothing else."""
    now = now or timezone.now()
    given = {
        name
        for name, value in {
            "theme_slugs": theme_slugs,
            "members": members,
            "region_slugs": region_slugs,
            "letter": letter,
        }.items()
        if value is not None
    }
    with transaction.atomic():
        application = _locked(application)
        _open_clarification_for(application, section, now)
        if not given <= SECTION_EXTRAS.get(section, frozenset()):
            raise ApplicationError(_("Only the reopened section can be changed."))
        changes = dict(changes or {})
        if "country" in changes and str(changes.pop("country")) != application.country.code:
            raise ApplicationError(_("The country of an application cannot change."))
        allowed = SECTION_FIELDS[section] - {"country"}
        if set(changes) - allowed:
            raise ApplicationError(_("Only the reopened section can be changed."))
        _apply_changes(
            application,
            allowed=allowed,
            changes=changes,
            theme_slugs=theme_slugs,
            members=members,
            region_slugs=region_slugs,
            letter=letter,
        )
    return application


MAX_REOPENING = timedelta(days=60)


def answer_clarification(
    *, clarification: Clarification, by, answer: str, now: datetime | None = None
) -> Clarification:
    """The applicant answers (and so resubmits a reopened section, which locks again)."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError(_("Write your answer."))
    with transaction.atomic():
        clarification = (
            Clarification.objects.select_for_update()
            .select_related("application__call", "asked_by")
            .get(pk=clarification.pk)
        )
        application = clarification.application
        if application.owner_id != getattr(by, "pk", None):
            raise ApplicationError(_("Only the applicant can answer."))
        if clarification.state != Clarification.State.OPEN:
            raise InvalidTransition(_("This question is already answered."))
        if clarification.section and now >= clarification.reopen_until:
            raise DeadlinePassed(
                _("The time to change this section has passed; contact the programme team.")
            )
        clarification.answer = answer[:5000]
        clarification.answered_at = now
        clarification.answered_by = by
        clarification.state = Clarification.State.ANSWERED
        if clarification.section:
            clarification.section_after = section_text(application, clarification.section)
            # The section changed: the application's PDF shows what it says now.
            queue_pdf(application.pk)
        clarification.save()
        asker = clarification.asked_by
        queue_email(
            to=asker.email,
            template="applications/email/clarification_answered",
            language=(asker.language or "en")[:2],
            idempotency_key=f"clarification:{clarification.pk}:answered",
            context={"city": application.city_name, "call": application.call.name,
                     "question": clarification.question, "answer": clarification.answer},
        )  # fmt: skip
    return clarification


def _open_clarification_for(application, section, now) -> Clarification:
    for clarification in application.clarifications.all():
        if section and clarification.reopens_section_at(now) == section:
            return clarification
    raise DeadlinePassed(
        _("This section is not open for changes: the application is submitted and locked.")
    )


def reopened_section(application: Application, *, now: datetime | None = None) -> str:
    """The section the applicant may change now, or ""."""
    now = now or timezone.now()
    for clarification in application.clarifications.all():
        if clarification.reopens_section_at(now):
            return clarification.section
    return ""


# --- PDF -------------------------------------------------------------------------


def request_application_pdf(*, application: Application) -> None:
    """Prepare the PDF again (after a broker outage, say); a draft has none."""
    if application.status == ApplicationStatus.DRAFT:
        raise InvalidTransition(_("A draft has no PDF yet: submit it first."))
    queue_pdf(application.pk)


def render_application_pdf(*, application_id: int) -> bool:
    """Render the PDF unless the application has not changed since the last one."""
    application = Application.objects.select_related("call", "owner").get(pk=application_id)
    return store_pdf_if_changed(
        application,
        template_name="applications/pdf/application.html",
        context=pdf_context(application),
        language=application.owner.language if application.owner else "en",
        filename="application.pdf",
    )


def pdf_context(application: Application) -> dict:
    """What the review page, the detail page and the PDF show of an application."""
    members = list(application.municipalities.all())
    return {
        "application": application,
        "call": application.call,
        "themes": [choice.theme for choice in application.theme_choices.select_related("theme")],
        "members": members,
        "group_total": group_total(members),
        "regions": list(application.preferred_regions.all()),
        "languages": [language_name(code) for code in application.languages],
    }


def group_total(members) -> int | None:
    """The inhabitants of a group's member municipalities together (None without any)."""
    return sum(m.population for m in members) if members else None


def language_name(code: str) -> str:
    try:
        return translation.get_language_info(code)["name_translated"]
    except KeyError:
        return code


# --- Helpers ---------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call").get(pk=application.pk)


def _ensure_editable(application: Application, now: datetime | None) -> None:
    now = now or timezone.now()
    if application.status != ApplicationStatus.DRAFT:
        raise InvalidTransition(_("Only a draft can be changed."))
    if not is_on_time(now, application.deadline):
        raise DeadlinePassed(
            _deadline_message(application.call.last_minute, application.call.time_zone, True)
        )


def _save_unique(application: Application) -> None:
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        if "one_application_per_city" not in str(error):
            raise
        raise DuplicateApplication(
            _("%(city)s (%(country)s) has already applied to this call.")
            % {"city": application.city_name, "country": application.country.code}
        ) from error


def _transition(application: Application, to_status: str, *, by, note: str = "") -> None:
    previous = application.status
    application.status = to_status
    application.save()
    _record(application, to_status, by=by, previous=previous, note=note)


def _record(application, to_status, *, by, previous, note=""):
    StatusChange.objects.create(
        application=application,
        from_status=previous,
        to_status=to_status,
        by=by if getattr(by, "pk", None) else None,
        note=note[:500],
    )


def _deadline_message(last_minute, time_zone, closed: bool) -> str:
    when = last_minute.strftime("%Y-%m-%d %H:%M")
    if closed:
        return _(
            "The deadline has passed (%(when)s, %(tz)s): applications can no longer be "
            "changed or submitted."
        ) % {"when": when, "tz": time_zone}
    return _("This call is not open for applications.")


def _recipient(application: Application) -> tuple[str, str]:
    if application.owner:
        return application.owner.email, application.owner.language
    return application.contact_email, ""


def _queue_confirmation(application: Application, *, language: str | None) -> None:
    _queue_to_applicant(application, "applications/email/submitted", "submitted", language=language)


def _queue_to_applicant(application, template, event, *, language=None):
    to, preferred = _recipient(application)
    if not to:
        return
    # The recipient's own language first: e-mails never follow the language of the
    # request (a staff member's, or another city's) that happened to cause them.
    language = (preferred or language or "en")[:2]
    with translation.override(language):
        context = email_context(application)
    queue_email(
        to=to,
        template=template,
        language=language,
        idempotency_key=f"application:{application.pk}:{event}",
        context=context,
    )


def email_context(application: Application) -> dict:
    """What the e-mails show: plain values only (kept in the outbox as JSON)."""
    return {
        "application_id": application.pk,
        "city": application.city_name,
        "country": str(application.country.name),
        "call": application.call.name,
        "status": str(application.get_status_display()),
        "submitted_at": formats.date_format(
            application.submitted_at.astimezone(application.call.tz), "DATETIME_FORMAT"
        )
        if application.submitted_at
        else "",
        "time_zone": application.call.time_zone,
        "themes": [
            str(choice.theme) for choice in application.theme_choices.select_related("theme")
        ],
        "population": application.population,
        "members": [(m.name, m.population) for m in application.municipalities.all()],
        "reason": application.decision_reason,
        "dashboard_url": absolute_url(reverse("applications:detail", args=[application.pk])),
    }


def pdf_job_key(application_id: int) -> str:
    return f"application-pdf:{application_id}"


def queue_pdf(application_id: int) -> None:
    """Record the PDF job (in the caller's transaction) and publish it after commit;
    the jobs sweeper re-queues it if the broker or a worker loses it."""
    queue_job(key=pdf_job_key(application_id), task="applications.tasks.render_application_pdf",
              args=[application_id])
