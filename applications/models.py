import uuid
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from iuc_portal.geography import region_of

from .deadlines import effective_deadline
from .milestones import default_milestone_template, validate_milestone_template
from .sections import SECTION_CHOICES

DEFAULT_MIN_POPULATION = 100_000
# The years a call may open and close in: far dates break local-time arithmetic.
CALL_YEARS = (2000, 2100)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(tz)s” is not a known time zone."), params={"tz": value})


class Theme(models.Model):
    """A sustainable-development theme cities cooperate on (data: staff may add one)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sdg = models.PositiveSmallIntegerField(
        _("main SDG"),
        validators=[MinValueValidator(1)],
        help_text=_("Sustainable Development Goal 1–17"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sdg__gte=1, sdg__lte=17), name="theme_sdg_1_to_17"
            )
        ]

    def __str__(self):
        return str(_(self.name))


class Region(models.Model):
    """A world region of the programme; which countries belong is in iuc_portal.geography."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_eu = models.BooleanField(_("EU side"), default=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["-is_eu", "name"]

    def __str__(self):
        return str(_(self.name))


class Call(models.Model):
    """A call for cities: who may apply, until when, and the plan they commit to."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"),
        help_text=_(
            "The first instant at which a submission is late, e.g. 9 March 2019 00:00 for a "
            "deadline of 8 March 2019, 23:59."
        ),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Brussels", validators=[validate_time_zone]
    )
    min_population = models.PositiveIntegerField(
        _("minimum population"), default=DEFAULT_MIN_POPULATION
    )
    partner_countries = CountryField(_("eligible partner countries"), multiple=True, blank=True)
    themes = models.ManyToManyField(
        Theme,
        verbose_name=_("themes offered"),
        blank=True,
        related_name="calls",
        help_text=_("Leave empty to offer every active theme."),
    )
    milestone_template = models.JSONField(
        _("milestone template"),
        default=default_milestone_template,
        validators=[validate_milestone_template],
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-closes_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            ),
            # Far dates break local-time arithmetic on every page: the database keeps
            # them out, whatever path writes (admin, shell, import).
            models.CheckConstraint(
                condition=models.Q(
                    opens_at__gte=datetime(CALL_YEARS[0], 1, 1, tzinfo=UTC),
                    closes_at__lt=datetime(CALL_YEARS[1] + 1, 1, 1, tzinfo=UTC),
                ),
                name="call_dates_within_years",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A call must close after it opens.")})
        for name in ("opens_at", "closes_at"):
            moment = getattr(self, name)
            if moment and not CALL_YEARS[0] <= moment.year <= CALL_YEARS[1]:
                raise ValidationError({name: _("Give a date between %(first)s and %(last)s.")
                                       % {"first": CALL_YEARS[0], "last": CALL_YEARS[1]}})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def last_minute(self):
        """The deadline as people say it: the last minute that is still on time, local."""
        try:
            return (self.closes_at - timedelta(seconds=1)).astimezone(self.tz)
        except (OverflowError, ValueError):  # a far date stored before the range was checked
            return self.closes_at

    @property
    def opens_local(self):
        try:
            return self.opens_at.astimezone(self.tz)
        except (OverflowError, ValueError):
            return self.opens_at

    def is_open_at(self, moment) -> bool:
        return self.opens_at <= moment < self.closes_at

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def has_closed(self) -> bool:
        return timezone.now() >= self.closes_at

    @property
    def partner_country_codes(self) -> frozenset[str]:
        return frozenset(country.code for country in self.partner_countries)


class Side(models.TextChoices):
    EU = "eu", _("EU city")
    PARTNER = "partner", _("Partner city")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted for matching")
    PAIRED = "paired", _("Paired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PARTNERS_WANTED_CHOICES = [(1, _("One partner city")), (2, _("Two partner cities"))]


def letter_upload_path(application, filename):
    # The name the city gave the file is never used: it could be anything.
    return f"letters/{application.call_id}/{uuid.uuid4().hex}.pdf"


def pdf_upload_path(application, filename):
    return f"application-pdfs/{application.call_id}/{uuid.uuid4().hex}.pdf"


class Application(models.Model):
    """One city's (or group's) application to one call, from draft to decision."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("official"),
        null=True,
        blank=True,
        help_text=_("The city official who applies; empty for imported applications."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)

    # City
    city_name = models.CharField(_("city or group name"), max_length=150)
    country = CountryField(_("country"))
    is_group = models.BooleanField(_("group of municipalities"), default=False)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("source of the figure"), max_length=200, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("year of the figure"), null=True, blank=True
    )
    # Where the city lies on the map: GeoNames knows most cities; staff may override.
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Leave empty to use GeoNames; set it when GeoNames places the city wrongly."),
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("Leave empty to use GeoNames; set it when GeoNames places the city wrongly."),
    )

    # Contact
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_role = models.CharField(_("role"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    signing_authority = models.CharField(
        _("authority signing the commitment"), max_length=200, blank=True
    )

    # Themes and challenges
    themes = models.ManyToManyField(
        Theme, through="ApplicationTheme", related_name="applications", verbose_name=_("themes")
    )
    challenges = models.TextField(_("the city's challenges"), blank=True, max_length=5000)
    motivation = models.TextField(_("motivation"), blank=True, max_length=5000)
    experience = models.TextField(_("relevant experience"), blank=True, max_length=5000)

    # Partner preferences
    preferred_regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("preferred partner regions")
    )
    preferred_countries = CountryField(_("preferred partner countries"), multiple=True, blank=True)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    partners_wanted = models.PositiveSmallIntegerField(
        _("partners wanted"), choices=PARTNERS_WANTED_CHOICES, default=1
    )

    # Commitment and documents
    commits_to_18_months = models.BooleanField(_("commits to 18 months"), default=False)
    commitment_letter = models.FileField(
        _("signed letter of commitment"), upload_to=letter_upload_path, blank=True, max_length=300
    )

    # Decision and deadline
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late_override = models.BooleanField(
        _("accepted although late"),
        default=False,
        help_text=_("Set by an import with --allow-late: a staff decision to accept a late entry."),
    )
    extension_until = models.DateTimeField(_("individual extension until"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    extension_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extension granted by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    has_eligibility_problems = models.BooleanField(_("eligibility problems"), default=False)
    assessment_started_at = models.DateTimeField(
        _("under assessment since"), null=True, blank=True
    )

    # The PDF of the submitted application, rendered by Celery.
    pdf = models.FileField(_("PDF"), upload_to=pdf_upload_path, blank=True, max_length=300)
    pdf_fingerprint = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["pdf", "pdf_fingerprint", "updated_at"])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                "call", "side", "country", Lower("city_name"), name="one_application_per_city"
            ),
            models.CheckConstraint(
                condition=models.Q(partners_wanted__in=[1, 2]), name="partners_wanted_1_or_2"
            ),
        ]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self):
        return f"{self.city_name} ({self.country.code})"

    @property
    def region(self) -> str | None:
        return region_of(self.country.code)

    @property
    def time_zone(self) -> str:
        """The city's own time zone (GeoNames), else the call's."""
        from .geonames import time_zone_of

        return time_zone_of(self.city_name, self.country.code, default=self.call.time_zone)

    @property
    def deadline(self):
        """The closing instant for this application: the call's, or its extension."""
        return effective_deadline(self.call.closes_at, self.extension_until)

    @property
    def is_editable(self) -> bool:
        return self.status == ApplicationStatus.DRAFT and timezone.now() < self.deadline

    @property
    def submitted_late(self) -> bool:
        return bool(self.submitted_at and self.submitted_at >= self.call.closes_at)


