import zoneinfo
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .milestones import default_milestone_template, validate_milestone_template

DEFAULT_MIN_POPULATION = 100_000


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
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A call must close after it opens.")})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def last_minute(self):
        """The deadline as people say it: the last minute that is still on time, local."""
        return (self.closes_at - timedelta(seconds=1)).astimezone(self.tz)

    @property
    def opens_local(self):
        return self.opens_at.astimezone(self.tz)

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
