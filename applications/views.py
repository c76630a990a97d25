"""Applicant pages. Views parse the request, call a service and say what happened;
every application is fetched through a selector scoped to the signed-in user."""

from datetime import timedelta
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iuc_portal.core.downloads import private_pdf_response
from iuc_portal.core.fragments import render_cached
from iuc_portal.geography import EU_MEMBER_STATES
from iuc_portal.jobs.services import progress as job_progress
from pairings.selectors import proposal_titles_for

from . import selectors, services
from .eligibility import declared_population_differs, is_ineligible
from .forms import (
    MAX_MEMBERS,
    SECTION_BY_SLUG,
    SECTIONS,
    AnswerForm,
    CityForm,
    WithdrawForm,
    member_formset,
    member_rows_from,
    next_section,
)
from .geonames import known_population
from .models import ApplicationStatus, Call


@login_required
def dashboard(request):
    user = request.user
    language = translation.get_language()
    return render(request, "applications/dashboard.html", {"content": _dashboard_content(
        user.pk, language, timezone.get_current_timezone_name(), get_script_prefix(),
        applications=tuple(selectors.dashboard_applications(user)),
        questions=tuple(selectors.dashboard_questions(user)),
        proposals=tuple(proposal_titles_for(user)),
        open_calls=_open_calls_html(language, tuple(selectors.open_call_rows())),
    )})


@lru_cache(maxsize=512)
def _dashboard_content(user_pk, language, time_zone, script_prefix, *, applications,
                       questions, proposals, open_calls) -> str:
    """One official's dashboard, rendered from its arguments alone (no request: no token,
    nothing else of the session) and kept under them. The rows are read from the database
    on every request, so a change shows at once in every worker; language, time zone and
    URL prefix are the rest of what the HTML depends on."""
    return render_to_string("applications/_dashboard.html", {
        "applications": applications, "questions": questions,
        "open_proposals": proposals, "open_calls_html": open_calls,
    })


@lru_cache(maxsize=64)
def _open_calls_html(language: str, calls: tuple[selectors.OpenCall, ...]) -> str:
    """The dashboard's open calls, the same for everyone: rendered once per language and
    per state of the open calls."""
    if not calls:
        return ""
    return render_to_string("applications/_open_calls.html", {"open_calls": [
        Call(slug=c.slug, name=c.name, closes_at=c.closes_at, time_zone=c.time_zone)
        for c in calls
    ]})


@login_required
def start(request, call_slug):
    """The first section of a new application; an existing one is resumed instead."""
    call = get_object_or_404(Call, slug=call_slug)
    existing = selectors.draft_for(request.user, call)
    if existing:
        return redirect("applications:detail", pk=existing.pk)
    if not call.is_open:
        return render(request, "applications/closed.html", {"call": call}, status=403)

    if "add_member" in request.POST:
        form, members = _with_another_member_row(request, call=call)
        return render(
            request,
            "applications/section.html",
            _section_context(call=call, application=None, form=form, members=members,
                             section="city"),
        )
    form = CityForm(request.POST or None, call=call)
    members = member_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and members.is_valid():
        data = form.cleaned_data
        try:
            application = services.start_application(
                call=call,
                by=request.user,
                country=data["country"],
                city_name=data["city_name"],
                changes={k: v for k, v in data.items() if k not in {"country", "city_name"}},
                members=members.members() if data["is_group"] else [],
            )
        except services.ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your draft is saved. Continue with the contact details."))
            return redirect("applications:edit", pk=application.pk, section="contact")
    return render(
        request,
        "applications/section.html",
        _section_context(call=call, application=None, form=form, members=members, section="city"),
    )


@login_required
def edit(request, pk, section):
    form_class = SECTION_BY_SLUG.get(section)
    if form_class is None:
        raise Http404
    application = selectors.application_to_edit(request.user, pk, section)
    if application is None:
        raise Http404
    reopened = (
        "" if application.is_editable else services.reopened_section(application) == section
    )
    if not application.is_editable and not reopened:
        messages.warning(request, _read_only_reason(application))
        return redirect("applications:detail", pk=application.pk)

    form = form_class(request.POST or None, request.FILES or None, application=application)
    members = None
    if form_class is CityForm:
        if "add_member" in request.POST:
            form, members = _with_another_member_row(request, application=application)
        else:
            members = member_formset(request.POST or None, application=application)
    if request.method == "POST" and "add_member" not in request.POST:
        valid = form.is_valid() and (members is None or members.is_valid())
        if valid:
            kwargs = form.service_kwargs()
            if members is not None:
                kwargs["members"] = members.members() if form.cleaned_data["is_group"] else []
            try:
                if reopened:
                    services.update_reopened_section(
                        application=application, by=request.user, section=section, **kwargs
                    )
                else:
                    services.update_draft(application=application, by=request.user, **kwargs)
            except ValidationError as error:
                form.add_error(None, error)
            except services.ApplicationError as error:
                form.add_error(None, error.message)
                if isinstance(error, services.DeadlinePassed):
                    messages.error(request, error.message)
                    return redirect("applications:detail", pk=application.pk)
            else:
                if reopened:
                    messages.success(
                        request,
                        _("The section is saved. Answer the question to send it back."),
                    )
                    return redirect("applications:detail", pk=application.pk)
                following = next_section(section)
                if "continue" in request.POST:
                    messages.success(request, _("Saved."))
                    if following:
                        return redirect("applications:edit", pk=application.pk, section=following)
                    return redirect("applications:review", pk=application.pk)
                messages.success(
                    request, _("Your draft is saved. You can come back to it at any time.")
                )
                return redirect("applications:edit", pk=application.pk, section=section)
    context = _section_context(
        call=application.call, application=application, form=form, members=members, section=section
    )
    context["reopened"] = reopened
    if request.method == "GET" and form_class is CityForm:
        context["form_html"] = _city_form_html(form, members, context)
    return render(request, "applications/section.html", context)


