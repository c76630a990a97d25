"""Domain signals of the pairings app: the one way it tells higher layers something happened.

Sent inside the service's transaction, so whatever a receiver writes commits (or
rolls back) together with the pairing.
"""

from django.dispatch import Signal

# Sent by services.confirm_pairing with `pairing` and `by`.
pairing_confirmed = Signal()
