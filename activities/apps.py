from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Outreach events")

    def ready(self) -> None:
        from activities import dashboard  # noqa: F401  registers navigation and cards
