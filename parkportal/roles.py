"""The roles of the portal. A user holds one role; its scope is defined by the app that owns it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARK_ADMIN = "park_admin", _("Park administrator")
    SECRETARY = "secretary", _("Committee secretary")
    INSTRUCTOR = "instructor", _("Party-building instructor")
    MEDIATOR = "mediator", _("Mediator")
    DESK = "desk", _("Drivers' home desk")
    DRIVER = "driver", _("Driver")
    NONE = "", _("No role")


#: Roles that work in the office or on site for the park (not the public).
STAFF_ROLES = {Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR, Role.MEDIATOR, Role.DESK}
