"""Staff pairing workflow in the admin: suggest, explain, lock/forbid, propose, confirm."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from applications.models import Application, Call, Side, Theme

from . import matching, selectors, services, wording
from .models import (
    MatchingSettings,
    MatchRun,
    PairDecision,
    Pairing,
    PairingStatus,
    PairingTransition,
    ProposalAnswer,
)


class RunForm(forms.Form):
    objective = forms.ChoiceField(
        label=gettext_lazy("Objective"),
        choices=[
            ("max-total", gettext_lazy("Best total score (max-total)")),
            ("fair", gettext_lazy("Fairest: pair as many as possible, best lowest score (fair)")),
        ],
    )
    min_score = forms.FloatField(
        label=gettext_lazy("Minimum score"),
        min_value=0,
        max_value=1,
        required=False,
        help_text=gettext_lazy("Empty: the call's setting."),
    )
    include_submitted = forms.BooleanField(
        label=gettext_lazy("Include submitted (not yet accepted) applications"), required=False
    )
    preferences = forms.ChoiceField(
        label=gettext_lazy("Stated preferences"),
        required=False,
        choices=[
            ("", gettext_lazy("The call's setting")),
            ("strict", gettext_lazy("Restrict the candidates")),
            ("relaxed", gettext_lazy("Relax: allow pairs outside them, with a strong penalty")),
        ],
    )


class ManualPairForm(forms.Form):
    eu_application = forms.ModelChoiceField(
        queryset=Application.objects.none(), label=gettext_lazy("EU city")
    )
    partner_application = forms.ModelChoiceField(
        queryset=Application.objects.none(), label=gettext_lazy("Partner city")
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Application.objects.filter(call=call, status__in=services.MATCHABLE).order_by(
            "country", "city_name"
        )
        self.fields["eu_application"].queryset = candidates.filter(side=Side.EU)
        self.fields["partner_application"].queryset = candidates.filter(side=Side.PARTNER)


class WhyNotForm(ManualPairForm):
    """Any EU city and any partner city of the call (candidates or not): the same
    choice as pairing two cities by hand."""


class ProposalAnswerInline(admin.TabularInline):
    model = ProposalAnswer
    extra = 0
    can_delete = False
    readonly_fields = ["application", "answer", "reason", "by", "at"]

    def has_add_permission(self, request, obj=None):
        return False


class PairingTransitionInline(admin.TabularInline):
    model = PairingTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Pairing)
class PairingAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__", "call", "status", "score_display", "start_date", "confirmed_at", "published_at",
    ]
    list_filter = ["call", "status"]
    search_fields = ["eu_application__city_name", "partner_application__city_name"]
    list_select_related = ["call", "eu_application", "partner_application"]
    readonly_fields = [
        "call",
        "eu_application",
        "partner_application",
        "status",
        "score",
        "components",
        "shared_themes",
        "match_run",
        "confirmed_by",
        "confirmed_at",
        "start_date",
        "proposed_by",
        "proposed_at",
        "respond_by",
        "reminder_sent_at",
        # Publication is the cities' own decision, taken on their partnership page.
        "eu_publication",
        "partner_publication",
        "published_at",
    ]
    inlines = [ProposalAnswerInline, PairingTransitionInline]
    actions = ["activate", "complete"]

    def has_add_permission(self, request):
        return False  # pairs are confirmed from the suggestion page or paired by hand there

    @admin.display(description=gettext_lazy("score"), ordering="score")
    def score_display(self, pairing):
        return "—" if pairing.score is None else f"{pairing.score:.2f}"

    def _move(self, request, queryset, to):
        for pairing in queryset:
            try:
                services.change_pairing_status(pairing=pairing, to=to, by=request.user)
            except services.PairingError as error:
                self.message_user(request, f"{pairing}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(p)s is now %(s)s.") % {"p": pairing, "s": PairingStatus(to).label.lower()},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Mark as active"), permissions=["change"])
    def activate(self, request, queryset):
        self._move(request, queryset, PairingStatus.ACTIVE)

    @admin.action(description=gettext_lazy("Mark as completed"), permissions=["change"])
    def complete(self, request, queryset):
        self._move(request, queryset, PairingStatus.COMPLETED)

    def get_urls(self):
        return [
            path(
                "<int:pk>/dissolve/",
                self.admin_site.admin_view(self.dissolve_view),
                name="pairings_pairing_dissolve",
            ),
            path(
                "waiting/",
                self.admin_site.admin_view(self.waiting_view),
                name="pairings_pairing_waiting",
            ),
            path(
                "<int:pk>/settle/",
                self.admin_site.admin_view(require_POST(self.settle_view)),
                name="pairings_pairing_settle",
            ),
        ] + super().get_urls()

    def waiting_view(self, request):
        """Proposals past their response deadline without both answers: staff decide."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = []
        for pairing in selectors.waiting_for_cities():
            answered = {a.application_id: a for a in pairing.answers.all()}
            rows.append(
                {
                    "pairing": pairing,
                    "eu_answer": answered.get(pairing.eu_application_id),
                    "partner_answer": answered.get(pairing.partner_application_id),
                }
            )
        return TemplateResponse(
            request,
            "admin/pairings/waiting.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Proposals waiting for cities"),
                "rows": rows,
                "can_change": self.has_change_permission(request),
                "default_days": services.DEFAULT_RESPONSE_DAYS,
            },
        )

    def settle_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        pairing = get_object_or_404(Pairing, pk=pk)
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "extend":
                days = _days(request.POST)
                services.extend_proposal(
                    pairing=pairing,
                    by=request.user,
                    respond_by=timezone.now() + timedelta(days=days),
                )
                done = _("%(p)s: the cities have %(n)s more days.") % {"p": pairing, "n": days}
            elif action == "confirm":
                services.confirm_proposal_anyway(pairing=pairing, by=request.user, reason=reason)
                done = _("%(p)s is confirmed.") % {"p": pairing}
            elif action == "drop":
                services.drop_proposal(pairing=pairing, by=request.user, reason=reason)
                done = _("%(p)s is dropped.") % {"p": pairing}
            else:
                raise BadRequest("unknown action")
        except services.PairingError as error:
            self.message_user(request, f"{pairing}: {error.message}", messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:pairings_pairing_waiting")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "waiting_count": selectors.waiting_for_cities().count(),
        }
        return super().changelist_view(request, extra_context)

    def dissolve_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        pairing = get_object_or_404(Pairing, pk=pk)
        if request.method == "POST":
            try:
                services.dissolve_pairing(
                    pairing=pairing, by=request.user, reason=request.POST.get("reason", "")
                )
            except services.PairingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The pairing is dissolved; both cities are free for a new pairing."),
                    messages.SUCCESS,
                )
                return redirect("admin:pairings_pairing_changelist")
        return TemplateResponse(
            request,
            "admin/pairings/dissolve.html",
            {
                **self.admin_site.each_context(request),
                "pairing": pairing,
                "title": _("Dissolve %(p)s") % {"p": pairing},
                "opts": self.model._meta,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The id comes from the address: anything not a number is "no such pairing"
        # (the admin's own redirect with a message), never a failing reverse().
        if str(object_id).isdigit():
            extra_context = {
                **(extra_context or {}),
                "dissolve_url": reverse("admin:pairings_pairing_dissolve", args=[object_id]),
            }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(admin.ModelAdmin):
    list_display = ["call", "weights", "min_score", "preferences", "preference_penalty"]


@admin.register(PairDecision)
class PairDecisionAdmin(admin.ModelAdmin):
    list_display = ["eu_application", "partner_application", "kind", "decided_by", "decided_at"]
    list_filter = ["call", "kind"]
    list_select_related = ["eu_application", "partner_application", "decided_by"]
    fields = ["call", "eu_application", "partner_application", "kind", "decided_by", "decided_at"]
    raw_id_fields = ["eu_application", "partner_application"]

    def get_readonly_fields(self, request, obj=None):
        # Who decided is whoever saves; the pair itself is changed by a new decision.
        if obj is None:
            return ["decided_by", "decided_at"]
        return ["call", "eu_application", "partner_application", "decided_by", "decided_at"]

    def save_model(self, request, obj, form, change):
        try:
            decision = services.decide_pair(
                call=obj.call,
                eu_application_id=obj.eu_application_id,
                partner_application_id=obj.partner_application_id,
                kind=obj.kind,
                by=request.user,
            )
        except services.PairingError as error:  # the form's clean() checks the same
            raise ValidationError(error.message) from error
        obj.pk, obj.decided_by, obj.decided_at = (
            decision.pk, decision.decided_by, decision.decided_at
        )


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    """Every run is kept; the suggestion page is where staff work with them."""

    list_display = [
        "__str__",
        "call",
        "objective",
        "created_by",
        "pair_count",
        "duration_ms",
        "review_link",
    ]
    list_filter = ["call", "objective"]
    list_select_related = ["call", "created_by"]
    readonly_fields = [
        "call",
        "created_by",
        "created_at",
        "objective",
        "parameters",
        "result",
        "duration_ms",
    ]
    change_list_template = "admin/pairings/matchrun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("suggestion"))
    def review_link(self, run):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:pairings_matchrun_review", args=[run.pk]),
            _("Review the suggestion"),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calls": Call.objects.order_by("-closes_at")}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "suggest/<slug:call_slug>/",
                view(self.suggest_view),
                name="pairings_matchrun_suggest",
            ),
            path("<int:pk>/review/", view(self.review_view), name="pairings_matchrun_review"),
            path(
                "<int:pk>/decide/",
                view(require_POST(self.decide_view)),
                name="pairings_matchrun_decide",
            ),
            path(
                "<int:pk>/confirm/",
                view(require_POST(self.confirm_view)),
                name="pairings_matchrun_confirm",
            ),
            path(
                "<int:pk>/rerun/",
                view(require_POST(self.rerun_view)),
                name="pairings_matchrun_rerun",
            ),
            path("<int:pk>/why-not/", view(self.why_not_view), name="pairings_matchrun_why_not"),
            path(
                "<int:pk>/propose/",
                view(require_POST(self.propose_view)),
                name="pairings_matchrun_propose",
            ),
            path(
                "<int:pk>/manual/",
                view(require_POST(self.manual_view)),
                name="pairings_matchrun_manual",
            ),
        ] + super().get_urls()

    # --- views ------------------------------------------------------------------

    def _require(self, request, codename):
        if not request.user.has_perm(f"pairings.{codename}"):
            raise PermissionDenied

    def suggest_view(self, request, call_slug):
        self._require(request, "add_matchrun")
        call = get_object_or_404(Call, slug=call_slug)
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(request, call, **form.cleaned_data)
        eu, partners = services.candidate_cities(call)
        return TemplateResponse(
            request,
            "admin/pairings/suggest.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Suggest pairings: %(call)s") % {"call": call},
                "call": call,
                "form": form,
                "eu_count": len(eu),
                "partner_count": len(partners),
                "runs": MatchRun.objects.filter(call=call).select_related("created_by")[:10],
            },
        )

    def _run(self, request, call, *, objective, min_score, include_submitted, preferences=None):
        try:
            outcome = services.run_matching(
                call=call,
                by=request.user,
                objective=objective,
                min_score=min_score,
                include_submitted=include_submitted,
                preferences=preferences or None,
            )
        except services.PairingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:pairings_matchrun_suggest", call_slug=call.slug)
        except matching.MatchingConflict as conflict:
            self.message_user(
                request,
                _("The locks and forbids cannot all hold: %(c)s") % {"c": conflict},
                messages.ERROR,
            )
            return redirect("admin:pairings_matchrun_suggest", call_slug=call.slug)
        run = outcome.run
        self.message_user(
            request,
            _("Suggestion ready: %(n)s pairs in %(ms)s ms.")
            % {"n": run.pair_count, "ms": run.duration_ms},
            messages.SUCCESS,
        )
        return redirect("admin:pairings_matchrun_review", pk=run.pk)

    def review_view(self, request, pk):
        self._require(request, "view_matchrun")
        run = get_object_or_404(MatchRun.objects.select_related("call", "created_by"), pk=pk)
        call = run.call
        theme_names = dict(Theme.objects.values_list("slug", "name"))
        live = {
            (p.eu_application_id, p.partner_application_id): p
            for p in Pairing.objects.filter(call=call).exclude(status=PairingStatus.DISSOLVED)
        }
        decisions = {
            (d.eu_application_id, d.partner_application_id): d.kind
            for d in PairDecision.objects.filter(call=call)
        }
        rows = []
        for pair in run.result.get("pairs", []):
            key = (pair["eu"]["id"], pair["partner"]["id"])
            pairing = live.get(key)
            rows.append(
                {
                    **pair,
                    "shared_names": [_(theme_names.get(s, s)) for s in pair["shared_themes"]],
                    "components_list": list(pair["components"].items()),
                    "notes": wording.pair_notes(pair),
                    "decision": decisions.get(key),
                    "pairing": pairing,
                    "confirmed": bool(pairing and pairing.holds_capacity),
                    "proposed": bool(pairing and pairing.status == PairingStatus.PROPOSED),
                }
            )
        decision_rows = PairDecision.objects.filter(call=call).select_related(
            "eu_application", "partner_application", "decided_by"
        )
        return TemplateResponse(
            request,
            "admin/pairings/review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Pairing suggestion for %(call)s") % {"call": call},
                "run": run,
                "call": call,
                "rows": rows,
                "decisions": decision_rows,
                "unconfirmed": [r for r in rows if not r["pairing"]],
                "unproposed": [r for r in rows if not r["pairing"]],
                "default_days": services.DEFAULT_RESPONSE_DAYS,
                "manual_form": ManualPairForm(call=call),
                "why_form": WhyNotForm(call=call),
                "can_change": request.user.has_perm("pairings.change_pairing"),
                "confirmed_pairings": Pairing.objects.filter(
                    call=call, status__in=[PairingStatus.CONFIRMED, PairingStatus.ACTIVE]
                ).select_related("eu_application", "partner_application"),
            },
        )

    def decide_view(self, request, pk):
        self._require(request, "add_pairdecision")
        run = get_object_or_404(MatchRun, pk=pk)
        eu_id, partner_id = _ids(request.POST)
        kind = request.POST.get("kind")
        if kind in PairDecision.Kind.values:
            try:
                services.decide_pair(
                    call=run.call,
                    eu_application_id=eu_id,
                    partner_application_id=partner_id,
                    kind=kind,
                    by=request.user,
                )
            except services.PairingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request, _("Saved. Run the suggestion again to apply it."), messages.SUCCESS
                )
        elif kind == "clear":
            services.clear_decision(
                call=run.call, eu_application_id=eu_id, partner_application_id=partner_id
            )
            self.message_user(
                request, _("Removed. Run the suggestion again to apply it."), messages.SUCCESS
            )
        return redirect("admin:pairings_matchrun_review", pk=run.pk)

    def rerun_view(self, request, pk):
        self._require(request, "add_matchrun")
        run = get_object_or_404(MatchRun, pk=pk)
        return self._run(
            request,
            run.call,
            objective=run.objective,
            min_score=run.parameters.get("min_score"),
            include_submitted=run.parameters.get("include_submitted", False),
            preferences=run.parameters.get("preferences"),
        )

    def confirm_view(self, request, pk):
        self._require(request, "change_pairing")
        run = get_object_or_404(MatchRun.objects.select_related("call"), pk=pk)
        if request.POST.get("all"):
            pairs = [(p["eu"]["id"], p["partner"]["id"]) for p in run.result.get("pairs", [])]
        else:
            pairs = [_ids(request.POST)]
        # Confirmed pairs are done; proposed ones are settled by the cities (or by
        # staff with a reason on the waiting list), never by "confirm all".
        already = {
            (p.eu_application_id, p.partner_application_id)
            for p in Pairing.objects.filter(call=run.call).exclude(
                status=PairingStatus.DISSOLVED
            )
        }
        for eu_id, partner_id in pairs:
            if request.POST.get("all") and (eu_id, partner_id) in already:
                continue
            self._confirm(request, run.call, eu_id, partner_id, run)
        return redirect("admin:pairings_matchrun_review", pk=run.pk)

    def propose_view(self, request, pk):
        """Propose one pair, the ticked pairs, or every pair not yet proposed/confirmed."""
        self._require(request, "change_pairing")
        run = get_object_or_404(MatchRun.objects.select_related("call"), pk=pk)
        days = _days(request.POST)
        suggested = [(p["eu"]["id"], p["partner"]["id"]) for p in run.result.get("pairs", [])]
        if request.POST.get("all"):
            pairs = suggested
        elif request.POST.get("one"):  # a row's own button, with the form's answer days
            pairs = [_pair(request.POST["one"])]
        elif request.POST.getlist("pair"):
            picked = set()
            for value in request.POST.getlist("pair"):
                picked.add(_pair(value))
            pairs = [pair for pair in suggested if pair in picked]
        elif "eu" in request.POST:
            pairs = [_ids(request.POST)]
        else:
            self.message_user(request, _("Tick at least one pair to propose."), messages.ERROR)
            return redirect("admin:pairings_matchrun_review", pk=run.pk)
        live = {
            (p.eu_application_id, p.partner_application_id)
            for p in Pairing.objects.filter(call=run.call).exclude(status=PairingStatus.DISSOLVED)
        }
        respond_by = timezone.now() + timedelta(days=days)
        proposed = 0
        for eu_id, partner_id in pairs:
            if (eu_id, partner_id) in live:
                continue
            try:
                services.propose_pairing(
                    call=run.call,
                    eu_application_id=eu_id,
                    partner_application_id=partner_id,
                    by=request.user,
                    match_run=run,
                    respond_by=respond_by,
                )
            except services.PairingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                proposed += 1
        if proposed:
            self.message_user(
                request,
                ngettext(
                    "%(n)s pair proposed; both cities are e-mailed and answer within %(d)s days.",
                    "%(n)s pairs proposed; the cities are e-mailed and answer within %(d)s days.",
                    proposed,
                )
                % {"n": proposed, "d": days},
                messages.SUCCESS,
            )
        return redirect("admin:pairings_matchrun_review", pk=run.pk)

    def manual_view(self, request, pk):
        self._require(request, "change_pairing")
        run = get_object_or_404(MatchRun.objects.select_related("call"), pk=pk)
        form = ManualPairForm(request.POST, call=run.call)
        if form.is_valid():
            self._confirm(
                request,
                run.call,
                form.cleaned_data["eu_application"].pk,
                form.cleaned_data["partner_application"].pk,
                None,
            )
        else:
            self.message_user(request, _("Choose an EU city and a partner city."), messages.ERROR)
        return redirect("admin:pairings_matchrun_review", pk=run.pk)

    def why_not_view(self, request, pk):
        """Any EU city and partner city: the pair's score and why the run left it out."""
        self._require(request, "view_matchrun")
        run = get_object_or_404(MatchRun.objects.select_related("call"), pk=pk)
        form = WhyNotForm(request.GET or None, call=run.call)
        answer = error = None
        if form.is_valid():
            try:
                answer = services.explain_pair(
                    run=run,
                    eu_application_id=form.cleaned_data["eu_application"].pk,
                    partner_application_id=form.cleaned_data["partner_application"].pk,
                )
            except services.PairingError as failure:
                error = failure.message
            except matching.MatchingConflict as conflict:
                error = _("The locks and forbids cannot all hold: %(c)s") % {"c": conflict}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Why not this pair?"),
            "run": run,
            "call": run.call,
            "form": form,
            "answer": answer,
            "error": error,
        }
        if answer is not None:
            min_score = run.parameters.get("min_score") or 0.0
            context.update(
                reasons=wording.why_not_reasons(answer, min_score=min_score),
                components_list=list(answer.components.items()),
                shared_names=wording.theme_names(answer.shared_themes),
                drop=answer.drop,
            )
        return TemplateResponse(request, "admin/pairings/why_not.html", context)

    def _confirm(self, request, call, eu_id, partner_id, run):
        try:
            pairing = services.confirm_pairing(
                call=call,
                eu_application_id=eu_id,
                partner_application_id=partner_id,
                by=request.user,
                match_run=run,
            )
        except services.PairingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("Confirmed: %(p)s. Both cities are notified by e-mail.") % {"p": pairing},
                messages.SUCCESS,
            )


def _ids(data) -> tuple[int, int]:
    try:
        return int(data.get("eu", "")), int(data.get("partner", ""))
    except ValueError as error:
        raise BadRequest("eu and partner must be application ids") from error


def _pair(value: str) -> tuple[int, int]:
    try:
        eu_id, partner_id = (int(x) for x in value.split(":"))
    except ValueError as error:
        raise BadRequest("pair must be EU_ID:PARTNER_ID") from error
    return eu_id, partner_id


def _days(data) -> int:
    try:
        days = int(data.get("days") or services.DEFAULT_RESPONSE_DAYS)
    except ValueError as error:
        raise BadRequest("days must be a whole number") from error
    if not 1 <= days <= 90:
        raise BadRequest("days must be between 1 and 90")
    return days