@login_required
def review(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "call": application.call,
            "problems": (problems := services.submission_problems(application)),
            "ineligible": is_ineligible(problems),
            "sections": _progress(application, "review"),
            "section": "review",
            **services.pdf_context(application),
        },
    )


@login_required
@require_POST
def submit(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    already = application.status == ApplicationStatus.SUBMITTED
    try:
        services.submit_application(
            application=application, by=request.user, language=translation.get_language()
        )
    except services.NotReady:
        if is_ineligible(services.submission_problems(application)):
            messages.error(request, _(
                "This application cannot be submitted: as entered, the city does not meet a "
                "rule of the call (see below). Correct the city section if a figure is wrong."
            ))
        else:
            messages.error(request, _(
                "This application cannot be submitted yet: some answers are missing (see "
                "below). Complete them, then submit again."
            ))
        return redirect("applications:review", pk=application.pk)
    except services.ApplicationError as error:
        messages.error(request, error.message)
        return redirect("applications:detail", pk=application.pk)
    if not already:
        messages.success(
            request,
            _(
                "Your application is submitted. A confirmation e-mail is on its way, and the PDF "
                "of your application will be ready here in a moment."
            ),
        )
    return redirect("applications:detail", pk=application.pk)


@login_required
def detail(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "call": application.call,
            "timeline": selectors.timeline_for(application),
            "clarifications": application.clarifications.all(),
            "reopened_section": services.reopened_section(application),
            "read_only_reason": None if application.is_editable else _read_only_reason(application),
            "can_withdraw": application.status
            in {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED},
            "pdf_progress": pdf_progress(application.pk),
            **services.pdf_context(application),
        },
    )


def pdf_progress(application_id: int) -> str | None:
    """None, "preparing", "slow", "failed" or "done" (see iuc_portal.jobs.services)."""
    return job_progress(services.pdf_job_key(application_id))


