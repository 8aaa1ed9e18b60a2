"""The SMS sender: one small pluggable interface.

A real provider is a class with a `send(phone, body)` method that raises
`SmsError` when the provider refuses; name it in the SMS_BACKEND setting, e.g.
`SMS_BACKEND=myproject.sms.AliyunBackend`. Keep the provider's keys in the
environment. The development backend stores every text in the database so the
DEBUG-only page /dev/sms/ can show the last codes.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsBackend:
    def send(self, phone: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class DatabaseBackend(SmsBackend):
    """Development and tests: keep the message in `SmsMessage`."""

    def send(self, phone: str, body: str) -> None:
        from parkportal.models import SmsMessage

        SmsMessage.objects.create(phone=phone, body=body)


class ConsoleBackend(SmsBackend):
    def send(self, phone: str, body: str) -> None:
        # Only the last four digits reach the log: no personal data in logs.
        logger.info("SMS to ****%s (%d chars)", phone[-4:], len(body))


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, body: str) -> None:
    """Send `body` to `phone`, prefixed with the sender's signature as Chinese carriers require."""
    get_backend().send(phone, f"【{settings.SMS_SIGN_NAME}】{body}")
