"""The one use of signals: the pairings layer tells this one that a pairing is confirmed."""

from django.dispatch import receiver

from pairings.signals import pairing_confirmed

from . import services


@receiver(pairing_confirmed, dispatch_uid="action_plans.start_plans")
def start_plans(sender, pairing, by, **kwargs):
    # Runs inside confirm_pairing's transaction: the pairing and both plans commit together.
    services.start_plans(pairing=pairing, by=by)
