"""The official's proposals still to answer, for the dashboard (read lazily: no query unless a
template shows them)."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def proposals(request):
    user = getattr(request, "user", None)
    return {
        "open_proposals": SimpleLazyObject(
            lambda: list(selectors.proposals_for(user, answerable=True))
        )
    }
