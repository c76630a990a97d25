from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from applications.models import Application, Call

# The default IUC criteria: (name, description, weight, scale maximum).
DEFAULT_CRITERIA = [
    (
        gettext_noop("Relevance of the themes to the city's challenges"),
        gettext_noop("The chosen themes answer the challenges the city describes."),
        Decimal("1.5"),
        5,
    ),
    (
        gettext_noop("Political commitment at the right level"),
        gettext_noop(
            "The commitment is signed by the mayor or an equivalent authority and resourced."
        ),
        Decimal("1"),
        5,
    ),
    (
        gettext_noop("Capacity for an 18-month cooperation"),
        gettext_noop(
            "A team, time and budget to run study visits and a Local Action Plan for 18 months."
        ),
        Decimal("1"),
        5,
    ),
    (
        gettext_noop("Expected local impact"),
        gettext_noop(
            "The cooperation is likely to change local policy or lead to a pilot project."
        ),
        Decimal("1.5"),
        5,
    ),
    (
        gettext_noop("Willingness to share and learn"),
        gettext_noop("The city offers its own experience and is open to its partner's."),
        Decimal("1"),
        5,
    ),
]


class AssessmentScheme(models.Model):
    """How one call's applications are assessed: its criteria and two settings."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="assessment_scheme", verbose_name=_("call")
    )
    assessors_per_application = models.PositiveSmallIntegerField(
        _("assessors per application"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points of 100)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Assessors disagree when their weighted scores (0–100) differ by more than this."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-call__closes_at"]

    def __str__(self):
        return str(self.call)


class Criterion(models.Model):
    """One published criterion: name and description are programme content."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_max = models.PositiveSmallIntegerField(
        _("scale maximum"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Scores go from 0 to this value."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_gt_0"),
            models.CheckConstraint(
                condition=models.Q(scale_max__gte=1), name="criterion_scale_at_least_1"
            ),
        ]

    def __str__(self):
        return self.name


class AssessorProfile(models.Model):
    """What auto-assignment prefers for an assessor: regions and languages they know."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessor_profile"
    )
    regions = models.JSONField(_("regions (slugs)"), default=list, blank=True)
    languages = models.JSONField(_("languages (ISO 639-1)"), default=list, blank=True)

    class Meta:
        verbose_name = _("assessor profile")
        verbose_name_plural = _("assessor profiles")

    def __str__(self):
        return str(self.user)


class Assignment(models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", _("To assess")
        CONFLICT = "conflict", _("Conflict of interest")
        SUBMITTED = "submitted", _("Submitted")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessment_assignments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessment_assignments",
        verbose_name=_("assessor"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.ASSIGNED, db_index=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    conflict_reason = models.CharField(_("conflict of interest"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    weighted_score = models.DecimalField(
        _("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assessor"], name="one_assignment_per_assessor"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="submitted") | models.Q(weighted_score__isnull=False),
                name="submitted_assessment_has_a_score",
            ),
        ]

    def __str__(self):
        return f"{self.assessor} · {self.application}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, max_length=3000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            )
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"
