"""Local Action Plan pages. Reads go through selectors scoped to the user (own plan and
the partner's); writes through services, which refuse anyone but the city's officials."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iuc_portal.core.downloads import private_pdf_response
from iuc_portal.jobs.services import progress as job_progress

from . import fragments, selectors, services
from .forms import (
    EditMilestoneForm,
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


PLANS_PER_PAGE = 50


@login_required
def plan_list(request):
    """The plans this user may open (staff: all of them), a page at a time, searchable."""
    plans = selectors.plans_visible_to(request.user)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        plans = selectors.search_plans(plans, query)
    plans = selectors.plans_with_milestones(
        plans.order_by("pairing__call__name", "pairing_id", "application__side")
    )
    page = Paginator(plans, PLANS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"plan": plan, "progress": services.progress_of(plan.milestones.all()),
         "own": plan.application.owner_id == request.user.pk}
        for plan in page.object_list
    ]
    feed_url = None
    if any(row["own"] for row in rows):
        feed = services.ensure_calendar_feed(user=request.user)
        feed_url = request.build_absolute_uri(
            reverse("action_plans:calendar", args=[feed.token])
        )
    return render(request, "action_plans/list.html", {
        "rows": rows, "page": page, "query": query, "feed_url": feed_url,
        "searchable": bool(query) or page.paginator.num_pages > 1 or request.user.is_staff,
    })


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

    # A calendar app sends no language of its own: the feed is in the official's.
    language = user.language if user.language in dict(settings.LANGUAGES) else "en"
    with translation.override(language):
        body = milestones_calendar(selectors.feed_milestones(user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="iuc-milestones.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def detail(request, pk):
    plan = selectors.plan_for_page(request.user, pk)
    if plan is None:
        raise Http404
    page = selectors.plan_page(plan)
    milestones = page.milestones
    today = timezone.localdate()
    partner = page.partner
    editable = services.can_edit(request.user, plan)
    pdf_pending = bool(plan.pdf_requested_fingerprint
                       and plan.pdf_requested_fingerprint != plan.pdf_fingerprint)
    timeline = selectors.timeline(plan, today, milestones)
    status = MilestoneForm.base_fields["status"]
    milestone_list = fragments.render_cached("action_plans/_milestone_list.html", {
        "plan": {"pk": plan.pk},
        "editable": editable,
        "milestones": fragments.milestone_rows(milestones, today, plan.start_date),
        # The update form of each milestone is written out in _milestone_list.html from
        # these (MilestoneForm validates what it posts).
        "status_choices": [(value, str(label)) for value, label in status.choices],
        "status_label": str(status.label),
        "progress_label": str(MilestoneForm.base_fields["progress"].label),
        "note_label": str(MilestoneForm.base_fields["note"].label),
    }, request=request)
    return render(request, "action_plans/detail.html", {
        "plan": plan,
        "editable": editable,
        "milestone_list": milestone_list,
        "timeline_html": fragments.render_cached(
            "action_plans/_timeline.html", {"timeline": timeline},
            key_data=fragments.timeline_key(timeline)),
        "progress": services.progress_of(milestones),
        "overdue_count": sum(m.is_overdue(today) for m in milestones),
        "pilot_projects": page.pilot_projects,
        "mous": page.mous,
        "partner": partner,
        "partner_html": fragments.render_cached(
            "action_plans/_partner_plan.html",
            fragments.partner_context(partner, services.progress_of(partner.milestones)),
        ) if partner else "",
        "new_title_label": NewMilestoneForm.base_fields["title"].label,
        "new_due_date_label": NewMilestoneForm.base_fields["due_date"].label,
        "pdf_pending": pdf_pending,
        # The job's progress matters only while a PDF is being prepared.
        "pdf_progress": _pdf_progress(plan) if pdf_pending else None,
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
    return _milestone_page(request, plan, milestone, editable=editable, form=form)


def _milestone_page(request, plan, milestone, *, editable, form=None, edit_form=None):
    history = milestone.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "action_plans/milestone.html", {
        "plan": plan, "milestone": milestone, "form": form or EvidenceForm(),
        "edit_form": edit_form or EditMilestoneForm(
            initial={"title": milestone.title, "due_date": milestone.due_date}),
        "editable": editable, "history": history, "overdue": milestone.is_overdue(),
    })


@login_required
@require_POST
def edit_milestone(request, pk, milestone_id):
    plan = _plan(request, pk, for_edit=True)
    milestone = get_object_or_404(plan.milestones, pk=milestone_id)
    form = EditMilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.edit_milestone(milestone=milestone, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” is updated.") % {"title": milestone.title})
            return redirect("action_plans:milestone", pk=plan.pk, milestone_id=milestone.pk)
    milestone.refresh_from_db()
    return _milestone_page(request, plan, milestone, editable=True, edit_form=form)


@login_required
@require_POST
def delete_milestone(request, pk, milestone_id):
    plan = _plan(request, pk, for_edit=True)
    milestone = get_object_or_404(plan.milestones, pk=milestone_id)
    try:
        services.delete_milestone(milestone=milestone, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("action_plans:milestone", pk=plan.pk, milestone_id=milestone.pk)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": milestone.title})
    return redirect(reverse("action_plans:detail", args=[plan.pk]) + "#milestones")


def _add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError, shown beside the form's field it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
        try:
            services.add_milestone(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
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
        try:
            services.add_mou(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
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
                         "url": reverse("action_plans:pdf", args=[pk]) if ready else None,
                         "progress": None if ready else _pdf_progress(plan)})


def _pdf_progress(plan) -> str | None:
    return job_progress(services.pdf_job_key(plan.pk, translation.get_language() or "en"))


@login_required
def pdf(request, pk):
    plan = _plan(request, pk)
    if not plan.pdf:
        raise Http404
    name = f"Local-Action-Plan-{plan.application.city_name}.pdf".replace(" ", "-")
    return private_pdf_response(plan.pdf, name)
