import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application
from pairings.models import Pairing

PLAN_MONTHS = 18


def evidence_path(instance, filename):
    return f"evidence/{instance.milestone.plan_id}/{uuid.uuid4().hex}.pdf"


def plan_pdf_path(instance, filename):
    return f"plan-pdfs/{instance.pk}/{uuid.uuid4().hex}.pdf"


class LocalActionPlan(models.Model):
    """One city's Local Action Plan within a pairing (each city of a pair has its own)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="plans")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="plans", verbose_name=_("city")
    )
    start_date = models.DateField(_("start date"))
    context = models.TextField(_("context and challenges"), blank=True, max_length=10000)
    objectives = models.TextField(_("objectives"), blank=True, max_length=10000)
    stakeholder_group = models.TextField(_("local stakeholder group"), blank=True,
                                         max_length=10000)
    actions = models.TextField(_("actions"), blank=True, max_length=10000)
    updated_at = models.DateTimeField(_("last update"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    pdf = models.FileField(upload_to=plan_pdf_path, blank=True, max_length=300)
    pdf_fingerprint = models.CharField(max_length=64, blank=True)
    pdf_requested_fingerprint = models.CharField(max_length=64, blank=True)

    history = HistoricalRecords(excluded_fields=["pdf", "pdf_fingerprint",
                                                 "pdf_requested_fingerprint"])

    class Meta:
        verbose_name = _("Local Action Plan")
        verbose_name_plural = _("Local Action Plans")
        ordering = ["pairing", "application__side"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "application"], name="one_plan_per_city")
        ]

    def __str__(self):
        return str(_("Local Action Plan of %(city)s")) % {"city": self.application.city_name}


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class Milestone(models.Model):
    plan = models.ForeignKey(LocalActionPlan, on_delete=models.CASCADE, related_name="milestones")
    month = models.PositiveSmallIntegerField(_("month"), validators=[MaxValueValidator(60)])
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    is_custom = models.BooleanField(_("added by the city"), default=False)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last update"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "month", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100),
                                   name="milestone_progress_max_100"),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status != MilestoneStatus.DONE and self.due_date < today


class Evidence(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    title = models.CharField(_("title"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.title


class FundingStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PREPARING = "preparing", _("Application in preparation")
    APPLIED = "applied", _("Applied")
    SECURED = "secured", _("Secured")
    REJECTED = "rejected", _("Rejected")


class PilotProject(models.Model):
    plan = models.ForeignKey(LocalActionPlan, on_delete=models.CASCADE,
                             related_name="pilot_projects")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    budget_eur = models.DecimalField(
        _("budget (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_source = models.CharField(
        _("funding source"), max_length=200, blank=True,
        help_text=_("For example an international financial institution."),
    )
    funding_status = models.CharField(_("funding status"), max_length=10,
                                      choices=FundingStatus.choices, default=FundingStatus.IDEA)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pilot project")
        verbose_name_plural = _("pilot projects")
        ordering = ["created_at"]

    def __str__(self):
        return self.title


class Mou(models.Model):
    plan = models.ForeignKey(LocalActionPlan, on_delete=models.CASCADE, related_name="mous")
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    parties = models.CharField(_("signed by"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("memorandum of understanding")
        verbose_name_plural = _("memoranda of understanding")
        ordering = ["signed_on"]

    def __str__(self):
        return self.title


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class ReminderSent(models.Model):
    """A reminder goes out once per milestone and kind, however often the job runs."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["milestone", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.milestone} · {self.kind}"


class CalendarFeed(models.Model):
    """A secret address at which one official's calendar reads the plan's milestones."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
