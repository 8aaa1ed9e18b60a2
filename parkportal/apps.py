from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParkPortalConfig(AppConfig):
    name = "parkportal"
    verbose_name = _("Park portal")
