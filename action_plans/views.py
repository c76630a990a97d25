"""Local Action Plan pages. Reads go through selectors scoped to the user (own plan and
the partner's); writes through services, which refuse anyone but the city's officials."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iuc_portal.core.downloads import private_pdf_response

from . import selectors, services
from .forms import (
    EvidenceForm,
    MilestoneForm,
    MouForm,
    NewMilestoneForm,
    PilotProjectForm,
    SectionsForm,
)


def _plan(request, pk, *, for_edit=False):
    plan = get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)
    if for_edit and not services.can_edit(request.user, plan):
        raise PermissionDenied
    return plan


@login_required
def plan_list(request):
    plans = selectors.plans_with_milestones(selectors.plans_visible_to(request.user))
    rows = [
        {"plan": plan, "progress": services.progress_of(plan.milestones.all()),
         "own": plan.application.owner_id == request.user.pk}
        for plan in plans.order_by("pairing__call__name", "pairing_id", "application__side")
    ]
    feed_url = None
    if any(row["own"] for row in rows):
        feed = services.ensure_calendar_feed(user=request.user)
        feed_url = request.build_absolute_uri(
            reverse("action_plans:calendar", args=[feed.token])
        )
    return render(request, "action_plans/list.html", {"rows": rows, "feed_url": feed_url})


@login_required
@require_POST
def reset_calendar(request):
    services.reset_calendar_feed(user=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("action_plans:list")


def calendar_feed(request, token):
    """The official's milestones for their calendar app: the secret address is the key."""
    user = selectors.feed_owner(token)
    if user is None:
        raise Http404
    from .calendar import milestones_calendar

    response = HttpResponse(
        milestones_calendar(selectors.feed_milestones(user)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="iuc-milestones.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def detail(request, pk):
    plan = _plan(request, pk)
    milestones = list(selectors.milestones_for(plan))
    today = timezone.localdate()
    partner = selectors.partner_plan(plan)
    editable = services.can_edit(request.user, plan)
    return render(request, "action_plans/detail.html", {
        "plan": plan,
        "editable": editable,
        "milestones": [
            {"milestone": m, "overdue": m.is_overdue(today),
             "form": MilestoneForm(initial={"status": m.status, "progress": m.progress,
                                            "note": m.note}, prefix=f"m{m.pk}")}
            for m in milestones
        ],
        "timeline": selectors.timeline(plan, today),
        "progress": services.progress_of(milestones),
        "overdue_count": sum(m.is_overdue(today) for m in milestones),
        "partner": partner,
        "partner_progress": services.progress_of(partner.milestones.all()) if partner else None,
        "new_milestone_form": NewMilestoneForm(),
        "pdf_pending": plan.pdf_requested_fingerprint
        and plan.pdf_requested_fingerprint != plan.pdf_fingerprint,
        "today": today,
    })


@login_required
@require_POST
def update_milestone(request, pk, milestone_id):
    plan = _plan(request, pk, for_edit=True)
    milestone = get_object_or_404(plan.milestones, pk=milestone_id)
    form = MilestoneForm(request.POST, prefix=f"m{milestone.pk}")
    if form.is_valid():
        services.update_milestone(milestone=milestone, by=request.user, **form.cleaned_data)
        messages.success(request, _("“%(title)s” is updated.") % {"title": milestone.title})
    else:
        messages.error(request, _("The milestone was not saved: %(errors)s") % {
            "errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect(reverse("action_plans:detail", args=[plan.pk]) + f"#milestone-{milestone.pk}")


@login_required
def milestone(request, pk, milestone_id):
    plan = _plan(request, pk)
    milestone = get_object_or_404(plan.milestones.prefetch_related("evidence"), pk=milestone_id)
    editable = services.can_edit(request.user, plan)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_evidence(milestone=milestone, by=request.user,
                                      upload=form.cleaned_data["file"],
                                      title=form.cleaned_data["title"])
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, _("The document is added."))
                return redirect("action_plans:milestone", pk=plan.pk, milestone_id=milestone.pk)
    history = milestone.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "action_plans/milestone.html", {
        "plan": plan, "milestone": milestone, "form": form, "editable": editable,
        "history": history, "overdue": milestone.is_overdue(),
    })


@login_required
def evidence_file(request, pk, evidence_id):
    plan = _plan(request, pk)
    evidence = get_object_or_404(
        selectors.evidence_of(plan), pk=evidence_id
    )
    return private_pdf_response(evidence.file, f"evidence-{evidence.pk}.pdf")


@login_required
@require_POST
def add_milestone(request, pk):
    plan = _plan(request, pk, for_edit=True)
    form = NewMilestoneForm(request.POST)
    if form.is_valid():
        services.add_milestone(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, _("The milestone is added."))
    else:
        messages.error(request, _("Give the milestone a title and a due date."))
    return redirect("action_plans:detail", pk=plan.pk)


@login_required
def edit_sections(request, pk):
    plan = _plan(request, pk, for_edit=True)
    initial = {name: getattr(plan, name) for name in services.SECTION_FIELDS}
    form = SectionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_sections(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, _("The plan is saved."))
        return redirect("action_plans:detail", pk=plan.pk)
    return render(request, "action_plans/form.html", {
        "plan": plan, "form": form, "title": _("Context, objectives and actions")})


@login_required
def pilot(request, pk, pilot_id=None):
    plan = _plan(request, pk, for_edit=True)
    project = get_object_or_404(plan.pilot_projects, pk=pilot_id) if pilot_id else None
    initial = {name: getattr(project, name) for name in services.PILOT_FIELDS} if project else {}
    form = PilotProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_pilot_project(plan=plan, by=request.user, pilot=project,
                                    **form.cleaned_data)
        messages.success(request, _("The pilot project is saved."))
        return redirect(reverse("action_plans:detail", args=[plan.pk]) + "#pilots")
    return render(request, "action_plans/form.html", {
        "plan": plan, "form": form,
        "title": _("Edit the pilot project") if project else _("Add a pilot project")})


@login_required
def add_mou(request, pk):
    plan = _plan(request, pk, for_edit=True)
    form = MouForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_mou(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, _("The memorandum of understanding is recorded."))
        return redirect(reverse("action_plans:detail", args=[plan.pk]) + "#mous")
    return render(request, "action_plans/form.html", {
        "plan": plan, "form": form, "title": _("Record a memorandum of understanding")})


@login_required
@require_POST
def prepare_pdf(request, pk):
    plan = _plan(request, pk)
    queued = services.request_plan_pdf(plan=plan, by=request.user,
                                       language=translation.get_language() or "en")
    if queued:
        messages.info(request, _("The PDF is being prepared; this page offers it when ready."))
    else:
        messages.info(request, _("The PDF below is up to date."))
    return redirect(reverse("action_plans:detail", args=[plan.pk]) + "#export")


@login_required
def pdf_status(request, pk):
    plan = _plan(request, pk)
    plan.refresh_from_db(fields=["pdf", "pdf_fingerprint", "pdf_requested_fingerprint"])
    ready = bool(plan.pdf) and plan.pdf_fingerprint == plan.pdf_requested_fingerprint
    return JsonResponse({"ready": ready,
                         "url": reverse("action_plans:pdf", args=[pk]) if ready else None})


@login_required
def pdf(request, pk):
    plan = _plan(request, pk)
    if not plan.pdf:
        raise Http404
    name = f"Local-Action-Plan-{plan.application.city_name}.pdf".replace(" ", "-")
    return private_pdf_response(plan.pdf, name)
