"""The web console in a real browser (Debian's chromium, driven by Playwright) against a real
`stockout serve` on a store filled by `stockout demo-console --no-serve`, in Chinese and English:
each role's main journey, another shop's page is a 404, a form without its CSRF token is
refused, and every page passes an accessibility check (axe-core, vendored) without loading
anything from another host. Screenshots of every page go to `artifacts/console/` (ignored)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.online import Server, environment, stockout

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
SHOP, OTHER_SHOP = "s-tea", "s-other"

PAGES = {
    "merchant": [f"/console/shops/{SHOP}", f"/console/shops/{SHOP}/stock",
                 "/console/skus/sku-tea-lj",
                 f"/console/shops/{SHOP}/verdicts", f"/console/shops/{SHOP}/appeals",
                 f"/console/shops/{SHOP}/scores", f"/console/shops/{SHOP}/measures",
                 f"/console/shops/{SHOP}/message-check", "/console/orders/o-1004",
                 f"/console/shops/{SHOP}/service", "/console/orders/o-0903"],
    "buyer": ["/console/my", "/console/orders/o-1001", "/console/orders/o-1006",
              "/console/orders/o-0903"],
    "platform": ["/console/platform", "/console/platform/appeals/1",
                 "/console/platform/announcements", "/console/platform/rules",
                 "/console/platform/rules/pdd-2025",
                 "/console/platform/rules/diff?a=pdd-2023&b=pdd-2025",
                 "/console/platform/whatif", f"/console/platform/measures?shop={SHOP}",
                 "/console/platform/audit", "/console/platform/service",
                 "/console/orders/o-0903"],
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


class Console:
    """One demo store served by `stockout serve`, in one language, with the demo's tokens."""

    def __init__(self, lang: str, root: Path) -> None:
        self.lang = lang
        data = root / "data"
        db = f"sqlite:///{root / 'console.db'}"
        made = stockout("demo-console", "--no-serve", "--db", db, env=environment(data))
        assert made.returncode == 0, made.stderr
        self.tokens: dict[str, str] = json.loads(made.stdout)
        self.server = Server(db, data)
        self.url = self.server.url
        self.outside: list[str] = []  # requests for anything not on this server

    def api(self, role: str) -> httpx.Client:
        return self.server.client(self.tokens[role])

    def page(self, browser: Any, role: str) -> Any:
        """A fresh browser context signed in as `role`, in this console's language."""
        context = browser.new_context(locale="zh-CN" if self.lang == "zh" else "en-US",
                                      viewport={"width": 1280, "height": 900})
        context.route("**/*", self._only_here)
        page = context.new_page()
        page.goto(f"{self.url}/console/signin")
        if self.lang == "en":
            page.get_by_role("link", name="English").click()
        page.get_by_label("访问令牌" if self.lang == "zh" else "Access token").fill(
            self.tokens[role])
        page.get_by_role("button", name="登录" if self.lang == "zh" else "Sign in").click()
        page.wait_for_url(re.compile(r"/console/(shops|my|platform)"))
        return page

    def _only_here(self, route: Any) -> None:
        if route.request.url.startswith(self.url + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="module", params=["zh", "en"])
def console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Console]:
    served = Console(request.param, tmp_path_factory.mktemp(f"console-{request.param}"))
    yield served
    served.stop()
    assert served.outside == [], f"requests left the server: {served.outside}"


