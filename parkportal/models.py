from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from parkportal.roles import Role
from parkportal.validators import validate_mobile


class Park(models.Model):
    """园区: one deployment may serve several parks; nothing of one park shows in another."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """用户: a park's staff member or a driver. Drivers sign in by phone and SMS code."""

    phone = models.CharField(
        _("mobile number"), max_length=11, blank=True, null=True, unique=True, validators=[validate_mobile]
    )
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.NONE, blank=True)
    park = models.ForeignKey(
        Park, verbose_name=_("park"), on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    display_name = models.CharField(_("name"), max_length=60, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique", condition=~models.Q(email="")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.role in roles

    @property
    def is_park_admin(self) -> bool:
        return self.role == Role.PARK_ADMIN and self.park_id is not None


class SmsMessage(models.Model):
    """短信: a text sent through the SMS sender; the development backend keeps them here."""

    phone = models.CharField(max_length=20)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")

    def __str__(self) -> str:
        return f"{self.phone}: {self.body[:30]}"


class AccessLog(models.Model):
    """查阅记录: who opened which person's details (PIPL); written by `parkportal.audit.log_access`."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=40)
    action = models.CharField(max_length=30, default="view")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.subject_type}#{self.subject_id}"


class Generation(models.Model):
    """数据版本: a counter per tracked table, raised by a database trigger in every transaction that writes it.

    Cache keys of figures computed from those tables (parkportal/generations.py). Written only by the triggers.
    """

    table_name = models.CharField(max_length=63, primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "parkportal_generation"

    def __str__(self) -> str:
        return f"{self.table_name}: {self.n}"


class Session(AbstractBaseSession):
    """会话: a browser's session, with the signed-in user's id in a column of its own, so that a page reads the
    session and its user in one statement (parkportal/sessions.py).

    `user_id` is a plain indexed column, not a foreign key: a session saved for a user deleted meanwhile must
    still save (the key's retry loop of Django's store would take a foreign-key error for a key collision), and
    it then reads as signed out, as before. Deleting a user leaves its sessions to expire or to `clearsessions`.
    """

    user_id = models.BigIntegerField(null=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "parkportal_session"

    @classmethod
    def get_session_store_class(cls):
        from parkportal.sessions import SessionStore

        return SessionStore
