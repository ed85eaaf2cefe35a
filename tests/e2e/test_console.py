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
    "merchant": [f"/console/shops/{SHOP}", f"/console/shops/{SHOP}/stock", "/console/skus/sku-tea-lj",
                 f"/console/shops/{SHOP}/verdicts", f"/console/shops/{SHOP}/appeals",
                 f"/console/shops/{SHOP}/scores", f"/console/shops/{SHOP}/measures",
                 f"/console/shops/{SHOP}/message-check", "/console/orders/o-1004"],
    "buyer": ["/console/my", "/console/orders/o-1001"],
    "platform": ["/console/platform", "/console/platform/appeals/1",
                 "/console/platform/announcements", "/console/platform/rules",
                 "/console/platform/rules/pdd-2025",
                 "/console/platform/rules/diff?a=pdd-2023&b=pdd-2025",
                 "/console/platform/whatif", f"/console/platform/measures?shop={SHOP}",
                 "/console/platform/audit"],
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
    expect(buyer.locator(".story").first).to_contain_text(words(console, "报备缺货", "reported"))
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
