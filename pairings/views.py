from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def partnerships(request):
    """Each of the official's cities with its confirmed partner: profile and contact."""
    rows = [
        {"pairing": pairing, "own": own, "partner": partner}
        for pairing in selectors.partnerships_for(request.user)
        for own, partner in [selectors.own_and_partner(pairing, request.user)]
    ]
    return render(request, "pairings/partnerships.html", {"rows": rows})
