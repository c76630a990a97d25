from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Publication

PUBLICATION_CHOICES = [c for c in Publication.choices if c[0]]


@login_required
def partnerships(request):
    """Each of the official's cities with its confirmed partner: profile and contact."""
    rows = [
        {
            "pairing": pairing,
            "own": own,
            "partner": partner,
            "own_publication": pairing.publication_of(own),
            "partner_publication": pairing.publication_of(partner),
        }
        for pairing in selectors.partnerships_for(request.user)
        for own, partner in [selectors.own_and_partner(pairing, request.user)]
    ]
    for row in rows:
        row["partner_publication_label"] = Publication(row["partner_publication"]).label
    return render(
        request,
        "pairings/partnerships.html",
        {"rows": rows, "publication_choices": PUBLICATION_CHOICES},
    )


@login_required
@require_POST
def publication(request, pk):
    """The city's answer to "may the public see this partnership?"; changeable any time."""
    pairing = get_object_or_404(selectors.partnerships_for(request.user), pk=pk)
    own, _partner = selectors.own_and_partner(pairing, request.user)
    try:
        pairing = services.set_publication_consent(
            pairing=pairing,
            application_id=own.pk,
            choice=request.POST.get("publication", ""),
            by=request.user,
        )
    except services.PairingError as error:
        messages.error(request, error.message)
    else:
        if pairing.is_published:
            messages.success(request, _("Both cities agreed: the partnership is public."))
        elif pairing.publication_of(own) == Publication.PRIVATE:
            messages.success(request, _("Your partnership is not public."))
        else:
            messages.success(
                request,
                _("Saved. The partnership becomes public once your partner city agrees too."),
            )
    return redirect("pairings:partnerships")
