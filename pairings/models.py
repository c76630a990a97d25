from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application, Call, Side

from .matching import COMPONENTS, OBJECTIVES, PREFERENCE_PENALTY, Weights


def default_weights() -> dict:
    return Weights().as_dict()


def validate_weights(value) -> None:
    if not isinstance(value, dict) or set(value) != set(COMPONENTS):
        raise ValidationError(
            _("Give exactly these weights: %(names)s.") % {"names": ", ".join(COMPONENTS)}
        )
    try:
        Weights(**{name: float(value[name]) for name in COMPONENTS})
    except (TypeError, ValueError) as error:
        raise ValidationError(_("The weights must be numbers ≥ 0 that add up to 1.")) from error


class MatchingSettings(models.Model):
    """How a call's cities are scored against each other; staff may tune it."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="matching_settings", verbose_name=_("call")
    )
    weights = models.JSONField(_("weights"), default=default_weights, validators=[validate_weights])
    min_score = models.FloatField(
        _("minimum score"),
        default=0.2,
        help_text=_("Pairs scoring below this are never suggested (a lock overrides it)."),
    )
    preferences = models.CharField(
        _("stated preferences"),
        max_length=7,
        choices=[
            ("strict", _("Restrict: only pairs within both cities' preferred regions/countries")),
            ("relaxed", _("Relax: pairs outside them are possible, with a strong penalty")),
        ],
        default="strict",
        help_text=_(
            "A city that states no preferred region or country accepts any partner; "
            "a lock overrides the preferences."
        ),
    )
    preference_penalty = models.FloatField(
        _("penalty outside the preferences"),
        default=PREFERENCE_PENALTY,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Taken off the score of a pair outside a stated preference when relaxed."),
    )

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self):
        return str(self.call)

    @property
    def engine_weights(self) -> Weights:
        return Weights(**{name: float(self.weights[name]) for name in COMPONENTS})


class PairDecision(models.Model):
    """A staff choice that every later run respects: this pair must, or must never, be."""

    class Kind(models.TextChoices):
        LOCK = "lock", _("Locked")
        FORBID = "forbid", _("Forbidden")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="pair_decisions")
    eu_application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    partner_application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("decision"), max_length=6, choices=Kind.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lock or forbid")
        verbose_name_plural = _("locks and forbids")
        constraints = [
            models.UniqueConstraint(
                fields=["eu_application", "partner_application"], name="one_decision_per_pair"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.eu_application} – {self.partner_application}"

    def clean(self):
        """An EU city and a partner city, both of the decision's call."""
        errors = {}
        for field, side, message in [
            ("eu_application", Side.EU, _("Choose an EU city here.")),
            ("partner_application", Side.PARTNER, _("Choose a partner city here.")),
        ]:
            application = getattr(self, field) if getattr(self, f"{field}_id") else None
            if application is None:
                continue
            if application.side != side:
                errors[field] = message
            elif self.call_id and application.call_id != self.call_id:
                errors[field] = _("This city applied to another call.")
        if errors:
            raise ValidationError(errors)


class MatchRun(models.Model):
    """One run of the engine, kept for audit: who asked what, and what it answered."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="match_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), default=timezone.now)
    objective = models.CharField(
        _("objective"), max_length=10, choices=[(o, o) for o in OBJECTIVES], default="max-total"
    )
    parameters = models.JSONField(_("parameters"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.call} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def pair_count(self) -> int:
        return len(self.result.get("pairs", []))


class PairingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DISSOLVED = "dissolved", _("Dissolved")


class Publication(models.TextChoices):
    """What one city agrees to make public about its pairing."""

    UNDECIDED = "", _("Not decided yet")
    PRIVATE = "private", _("Keep our partnership private")
    PAIRING = "pairing", _("Publish the partnership")
    WITH_PLAN = "with_plan", _("Publish the partnership and a summary of our plan")


# The partner city's choice as the other city reads it (the choices speak as "we").
PARTNER_PUBLICATION_LABELS = {
    Publication.UNDECIDED: _("Not decided yet"),
    Publication.PRIVATE: _("Keeps the partnership private"),
    Publication.PAIRING: _("Publishes the partnership"),
    Publication.WITH_PLAN: _("Publishes the partnership and a summary of its plan"),
}

# Both cities must choose one of these for the pairing to be public.
PUBLISHING_CHOICES = [Publication.PAIRING, Publication.WITH_PLAN]

# A pairing in these states holds a place in both cities' capacity.
HOLDING_STATUSES = [PairingStatus.CONFIRMED, PairingStatus.ACTIVE, PairingStatus.COMPLETED]


class Pairing(models.Model):
    """An EU city and a partner city working together."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="pairings")
    eu_application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="pairings_as_eu",
        verbose_name=_("EU city"),
    )
    partner_application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="pairings_as_partner",
        verbose_name=_("partner city"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PairingStatus.choices,
        default=PairingStatus.PROPOSED,
        db_index=True,
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    components = models.JSONField(_("score components"), default=dict, blank=True)
    shared_themes = models.JSONField(_("shared themes"), default=list, blank=True)
    match_run = models.ForeignKey(
        MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="pairings"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A proposal: both cities answer before the response deadline.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # Publication consent, one per city: nothing is public until both agreed.
    eu_publication = models.CharField(
        _("EU city agrees to publish"), max_length=10, choices=Publication.choices,
        default=Publication.UNDECIDED, blank=True,
    )
    partner_publication = models.CharField(
        _("partner city agrees to publish"), max_length=10, choices=Publication.choices,
        default=Publication.UNDECIDED, blank=True,
    )
    published_at = models.DateTimeField(
        _("published since"), null=True, blank=True,
        help_text=_("Set when both cities have agreed to publish the partnership."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-created_at"]
        constraints = [
            # Never twice with the same partner while the pairing lives.
            models.UniqueConstraint(
                fields=["eu_application", "partner_application"],
                condition=~models.Q(status="dissolved"),
                name="one_live_pairing_per_pair",
            ),
        ]

    def __str__(self):
        return f"{self.eu_application} – {self.partner_application}"

    @property
    def holds_capacity(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_waiting(self) -> bool:
        """A proposal whose response deadline passed without both answers."""
        return bool(
            self.status == PairingStatus.PROPOSED
            and self.respond_by
            and self.respond_by <= timezone.now()
        )

    @property
    def is_published(self) -> bool:
        return (
            self.status in HOLDING_STATUSES
            and self.eu_publication in PUBLISHING_CHOICES
            and self.partner_publication in PUBLISHING_CHOICES
        )

    def publication_of(self, application) -> str:
        if application.pk == self.eu_application_id:
            return self.eu_publication
        return self.partner_publication


class ProposalAnswer(models.Model):
    """One city's answer to a proposed pairing."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="answers")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer to a proposal")
        verbose_name_plural = _("answers to proposals")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "application"], name="one_answer_per_city")
        ]

    def __str__(self):
        return f"{self.application}: {self.get_answer_display()}"


class PairingTransition(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=PairingStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PairingStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"
