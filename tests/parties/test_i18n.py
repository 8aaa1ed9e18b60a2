"""The party pages speak Chinese by default and English on request."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name, chinese, english",
    [
        ("parties:tree", "组织架构", "Organisation tree"),
        ("parties:coverage", "应建未建党组织的企业", "Enterprises that must have an organisation and do not"),
        ("parties:reminders", "已到期未换届", "Terms already ended"),
        ("parties:member_list", "筛选与搜索", "Filters and search"),
        ("parties:import_members", "下载模板", "Download the template"),
    ],
)
def test_chinese_by_default_english_on_request(client, alice, tree, url_name, chinese, english):
    client.force_login(alice)
    assert chinese in client.get(reverse(url_name)).content.decode()
    client.cookies["django_language"] = "en"
    assert english in client.get(reverse(url_name)).content.decode()
