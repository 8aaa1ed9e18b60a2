"""Every parties model is in the back office, with search and filters that work."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from parkportal.models import User

pytestmark = pytest.mark.django_db


#: Derived tables that nobody edits: kept by database triggers (parties.models.MemberCount), not in the back office.
DERIVED = {"MemberCount"}


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_app_config("parties").get_models() if m.__name__ not in DERIVED],
    ids=lambda m: m.__name__,
)
def test_every_model_is_registered_with_search_and_filters(client, tree, model):
    model_admin = admin.site._registry.get(model)
    assert model_admin is not None, f"{model.__name__} is missing from the admin"
    assert model_admin.search_fields and model_admin.list_filter
    superuser = User.objects.create_superuser("root", "root@example.com", "pw-for-tests-123")
    client.force_login(superuser)
    url = reverse(f"admin:parties_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "传化"}).status_code == 200
    assert client.get(reverse(f"admin:parties_{model._meta.model_name}_add")).status_code == 200
