"""Floating party members (流动党员) found outside the organisation, e.g. truck drivers at the drivers' home.

Other apps create the parties `Member` of a floating member only through this service.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parties.models import Member, MemberStatus, Organisation


@transaction.atomic
def member_accept_floating(
    *,
    name: str,
    phone: str,
    home_organisation: str,
    floating_certificate: str,
    home_contact_phone: str,
    organisation: Organisation,
    user,
) -> Member:
    """Add a floating member to `organisation`: he attends and pays dues here, but does not vote here.

    `user` is the member's own account (a driver), or None. Raises ValidationError if that account is
    already a member somewhere.
    """
    if not home_organisation.strip():
        raise ValidationError(_("A floating member needs his home organisation."))
    if user is not None and Member.objects.select_for_update().filter(user=user).exists():
        raise ValidationError(_("This person is already registered as a party member."))
    today = timezone.localdate()
    return Member.objects.create(
        park_id=organisation.park_id,
        organisation=organisation,
        user=user,
        name=name,
        phone=phone or "",
        status=MemberStatus.FULL,
        is_floating=True,
        home_organisation=home_organisation.strip(),
        floating_certificate=floating_certificate.strip(),
        home_contact_phone=home_contact_phone.strip(),
        joined_here=today,
        last_activity=today,
    )