def shot(page: Any, console: Console, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{console.lang}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def words(console: Console, zh: str, en: str) -> str:
    return zh if console.lang == "zh" else en


def test_the_merchant_reports_an_order_at_risk_and_its_buyer_chooses_a_substitute(
        browser: Any, console: Console) -> None:
    merchant = console.page(browser, "merchant")
    card = merchant.locator("article.order", has_text="o-1001")
    expect(card).to_be_visible()
    countdown = card.locator("time.countdown")
    first = countdown.inner_text()
    assert re.search(r"(剩余|left)", first), first
    merchant.wait_for_timeout(1100)
    assert countdown.inner_text() != first  # live: it counts down every second
    shot(merchant, console, "merchant-queue")
    card.get_by_role("button", name=words(console, "报备缺货", "Report out of stock")).click()
    expect(merchant.locator(".flash.ok")).to_contain_text("o-1001")
    expect(merchant.locator("#quota")).to_contain_text(words(console, "还可报备缺货 9 次", ": 9 of 10"))
    card = merchant.locator("article.order", has_text="o-1001")
    expect(card).to_contain_text(words(console, "等待买家选择", "waiting for the buyer's choice"))
    expect(card).to_contain_text("碧螺春")  # the substitute the buyer is offered
    shot(merchant, console, "merchant-queue-reported")
    merchant.context.close()

    buyer = console.page(browser, "buyer")
    buyer.get_by_role("link", name="o-1001").click()
    expect(buyer.locator("h1")).to_contain_text("o-1001")
    expect(buyer.locator(".story").first).to_contain_text(words(console, "报备所购商品缺货", "reported"))
    expect(buyer.locator("time.countdown")).to_be_visible()
    shot(buyer, console, "buyer-order-offer")
    buyer.get_by_label(re.compile("碧螺春")).check()
    buyer.get_by_role("button", name=words(console, "确认选择", "Confirm")).click()
    expect(buyer.locator(".flash.ok")).to_contain_text(words(console, "换成替代商品", "substitute"))
    shot(buyer, console, "buyer-order-chosen")
    buyer.context.close()
    with console.api("buyer") as api:
        remedy = api.get("/v1/orders/o-1001").json()["remedy"]
    assert remedy["state"] == "substitute" and remedy["substitute_sku_id"] == "sku-tea-blc"


def test_the_buyer_reads_the_answers_contacts_the_shop_and_customer_service_and_confirms_a_refund(
        browser: Any, console: Console) -> None:
    buyer = console.page(browser, "buyer")
    buyer.get_by_role("link", name="o-1006").click()
    answers = buyer.locator("#answers")
    expect(answers).to_contain_text(words(console, "商家还要发货吗？", "Must the merchant still ship?"))
    expect(answers).to_contain_text(words(console, "可以依法索赔吗？", "Do I have a claim at law?"))
    expect(answers).to_contain_text("pdd-2025/remedies.choice_hours")
    expect(buyer.locator(".story").first).to_contain_text(
        words(console, "平台已向你发放 ¥5.00 无门槛券", "The platform has given you a ¥5.00"))
    assert buyer.locator("input[name=remedy]:checked").count() == 0  # nothing pre-selected
    shot(buyer, console, "buyer-answers")

    buyer.get_by_label(words(console, "给商家发消息", "Message the shop")).fill("请问什么时候有货？")
    buyer.get_by_role("button", name=words(console, "发送", "Send"), exact=True).click()
    expect(buyer.locator(".flash.ok")).to_contain_text(words(console, "消息已发送", "Message sent"))
    expect(buyer.locator("#chat")).to_contain_text("请问什么时候有货？")
    buyer.get_by_label(words(console, "向平台客服投诉（写明问题）",
                             "Complain to the platform's customer service (say what is wrong)")
                       ).fill("商家说没货，一直不发")
    buyer.get_by_role("button", name=words(console, "提交投诉", "Send the complaint")).click()
    expect(buyer.locator(".flash.ok")).to_contain_text(words(console, "已提交", "sent"))
    expect(buyer.locator("#tickets")).to_contain_text(words(console, "待答复", "awaiting an answer"))
    buyer.get_by_label(re.compile(words(console, "在商品 sku-cup 的页面留言",
                                        "Leave feedback on the page of sku-cup"))).fill("杯子还会补货吗？")
    buyer.get_by_role("button", name=words(console, "提交留言", "Leave feedback")).click()
    expect(buyer.locator("#feedback")).to_contain_text("杯子还会补货吗？")
    shot(buyer, console, "buyer-contacted")

    # A refund needs a second, explicit submit; going back refunds nothing.
    buyer.get_by_label(re.compile(words(console, "立即全额退款", "a full refund now"))).check()
    buyer.get_by_role("button", name=words(console, "确认选择", "Confirm")).click()
    expect(buyer.locator("h1")).to_contain_text(words(console, "确认退款", "Confirm the refund"))
    shot(buyer, console, "buyer-refund-confirm")
    buyer.get_by_role("link", name=words(console, "返回，不退款", "Go back without a refund")).click()
    with console.api("buyer") as api:
        assert api.get("/v1/orders/o-1006").json()["remedy"]["state"] == "offered"
    buyer.get_by_label(re.compile(words(console, "立即全额退款", "a full refund now"))).check()
    buyer.get_by_role("button", name=words(console, "确认选择", "Confirm")).click()
    buyer.get_by_role("button", name=re.compile(words(console, "确认退款", "Refund"))).click()
    expect(buyer.locator(".flash.ok")).to_contain_text(words(console, "退款", "refund"))

    buyer.goto(f"{console.url}/console/orders/o-0903")
    expect(buyer.locator(".story").nth(1)).to_contain_text("ZT900903")  # the waybill
    buyer.get_by_label(words(console, "退货原因（可不填）", "Why you return it (optional)")).fill("尺寸不合适")
    buyer.get_by_role("button", name=words(console, "申请退货", "Request a return")).click()
    expect(buyer.locator("#aftersales")).to_contain_text(words(console, "待商家处理", "waiting for the shop"))
    buyer.context.close()
    with console.api("buyer") as api:
        order = api.get("/v1/orders/o-1006").json()
    assert order["remedy"]["state"] == "refund"
    kinds = [e["event"]["type"] for e in order["timeline"]]
    assert "chat_message" in kinds and "refund_completed" in kinds

    merchant = console.page(browser, "merchant")
    merchant.goto(f"{console.url}/console/shops/{SHOP}/service")
    expect(merchant.locator("#sq-cases")).to_be_visible()
    expect(merchant.locator("main")).to_contain_text("o-0903")
    fb = merchant.locator("article.feedback", has_text="杯子还会补货吗？")
    fb.get_by_label(words(console, "回复这条留言", "Reply to this feedback")).fill("下周到货")
    fb.get_by_role("button", name=words(console, "回复", "Reply")).click()
    expect(merchant.locator(".flash.ok")).to_be_visible()
    shot(merchant, console, "merchant-service")
    merchant.goto(f"{console.url}/console/orders/o-0903")
    case = merchant.locator("#aftersales")
    case.get_by_label(words(console, "拒绝（需写明原因）", "Refuse (say why)")).check()
    case.get_by_label(words(console, "原因", "Reason"), exact=True).fill("已拆封")
    case.get_by_role("button", name=words(console, "提交", "Submit")).click()
    expect(merchant.locator("#aftersales")).to_contain_text(words(console, "商家已拒绝", "refused by the shop"))
    merchant.context.close()

    platform = console.page(browser, "platform")
    platform.goto(f"{console.url}/console/platform/service")
    expect(platform.locator("main")).to_contain_text("商家说没货，一直不发")
    shot(platform, console, "platform-service")
    platform.get_by_role("link", name="o-1006").click()
    platform.get_by_label(words(console, "答复内容", "Answer"), exact=True).fill("已核实，已为您全额退款。")
    platform.get_by_role("button", name=words(console, "答复", "Answer"), exact=True).click()
    expect(platform.locator("#tickets")).to_contain_text(words(console, "已答复", "answered"))
    platform.context.close()
    with console.api("buyer") as api:
        tickets = api.get("/v1/tickets", params={"state": "answered"}).json()["items"]
    assert [t["answer"] for t in tickets] == ["已核实，已为您全额退款。"]


def test_the_platform_approves_the_overdue_appeal_first_in_its_queue(browser: Any,
                                                                      console: Console) -> None:
    page = console.page(browser, "platform")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("o-0901")
    expect(rows.first).to_contain_text(words(console, "已超期", "overdue"))
    shot(page, console, "platform-queue")
    rows.first.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("#")
    page.get_by_label(words(console, "通过：撤销判定与赔付券", "Approve: void the verdict and its coupon")).check()
    page.get_by_role("button", name=words(console, "提交决定", "Decide")).click()
    expect(page.locator(".flash.ok")).to_contain_text(words(console, "已通过", "approved"))
    page.context.close()
    with console.api("platform") as api:
        order = api.get("/v1/orders/o-0901").json()
    late = [v for v in order["verdicts"] if v["violation"] == "late_shipment"]
    assert late and all(v["status"] != "active" for v in late)


def test_a_merchant_appeals_a_verdict_with_an_evidence_file(browser: Any, console: Console,
                                                            tmp_path: Path) -> None:
    note = tmp_path / "carrier-note.txt"
    note.write_text("网点通知：暂停揽收两天。", encoding="utf-8")
    page = console.page(browser, "merchant")
    page.goto(f"{console.url}/console/shops/{SHOP}/verdicts")
    page.locator("article.verdict", has_text="o-1005").get_by_role("link").last.click()
    expect(page.get_by_label(words(console, "判定", "Verdict"), exact=True)).to_contain_text("o-1005")
    page.get_by_label(words(console, "申诉理由", "Ground")).select_option("carrier_fault")
    page.get_by_label(words(console, "说明", "Statement")).fill("快递网点暂停揽收")
    page.get_by_label(words(console, "证据文件", "Evidence files")).set_input_files(str(note))
    page.get_by_role("button", name=words(console, "提交申诉", "File the appeal")).click()
    expect(page.locator(".flash.ok")).to_contain_text(words(console, "待审核", "pending"))
    expect(page.locator("table")).to_contain_text("o-1005")
    shot(page, console, "merchant-appeal-filed")
    page.context.close()
    with console.api("platform") as api:
        filed = [a for a in api.get("/v1/appeals", params={"state": "pending"}).json()["items"]
                 if a["order_id"] == "o-1005"]
    assert len(filed) == 1 and filed[0]["evidence"][0]["media_type"] == "text/plain"


def test_the_message_check_names_the_rule_a_chat_message_would_break(browser: Any,
                                                                    console: Console) -> None:
    page = console.page(browser, "merchant")
    page.goto(f"{console.url}/console/shops/{SHOP}/message-check")
    box = page.get_by_label(words(console, "要发送的消息", "Message to send"))
    box.fill("亲，这款暂时沒 貨了，您申请退款吧")
    page.get_by_role("button", name=words(console, "检查", "Check")).click()
    verdict = page.locator("#verdict-box")
    expect(verdict).to_contain_text("pdd-2025/stockout/merchant_chat")
    expect(verdict).to_contain_text("pdd-2025/stockout/induced_refund")
    shot(page, console, "merchant-message-check-flagged")
    box.fill("亲，已经在打包了，今天发出")
    page.get_by_role("button", name=words(console, "检查", "Check")).click()
    expect(verdict.locator(".flash.ok")).to_be_visible()
    page.context.close()


def test_the_platform_previews_an_announcement_and_runs_a_what_if_on_an_uploaded_file(
        browser: Any, console: Console, tmp_path: Path) -> None:
    if console.lang == "en":
        pytest.skip("the same pages in English are covered by the page-by-page checks")
    events = tmp_path / "events.jsonl"
    made = stockout("simulate", "--orders", "300", "--seed", "3", "--out", str(events),
                    env=environment(tmp_path))
    assert made.returncode == 0, made.stderr
    page = console.page(browser, "platform")
    page.goto(f"{console.url}/console/platform/announcements")
    page.get_by_label("公告 id").fill("storm-test")
    page.get_by_label("时限开始（北京时间）").fill("2020-01-01T00:00")
    page.get_by_label("时限结束（北京时间，不含）").fill("2040-01-01T00:00")
    page.get_by_label("延长小时数").fill("24")
    page.get_by_role("button", name="预览影响").click()
    preview = page.locator("#pv-h")
    expect(preview).to_contain_text("将延长")
    expect(page.locator("section.card table")).to_contain_text("o-1002")
    shot(page, console, "platform-announcement-preview")
    with console.api("platform") as api:  # a preview writes nothing
        assert all(a["id"] != "storm-test" for a in api.get("/v1/announcements").json()["items"])
    page.goto(f"{console.url}/console/platform/whatif")
    page.get_by_label("上传事件文件（JSON Lines）").check()
    page.get_by_label("文件", exact=True).set_input_files(str(events))
    page.get_by_label("规则 A").select_option("pdd-2023")
    page.get_by_label("规则 B").select_option("pdd-2025")
    page.get_by_role("button", name="开始比较").click()
    expect(page.locator("#wi-h")).to_contain_text("events.jsonl", timeout=60_000)
    expect(page.locator("#whatif-count svg")).to_be_visible()
    expect(page.locator("#whatif-money svg")).to_be_visible()
    shot(page, console, "platform-whatif-report")
    page.context.close()


def test_a_merchant_gets_the_same_404_for_another_shops_pages(browser: Any,
                                                              console: Console) -> None:
    page = console.page(browser, "merchant")
    for path in (f"/console/shops/{OTHER_SHOP}", f"/console/shops/{OTHER_SHOP}/stock",
                 "/console/orders/o-2001", "/console/skus/sku-other", "/console/platform"):
        answer = page.goto(console.url + path)
        assert answer is not None and answer.status == 404, path
        expect(page.locator("h1")).to_have_text(words(console, "未找到", "Not found"))
    shot(page, console, "merchant-404")
    page.context.close()
    with console.api("merchant") as api:
        assert api.get(f"/v1/shops/{OTHER_SHOP}/at-risk").status_code == 404
        assert api.get("/v1/orders/o-2001").status_code == 404


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
        browser: Any, console: Console) -> None:
    page = console.page(browser, "merchant")
    form = page.locator("article.order", has_text="o-1002").locator("form[action$='/report']")
    form.locator("input[name=csrf]").evaluate("input => input.remove()")
    form.get_by_role("button").click()
    expect(page.locator("h1")).to_have_text(words(console, "拒绝请求", "Refused"))
    shot(page, console, "csrf-refused")
    page.context.close()
    with console.api("merchant") as api:
        events = api.get("/v1/orders/o-1002").json()["timeline"]
    assert all(e["event"]["type"] != "stockout_reported" for e in events)
    outsider = httpx.post(f"{console.url}/console/orders/o-1002/report",
                          data={"reason": "x"}, cookies={"stockout_session":
                                                         console.tokens["merchant"]})
    assert outsider.status_code == 403
    anonymous = httpx.get(f"{console.url}/console/shops/{SHOP}/stock")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == \
        "/console/signin?next=%2Fconsole%2Fshops%2Fs-tea%2Fstock"


