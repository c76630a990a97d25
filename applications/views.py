from django.shortcuts import render
from django.utils import timezone

from . import selectors


def home(request):
    now = timezone.now()
    return render(
        request,
        "applications/home.html",
        {
            "now": now,
            "open_calls": selectors.open_calls(now=now),
            "upcoming_calls": selectors.upcoming_calls(now=now),
            "closed_calls": selectors.closed_calls(now=now)[:10],
        },
    )
