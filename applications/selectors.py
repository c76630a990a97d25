"""Reads of calls and reference data."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Call, Theme


def open_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


def upcoming_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(opens_at__gt=now).order_by("opens_at")


def closed_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(closes_at__lte=now).order_by("-closes_at")


def themes_offered(call: Call) -> QuerySet[Theme]:
    offered = call.themes.filter(is_active=True)
    return offered if offered.exists() else Theme.objects.filter(is_active=True)
