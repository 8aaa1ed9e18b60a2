from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DriversHomeConfig(AppConfig):
    name = "drivers_home"
    verbose_name = _("Drivers' home")

    def ready(self) -> None:
        from drivers_home import dashboard  # noqa: F401  registers navigation and cards
