from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = _("Party organisation")

    def ready(self) -> None:
        import parties.visit_dashboard  # noqa: F401  visit logs: navigation and cards
        from parties import dashboard  # noqa: F401  registers navigation and cards