class ApplicationTheme(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="theme_choices"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"))

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["application", "theme"], name="theme_once"),
            models.UniqueConstraint(fields=["application", "priority"], name="priority_once"),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="priority_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.priority}. {self.theme}"


class Municipality(models.Model):
    """A member of a group of municipalities applying together."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="municipalities"
    )
    name = models.CharField(_("municipality"), max_length=150)
    population = models.PositiveIntegerField(_("population"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("member municipality")
        verbose_name_plural = _("member municipalities")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class StatusChange(models.Model):
    """Who moved an application from which state to which, when, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class Clarification(models.Model):
    """A question to the applicant after submission, optionally reopening one section
    until a moment (also after the call's deadline): who asked, why, until when."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the applicant")
        ANSWERED = "answered", _("Answered")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="clarifications"
    )
    question = models.TextField(_("question"), max_length=3000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    section = models.CharField(
        _("section reopened"), max_length=20, choices=SECTION_CHOICES, blank=True
    )
    reopen_until = models.DateTimeField(_("reopened until"), null=True, blank=True)
    reopen_reason = models.CharField(_("why it is reopened"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    section_before = models.TextField(blank=True)
    section_after = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(section="") | models.Q(reopen_until__isnull=False),
                name="reopened_section_has_an_end",
            )
        ]

    def __str__(self):
        return f"{self.application} · {self.asked_at:%Y-%m-%d}"

    def reopens_section_at(self, moment) -> str:
        """The section the applicant may change at `moment`, or ""."""
        if self.section and self.state == self.State.OPEN and moment < self.reopen_until:
            return self.section
        return ""