def test_every_page_passes_the_accessibility_check_and_refers_to_no_other_host(
        browser: Any, console: Console) -> None:
    problems: dict[str, Any] = {}
    for role, paths in PAGES.items():
        page = console.page(browser, role)
        page.keyboard.press("Tab")  # the first stop is the skip link, visibly focused
        focused = page.evaluate("() => { const e = document.activeElement;"
                                " return [e.className, getComputedStyle(e).outlineStyle]; }")
        assert focused == ["skip", "solid"], focused
        for path in paths:
            answer = page.goto(console.url + path)
            assert answer is not None and answer.status == 200, path
            html = page.content()
            foreign = [u for u in re.findall(r'(?:href|src|action)="([^"]+)"', html)
                       if re.match(r"^(https?:)?//", u) and not u.startswith(console.url)]
            assert foreign == [], (path, foreign)
            if console.lang == "zh":  # the same markup in English: checked once
                problems.update(_axe(page, f"{role} {path}"))
            name = re.sub(r"[^a-z0-9]+", "-", path.removeprefix("/console/").lower()).strip("-")
            shot(page, console, f"{role}-{name}")
        page.context.close()
    assert problems == {}


def _axe(page: Any, where: str) -> dict[str, Any]:
    """axe-core's WCAG 2.1 A/AA and best-practice rules (labels, landmarks, contrast...)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {runOnly: {type: 'tag',"
                                  " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
                                  " 'best-practice']}})).violations.map(v => [v.id,"
                          " v.nodes.map(n => n.target.join(' ')).slice(0, 3)])")
    return {where: found} if found else {}
