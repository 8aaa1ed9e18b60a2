"""In a real browser at 375 px: an oral application through two sessions to an agreement, printed, and paid in
two instalments."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.utils import timezone

from mediation.models import Case, CaseEvent
from tests.conftest import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_oral_case_to_paid_agreement(phone_page, live_server, mabel, room, artifacts_dir):
    page = phone_page
    sign_in(page, live_server, "mabel")
    page.goto(live_server.url + "/mediation/new/")
    page.check("input[name=intake][value=oral]")
    page.fill("input[name=matter]", "拖欠两个月工资")
    page.fill("textarea[name=reasons]", "口述：公司称资金紧张，拖欠九、十月工资")
    page.fill("input[name=respondent_name]", "成都某某货运有限公司")
    page.select_option("select[name=dispute_type]", "wages")
    page.fill("input[name=amount_claimed]", "9000")
    page.fill("textarea[name=facts]", "申请人在被申请人处任驾驶员，九、十月工资共9000元未发。")
    page.fill("textarea[name=requests]", "支付拖欠工资9000元")
    page.fill("input[name='applicants-0-name']", "张师傅")
    page.fill("input[name='applicants-0-phone']", "13812345678")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=os.path.join(artifacts_dir, "mediation-intake-375.png"), full_page=True)
    page.click("form.intake button[type=submit]")
    page.wait_for_url("**/mediation/*/")
    case = Case.objects.get()
    assert case.intake == "oral" and case.status == "received"

    page.click(f"form[action='/mediation/{case.pk}/move/accept/'] button")
    page.wait_for_selector("form.session-form")
    for n, minutes in enumerate(["听取双方陈述，核对考勤和工资表。", "双方同意分两期支付9000元。"]):
        if not page.is_visible("form.session-form textarea[name=present]"):
            page.click("form.session-form >> xpath=.. >> summary")
        page.fill("form.session-form textarea[name=present]", "申请人张师傅、被申请人代表、调解员梅调解")
        page.fill("form.session-form textarea[name=minutes]", minutes)
        page.click("form.session-form button[type=submit]")
        page.wait_for_selector(f"article.session >> nth={n}")
    assert case.sessions.count() == 2

    page.click("form.agreement-form >> xpath=.. >> summary")
    page.fill("form.agreement-form textarea[name=terms]", "被申请人分两期向申请人支付工资共计9000元。")
    page.fill("form.agreement-form textarea[name=performance]", "银行转账至申请人账户。")
    page.fill("form.agreement-form input[name=perform_by]", "2099-12-31")
    page.fill("form.agreement-form input[name=amount]", "9000")
    page.click("form.agreement-form button[type=submit]")
    page.wait_for_selector("section.agreement")
    case.refresh_from_db()
    assert case.status == "agreement"

    page.click(f"a[href='/mediation/{case.pk}/agreement/print/']")
    page.wait_for_selector("article.agreement-copy")
    copies = page.locator("article.agreement-copy .copy-mark").all_inner_texts()
    assert len(copies) == 3  # one applicant, the respondent, and the copy the body keeps
    page.emulate_media(media="print")
    assert not page.is_visible(".topbar")
    page.pdf(path=os.path.join(artifacts_dir, "mediation-agreement-a4.pdf"), format="A4")
    page.emulate_media(media="screen")
    page.screenshot(path=os.path.join(artifacts_dir, "mediation-agreement-375.png"), full_page=True)

    page.goto(f"{live_server.url}/mediation/{case.pk}/")
    today = timezone.localdate().isoformat()
    for amount, paid_on in (("5000", today), ("4000", today)):
        page.click("form.instalment-form >> xpath=.. >> summary")
        page.fill("form.instalment-form input[name=amount]", amount)
        page.fill("form.instalment-form input[name=paid_on]", paid_on)
        page.click("form.instalment-form button[type=submit]")
        page.wait_for_selector(f"table.instalments td:has-text('{amount}.00')")
    paid = sum(i.amount for i in case.agreement.instalments.all() if i.paid_on)
    assert paid == Decimal("9000")
    assert "9000" in page.inner_text("dd.paid")
    page.screenshot(path=os.path.join(artifacts_dir, "mediation-case-paid-375.png"), full_page=True)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds.count("instalment") == 2 and kinds.count("session") == 2 and "printed" in kinds