@login_required
@require_POST
def answer(request, pk, clarification_pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    clarification = get_object_or_404(application.clarifications, pk=clarification_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your answer."))
        return redirect("applications:detail", pk=application.pk)
    try:
        services.answer_clarification(
            clarification=clarification, by=request.user, answer=form.cleaned_data["answer"]
        )
    except services.ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: your answer is sent to the programme team."))
    return redirect("applications:detail", pk=application.pk)


@login_required
def withdraw(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The application is withdrawn."))
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


@login_required
def pdf(request, pk):
    application = get_object_or_404(selectors.documents_visible_to(request.user), pk=pk)
    if not application.pdf:
        raise Http404(_("The PDF is not ready yet."))
    return private_pdf_response(application.pdf, f"IUC-application-{application.pk}.pdf")


@login_required
def pdf_status(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    ready = bool(application.pdf)
    return JsonResponse({
        "ready": ready, "url": reverse("applications:pdf", args=[pk]) if ready else None,
        "progress": None if ready else pdf_progress(application.pk),
    })


@login_required
@require_POST
def prepare_pdf(request, pk):
    application = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    try:
        services.request_application_pdf(application=application)
    except services.InvalidTransition as error:
        raise Http404 from error
    messages.info(request, _("The PDF is being prepared."))
    return redirect("applications:detail", pk=application.pk)


@login_required
def letter(request, pk):
    application = get_object_or_404(selectors.documents_visible_to(request.user), pk=pk)
    if not application.commitment_letter:
        raise Http404
    return private_pdf_response(
        application.commitment_letter, f"IUC-letter-of-commitment-{application.pk}.pdf"
    )


# --- helpers ---------------------------------------------------------------------


def _formset_errors(members) -> list[dict]:
    """The member rows' errors for the error summary, each pointing at its field."""
    if members is None or not members.is_bound:
        return []
    errors = [{"field": None, "message": message} for message in members.non_form_errors()]
    for form in members.forms:
        for name, messages_ in form.errors.items():
            field = form[name] if name in form.fields else None
            errors.extend({"field": field, "message": message} for message in messages_)
    return errors


def _with_another_member_row(request, *, call=None, application=None):
    """Without JavaScript, "Add another municipality" posts the form: show it again with
    what was typed and one more row, unsaved and without error messages."""
    typed = {name: request.POST.get(name, "") for name in CityForm.base_fields}
    form = CityForm(initial=typed, call=call, application=application)
    rows, blank = member_rows_from(request.POST)
    members = member_formset(rows=rows, blank=blank, add_row=True)
    return form, members


def _city_form_html(form, members, context) -> str:
    """The unbound city section's fields and member rows, rendered once for their values
    (iuc_portal.core.fragments). Unbound, they show nothing but what the key holds: each
    field's initial value, label, help text and widget attributes (the latest year a
    figure can be from is one), the member rows and how many empty ones follow, the
    call's minimum and the group's total. The country list is the language's, which the
    key holds too. No token: the fields hold none."""
    assert not form.is_bound and not members.is_bound  # noqa: S101 - errors are never kept

    def fields(form_class, bound_form):
        return tuple(
            (name, str(field.label), str(field.help_text), field.required,
             sorted((k, str(v)) for k, v in field.widget.attrs.items()))
            for name, field in bound_form.fields.items()
        ) + (form_class.__module__, form_class.__qualname__)

    key = (
        fields(type(form), form), sorted(form.initial.items()),
        fields(members.form, members.empty_form), members.initial, members.extra,
        members.max_num, MAX_MEMBERS, context["call"].min_population, context["group_total"],
    )
    return render_cached("applications/_form_body.html", {
        "form": form, "members": members, "max_members": MAX_MEMBERS,
        "call": {"min_population": context["call"].min_population},
        "group_total": context["group_total"],
    }, key_data=key)


def _read_only_reason(application) -> str:
    if application.status != ApplicationStatus.DRAFT:
        return _("This application is %(status)s: it can no longer be changed.") % {
            "status": application.get_status_display().lower()
        }
    return _(
        "The deadline has passed (%(when)s, %(tz)s): this draft can no longer be changed or "
        "submitted."
    ) % {
        # Said as people say deadlines: the last minute that was still on time.
        "when": (application.deadline - timedelta(seconds=1))
        .astimezone(application.call.tz)
        .strftime("%Y-%m-%d %H:%M"),
        "tz": application.call.time_zone,
    }


def _progress(application, current: str) -> list[dict]:
    done = {
        "city": bool(application and application.city_name),
        "contact": bool(application and application.contact_name and application.signing_authority),
        "themes": bool(application and application.pk and application.theme_choices.exists()),
        "preferences": bool(application and application.pk and application.languages),
        "commitment": bool(
            application and application.commits_to_18_months and application.commitment_letter
        ),
    }
    steps = [
        {
            "slug": form.slug,
            "title": form.title,
            "done": done[form.slug],
            "current": form.slug == current,
        }
        for form in SECTIONS
    ]
    steps.append(
        {
            "slug": "review",
            "title": _("Review and submit"),
            "done": False,
            "current": current == "review",
        }
    )
    # Each other step is a link while the application can still be changed.
    linked = bool(application and application.pk and application.is_editable)
    for step in steps:
        step["url"] = None
        if linked and not step["current"]:
            step["url"] = (
                reverse("applications:review", args=[application.pk])
                if step["slug"] == "review"
                else reverse("applications:edit", args=[application.pk, step["slug"]])
            )
    return steps


def _section_context(*, call, application, form, members, section):
    problems = services.eligibility_problems(application) if application else []
    hint = None
    if application and not application.is_group and application.population:
        known = known_population(application.city_name, application.country.code)
        if known and declared_population_differs(application.population, known):
            hint = _(
                "GeoNames lists %(city)s with about %(known)s inhabitants, while you declared "
                "%(declared)s. Please check the figure (you can still submit it)."
            ) % {
                "city": application.city_name,
                "known": f"{known:,}",
                "declared": f"{application.population:,}",
            }
    return {
        "formset_errors": _formset_errors(members),
        "max_members": MAX_MEMBERS,
        "call": call,
        "application": application,
        "group_total": (
            services.group_total(application.municipalities.all()) if application else None
        ),
        "form": form,
        "members": members,
        "section": section,
        "sections": _progress(application, section),
        "problems": problems,
        "population_hint": hint,
        "eu_countries": " ".join(sorted(EU_MEMBER_STATES)),
        "partner_countries": " ".join(sorted(call.partner_country_codes)),
        "is_last": next_section(section) is None,
    }
