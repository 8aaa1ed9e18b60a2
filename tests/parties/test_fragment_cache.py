"""The tree and the reminders' organisation lists are cached rendered, under a fingerprint of the rows they show.

These tests prove the invalidation: any change that alters what is shown appears on the next request, even when
it is made through QuerySet.update() or bulk_create (no signals), and a change of language is not served from
another language's fragment.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parties.models import Member, MemberStatus, Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def _tree(client) -> str:
    return client.get(reverse("parties:tree")).content.decode()


def test_tree_shows_renames_new_organisations_and_members_at_once(client, alice, tree):
    client.force_login(alice)
    assert "传化公路港党支部" in _tree(client)
    assert "传化公路港党支部" in _tree(client)  # served from the cache the second time
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="改名后的党支部")  # no signal
    html = _tree(client)
    assert "改名后的党支部" in html and "传化公路港党支部" not in html
    park = tree["root"].park
    Organisation.objects.create(park=park, parent=tree["c1"], name="新建党支部", kind=OrganisationKind.BRANCH)
    assert "新建党支部" in _tree(client)
    before = _tree(client)
    Member.objects.bulk_create(
        [Member(park=park, organisation=tree["b1"], name=f"新党员{i}", status=MemberStatus.FULL) for i in range(7)]
    )
    after = _tree(client)
    assert after != before  # the member counts changed
    Organisation.objects.filter(name="新建党支部").delete()
    assert "新建党支部" not in _tree(client)


def test_tree_fragment_follows_the_language(client, alice, tree):
    client.force_login(alice)
    zh = client.get(reverse("parties:tree"), headers={"accept-language": "zh-hans"}).content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(reverse("parties:tree"), headers={"accept-language": "en"}).content.decode()
    assert "child organisation" in en
    assert "child organisation" not in zh


def test_secretary_and_admin_do_not_share_a_tree_fragment(client, alice, sam, tree):
    client.force_login(alice)
    assert "党工委" in _tree(client)
    client.force_login(sam)
    assert "党工委" not in _tree(client)  # sam's subtree starts at 综合党委一


def _reminders(client) -> str:
    return client.get(reverse("parties:reminders")).content.decode()


def test_reminders_lists_follow_changes_made_without_signals(client, alice, tree):
    client.force_login(alice)
    today = timezone.localdate()
    Organisation.objects.filter(pk=tree["b1"].pk).update(term_end=today + timedelta(days=3650))
    _reminders(client)
    first = _reminders(client)  # cached
    assert "传化公路港党支部" in first
    # The term ends tomorrow: 传化公路港党支部 moves into the "within 1 month" list, rendered again.
    Organisation.objects.filter(pk=tree["b1"].pk).update(term_end=today + timedelta(days=1))
    html = _reminders(client)
    assert (today + timedelta(days=1)).isoformat() in html
    assert html != first
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="改名后的党支部")
    html = _reminders(client)
    assert "改名后的党支部" in html and "传化公路港党支部" not in html


def test_reminders_lists_follow_the_rules(client, alice, tree, settings):
    client.force_login(alice)
    Organisation.objects.filter(pk=tree["b1"].pk).update(last_activity=date.today() - timedelta(days=100))
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "INACTIVE_BRANCH_DAYS": 365}
    assert "365" in _reminders(client)
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "INACTIVE_BRANCH_DAYS": 30}
    html = _reminders(client)
    assert "30" in html and "365" not in html


def test_reminders_member_lists_follow_changes_made_without_signals(client, alice, tree):
    client.force_login(alice)
    park = tree["root"].park
    today = timezone.localdate()
    member = Member.objects.create(
        park=park, organisation=tree["b1"], name="老党员甲", status=MemberStatus.FULL, last_activity=today
    )
    _reminders(client)
    assert "老党员甲" not in _reminders(client)  # active: in no list (cached the second time)
    Member.objects.filter(pk=member.pk).update(last_activity=today - timedelta(days=400))
    assert "老党员甲" in _reminders(client)  # now inactive
    Member.objects.filter(pk=member.pk).update(name="老党员乙")
    html = _reminders(client)
    assert "老党员乙" in html and "老党员甲" not in html
    admitted = today.replace(year=today.year - 30, day=1)
    Member.objects.filter(pk=member.pk).update(last_activity=today, admitted=admitted)
    html = _reminders(client)
    assert "老党员乙" in html  # now a political birthday this month, and no longer inactive
    assert html.count("老党员乙") == 1


def test_reminders_page_is_what_an_uncached_rendering_shows_after_each_change(client, alice, tree, grow_tree, settings):
    """The organisation lists' key holds each list's size and first rows: whatever changes, the cached page is
    the page rendered afresh (lists longer than the preview, changes inside and outside the rows shown)."""
    from django.core.cache import cache

    grow_tree(30)  # 30 branches under 社区一: too small, inactive; lists longer than the 10 rows shown
    client.force_login(alice)
    park = tree["root"].park
    branches = list(Organisation.objects.filter(name__startswith="x支部").order_by("path"))
    changes = [
        lambda: None,
        lambda: Organisation.objects.filter(pk=branches[0].pk).update(name="改名的第一个"),
        lambda: Organisation.objects.filter(pk=branches[-1].pk).update(name="改名的最后一个"),
        lambda: Member.objects.bulk_create(
            Member(park=park, organisation=branches[1], name=f"新{i}", status=MemberStatus.FULL) for i in range(8)
        ),
        # Only a count changes: the last branch leaves "too small", whose first rows stay the same.
        lambda: Member.objects.bulk_create(
            Member(park=park, organisation=branches[-1], name=f"末{i}", status=MemberStatus.FULL) for i in range(4)
        ),
        lambda: Organisation.objects.filter(pk=branches[2].pk).update(last_activity=timezone.localdate()),
        lambda: Organisation.objects.filter(pk=branches[3].pk).update(term_end=timezone.localdate() - timedelta(1)),
        lambda: Member.objects.filter(organisation=branches[1]).update(is_floating=True, home_organisation="某地"),
        lambda: setattr(settings, "PORTAL_RULES", {**settings.PORTAL_RULES, "BRANCH_MIN_FULL_MEMBERS": 9}),
    ]

    def page() -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", _reminders(client))

    for change in changes:
        change()
        page()
        cached = page()
        cache.clear()
        assert cached == page()
    assert "改名的第一个" in cached
    assert "{#" not in cached  # no template comment sent to the browser
