from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services, wording
from .forms import DeclineForm
from .models import PARTNER_PUBLICATION_LABELS, ProposalAnswer, Publication

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
        row["partner_publication_label"] = PARTNER_PUBLICATION_LABELS[
            Publication(row["partner_publication"])
        ]
    proposals = [
        {"pairing": pairing, "own": own, "partner": partner}
        for pairing in selectors.proposals_for(request.user, answerable=True)
        for own, partner in [selectors.own_and_partner(pairing, request.user)]
    ]
    return render(
        request,
        "pairings/partnerships.html",
        {"rows": rows, "proposals": proposals, "publication_choices": PUBLICATION_CHOICES},
    )


@login_required
def proposal(request, pk, decline_form=None):
    """A proposed partner: public profile, why matched, deadline, accept or decline."""
    pairing = selectors.proposal_for(request.user, pk)
    own, partner = selectors.own_and_partner(pairing, request.user)
    answers = {a.application_id: a for a in pairing.answers.all()}
    context = {
        "pairing": pairing,
        "own": own,
        "partner": partner,
        "own_answer": answers.get(own.pk),
        "partner_accepted": getattr(answers.get(partner.pk), "answer", None)
        == ProposalAnswer.Answer.ACCEPTED,
        "why": wording.why_matched(
            score=pairing.score,
            components=pairing.components or {},
            shared_themes=pairing.shared_themes or [],
        ),
        "time_zone": own.time_zone,
        "partner_population": partner.population
        or sum(m.population for m in partner.municipalities.all()),
        "deadline_passed": pairing.respond_by is not None
        and pairing.respond_by <= timezone.now(),
        "decline_form": decline_form or DeclineForm(),
    }
    return render(request, "pairings/proposal.html", context)


@login_required
@require_POST
def accept(request, pk):
    pairing = selectors.proposal_for(request.user, pk)
    try:
        pairing = services.accept_proposal(pairing=pairing, by=request.user)
    except services.PairingError as error:
        messages.error(request, error.message)
        return redirect("pairings:proposal", pk=pk)
    if pairing.holds_capacity:
        messages.success(
            request, _("Both cities accepted: the partnership is confirmed and your plan starts.")
        )
        return redirect("pairings:partnerships")
    messages.success(request, _("Thank you: your city accepted. We wait for the other city."))
    return redirect("pairings:proposal", pk=pk)


@login_required
@require_POST
def decline(request, pk):
    pairing = selectors.proposal_for(request.user, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return proposal(request, pk, decline_form=form)
    try:
        services.decline_proposal(
            pairing=pairing, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.PairingError as error:
        messages.error(request, error.message)
        return redirect("pairings:proposal", pk=pk)
    messages.success(
        request, _("Your city declined the proposal. The programme team has been told.")
    )
    return redirect("pairings:partnerships")


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
