"""Assessor and lead pages. Views parse the request, call a service and say what
happened; every object comes through a selector scoped to the signed-in user."""

from functools import wraps

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import services as application_services
from applications.models import Application, Call
from iuc_portal.core.downloads import private_pdf_response

from . import selectors, services
from .forms import (
    AssignForm,
    ClarificationForm,
    ConflictForm,
    DecisionForm,
    RankFilterForm,
    ScoreForm,
)
from .models import Assignment
from .roles import is_assessor, is_lead


def assessor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_assessor(request.user) or is_lead(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def lead_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_lead(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Assessors ---------------------------------------------------------------------


@assessor_required
def mine(request):
    return render(
        request,
        "assessments/mine.html",
        {"assignments": selectors.assignments_for(request.user), "is_lead": is_lead(request.user)},
    )


def _own_assignment(request, pk) -> Assignment:
    try:
        return selectors.assignment_for(request.user, pk)
    except Assignment.DoesNotExist as error:
        raise Http404 from error


@assessor_required
def assess(request, pk):
    assignment = _own_assignment(request, pk)
    application = assignment.application
    criteria = selectors.criteria_for(application.call)
    scores = {s.criterion_id: s for s in assignment.scores.all()}
    form = ScoreForm(request.POST or None, criteria=criteria, scores=scores)
    editable = assignment.state == Assignment.State.ASSIGNED
    if request.method == "POST" and editable and form.is_valid():
        try:
            services.save_scores(assignment=assignment, by=request.user, scores=form.scores())
            if "submit" in request.POST:
                services.submit_assessment(assignment=assignment, by=request.user)
        except services.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            if "submit" in request.POST:
                messages.success(request, _("Your assessment is submitted."))
            else:
                messages.success(request, _("Your scores are saved as a draft."))
            return redirect("assessments:assess", pk=pk)
    return render(
        request,
        "assessments/assess.html",
        {
            "assignment": assignment,
            "application": application,
            "call": application.call,
            "form": form,
            "others": selectors.other_assessments(assignment),
            "own_scores": assignment.scores.select_related("criterion"),
            "clarifications": selectors.clarifications_with_diff(application),
            "clarification_form": ClarificationForm(),
            **application_services.pdf_context(application),
        },
    )


@assessor_required
def conflict(request, pk):
    assignment = _own_assignment(request, pk)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_conflict(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.AssessmentError as error:
            messages.error(request, error.message)
            return redirect("assessments:assess", pk=pk)
        messages.success(
            request, _("Conflict of interest declared: the application is no longer yours.")
        )
        return redirect("assessments:mine")
    return render(request, "assessments/conflict.html", {"assignment": assignment, "form": form})


@login_required
@require_POST
def ask(request, pk):
    """An assessor of the application or the lead asks the applicant a question."""
    if is_lead(request.user):
        application = _lead_application(request, pk)
        back = redirect("assessments:lead_application", pk=pk)
    elif is_assessor(request.user):
        application = _own_assignment(request, pk).application
        back = redirect("assessments:assess", pk=pk)
    else:
        raise PermissionDenied
    form = ClarificationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    data = form.cleaned_data
    try:
        services.ask_applicant(
            application=application, by=request.user, question=data["question"],
            section=data["section"], until=data["until"], reason=data["reason"],
        )  # fmt: skip
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The question is sent to the applicant."))
    return back


@login_required
def letter(request, pk):
    """The signed letter, for an assessor of the application or the lead."""
    if is_lead(request.user):
        application = _lead_application(request, pk)
    elif is_assessor(request.user):
        application = _own_assignment(request, pk).application
    else:
        raise PermissionDenied
    if not application.commitment_letter:
        raise Http404
    return private_pdf_response(
        application.commitment_letter, f"IUC-letter-of-commitment-{application.pk}.pdf"
    )


# --- Lead --------------------------------------------------------------------------


def _lead_application(request, pk) -> Application:
    try:
        return selectors.lead_application(request.user, pk)
    except Application.DoesNotExist as error:
        raise Http404 from error


@lead_required
def calls(request):
    return render(
        request, "assessments/calls.html", {"calls": selectors.calls_for_lead(request.user)}
    )


@lead_required
def ranked(request, call_slug):
    call = get_object_or_404(Call, slug=call_slug)
    filters = RankFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.ranked_applications(
        request.user, call, **{k: v for k, v in criteria.items() if v}
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/ranked.html",
        {
            "call": call,
            "scheme": selectors.scheme_for(call),
            "filters": filters,
            "page": page,
            "rank_offset": page.start_index() - 1 if page.paginator.count else 0,
            "query": query.urlencode(),
        },
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@lead_required
def export(request, call_slug, fmt):
    if fmt not in EXPORT_TYPES:
        raise Http404
    call = get_object_or_404(Call, slug=call_slug)
    filters = RankFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.ranked_applications(
        request.user, call, **{k: v for k, v in criteria.items() if v}
    )
    data = tablib.Dataset(
        headers=["rank", "id", "city", "country", "side", "status", "mean", "scores",
                 "spread", "disagreement", "submitted", "open", "conflicts"]
    )  # fmt: skip
    for rank, row in enumerate(rows, start=1):
        data.append([
            rank, row.pk, _safe(row.city_name), row.country.code, row.side, row.status,
            row.mean_score and round(float(row.mean_score), 2),
            " | ".join(str(a.weighted_score) for a in row.submitted_assessments),
            row.spread and float(row.spread), "yes" if row.disagreement else "no",
            row.submitted_count, row.open_count, row.conflict_count,
        ])  # fmt: skip
    content = data.export(fmt)
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="assessment-{call.slug}-{stamp}.{fmt}"'
    return response


def _safe(text: str) -> str:
    """A city's name never runs as a spreadsheet formula."""
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


@lead_required
def lead_application(request, pk):
    application = _lead_application(request, pk)
    assignments = selectors.assignments_of(application)
    taken = {a.assessor_id for a in assignments}
    return render(
        request,
        "assessments/lead_application.html",
        {
            "application": application,
            "call": application.call,
            "assignments": assignments,
            "criteria": selectors.criteria_for(application.call),
            "assign_form": AssignForm(assessors=selectors.assessors().exclude(pk__in=taken)),
            "clarifications": selectors.clarifications_with_diff(application),
            "clarification_form": ClarificationForm(),
            "decision_form": DecisionForm(),
            **application_services.pdf_context(application),
        },
    )


@lead_required
@require_POST
def assign(request, pk):
    application = _lead_application(request, pk)
    form = AssignForm(request.POST, assessors=selectors.assessors())
    if not form.is_valid():
        messages.error(request, _("Choose an assessor."))
    else:
        try:
            services.assign_assessor(
                application=application, assessor=form.cleaned_data["assessor"], by=request.user
            )
        except services.AssessmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(user)s is assigned.") % {"user": form.cleaned_data["assessor"]}
            )
    return redirect("assessments:lead_application", pk=pk)


@lead_required
@require_POST
def third(request, pk):
    application = _lead_application(request, pk)
    try:
        assignment = services.request_additional_assessment(
            application=application, by=request.user
        )
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Another assessment is asked of %(user)s.") % {"user": assignment.assessor}
        )
    return redirect("assessments:lead_application", pk=pk)


@lead_required
@require_POST
def decide(request, pk):
    application = _lead_application(request, pk)
    form = DecisionForm(request.POST)
    back = request.POST.get("next") == "ranked"
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to reject."))
    else:
        try:
            services.decide_application(
                application=application, by=request.user,
                decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except services.AssessmentError as error:
            messages.error(request, f"{application}: {error.message}")
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("%(city)s: %(status)s.")
                % {"city": application, "status": application.get_status_display()},
            )
    if back:
        return redirect("assessments:ranked", call_slug=application.call.slug)
    return redirect("assessments:lead_application", pk=pk)


@lead_required
@require_POST
def auto_assign(request, call_slug):
    call = get_object_or_404(Call, slug=call_slug)
    try:
        created = services.auto_assign(call=call, by=request.user)
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(count)s assignments made; each assessor with new work got an e-mail.")
            % {"count": len(created)},
        )
    return redirect("assessments:ranked", call_slug=call.slug)
