from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "action_plans"
    verbose_name = _("Local Action Plans")

    def ready(self):
        from . import receivers  # noqa: F401 - connects to pairings' domain signal
