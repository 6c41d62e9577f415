"""A station manager's phone loses the network: the workbench keeps working.

Logs in, opens the workbench, goes offline, records three services and queues a parcel's arrival, sees
them waiting, reloads the page offline (answered by the service worker), goes back online, sees the
outbox flush; the database then holds exactly three new entries and the parcel's change, and sending
the same entries again stores nothing more. Runs Debian's Chromium (see core/tests/test_browser.py).
"""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from xiangcun.core.testing import make_county, make_station, make_user
from xiangcun.core.tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    _require_chromium,
    project_static,  # noqa: F401 (a fixture)
)
from xiangcun.households.models import Household
from xiangcun.stations.models import Transaction, TransactionEvent
from xiangcun.stations.services import transaction_transition
from xiangcun.stations.sync import transactions_sync

RESEND = """async () => {
  const cfg = JSON.parse(document.getElementById('wb-config').textContent);
  const ops = await new XiangcunOutbox.Outbox(cfg, () => {}).ops();
  const entries = ops.filter((o) => o.type === 'entry').map((o) => o.payload);
  const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const resp = await fetch(cfg.syncUrl, {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
    body: JSON.stringify({transactions: entries})});
  return (await resp.json()).results.map((r) => r.status);
}"""
# Failed requests while offline are logged by the browser itself; they are expected here.
EXPECTED_OFFLINE = ("net::ERR_INTERNET_DISCONNECTED", "Failed to load resource", "Failed to fetch")


def _record(page, kind, villager, description, amount, **extra):
    page.click(f".wb-kind:has(input[value={kind}])")
    page.fill("#wb-villager", villager)
    page.fill("#wb-description", description)
    page.fill("#wb-amount", amount)
    for selector, value in extra.items():
        page.fill(f"#{selector}", value)
    page.click("#wb-form button[type=submit]")


def _pending(page) -> str:
    return page.locator("#wb-pending-count").inner_text()


@pytest.mark.browser
@pytest.mark.usefixtures("project_static")
def earlier_today():
    """An hour ago, or the start of the day in Beijing if that was yesterday (the page lists today's
    entries, whatever time of day the test runs)."""
    now = timezone.now()
    return max(
        now - timedelta(hours=1), timezone.make_aware(datetime.combine(timezone.localdate(now), time()))
    )


@pytest.mark.django_db(transaction=True)
def test_workbench_offline_outbox_and_reload(live_server, capsys):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    county = make_county("130425", "大名县")
    station = make_station(county.villages.order_by("code")[0], status="operating")
    manager = make_user("station_manager", county, username="manager", station=station)
    # A parcel on its way, ordered an hour ago.
    (parcel,) = transactions_sync(
        station=station,
        items=[
            {
                "uuid": "6f1c9a52-3b7e-4d2a-9c59-0d6f3e7a1b24",
                "kind": "proxy_purchase",
                "occurred_at": earlier_today().isoformat(),
                "amount": "128.50",
                "villager_name": "李桂兰",
                "description": "电饭锅",
            }
        ],
        actor=manager,
    )
    tx = Transaction.objects.get(uuid=parcel.uuid)
    transaction_transition(actor=manager, tx=tx, to_status="shipped")
    before = Transaction.objects.count()

    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    saved, errors = [], []
    base = live_server.url
    # Everything below talks to the live server only (no ORM while Playwright's loop runs).
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: (
                    errors.append(msg.text)
                    if msg.type == "error" and not any(s in msg.text for s in EXPECTED_OFFLINE)
                    else None
                ),
            )
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/stations/workbench/")
            page.wait_for_url(f"{base}/stations/{station.code}/")
            page.wait_for_selector("#workbench[data-ready='1']")
            # The service worker controls the page and has kept a copy of it.
            page.wait_for_selector("#workbench[data-offline-ready='1']", timeout=15000)
            assert page.evaluate("navigator.serviceWorker.controller !== null")
            assert _pending(page) == "0"
            assert page.locator(".wb-parcel").count() == 1

            context.set_offline(True)
            page.wait_for_selector("#wb-net[data-online='0']")
            _record(page, "proxy_purchase", "王秀英", "化肥 2 袋", "128.50", **{"wb-fee": "3.00"})
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '1'")
            _record(page, "bill_payment", "张建国", "电费 5 月", "86.40", **{"wb-reference": "GD20181105"})
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '2'")
            _record(page, "cash_withdrawal", "赵明", "助农取款", "500", **{"wb-reference": "ICBC-7781"})
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '3'")
            assert _pending(page) == "3"
            assert page.locator("#wb-outbox li[data-state=pending]").count() == 3
            assert page.locator("#wb-today-rows tr.wb-local[data-state=pending]").count() == 3
            # An invalid amount never reaches the outbox: the form says why.
            _record(page, "life_service", "赵明", "打印", "12.345")
            assert page.locator("#wb-form-error").is_visible()
            assert _pending(page) == "3"
            page.fill("#wb-amount", "")
            page.screenshot(path=str(shots / "workbench-offline.png"), full_page=True)
            saved.append(shots / "workbench-offline.png")

            # Reload without a network: the service worker answers with its copy; the outbox is intact.
            response = page.reload()
            assert response is not None and response.status == 200
            assert response.from_service_worker
            assert "x-workbench-saved-at" in response.headers
            page.wait_for_selector("#workbench[data-ready='1']")
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '3'")
            assert page.locator("#wb-today-rows tr.wb-local").count() == 3

            # The parcel arrives while still offline: the change is queued too.
            page.click(".wb-parcel button[data-to=arrived]")
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '4'")
            assert page.locator(".wb-parcel[data-status=arrived] button[data-to=picked_up]").count() == 1

            # Back online: everything is sent without a click ('online' event).
            context.set_offline(False)
            page.wait_for_function(
                "document.getElementById('wb-pending-count').dataset.count === '0'", timeout=30000
            )
            page.wait_for_function(
                "document.querySelectorAll('#wb-today-rows tr:not(.wb-local)[data-uuid]').length === 4"
            )
            assert page.locator("#wb-net").get_attribute("data-online") == "1"
            assert page.locator("#wb-outbox-card").is_hidden()
            assert page.locator("[data-figure=orders] .value").inner_text() == "2"
            page.screenshot(path=str(shots / "workbench-synced.png"), full_page=True)
            saved.append(shots / "workbench-synced.png")

            # Sending the same entries again stores nothing (they are acknowledged as duplicates).
            assert page.evaluate(RESEND) == ["duplicate", "duplicate", "duplicate"]

            # A phone, 375 px wide: the whole workbench fits the screen.
            phone = browser.new_context(
                locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True
            )
            phone.add_cookies(context.cookies())
            mobile = phone.new_page()
            mobile.goto(f"{base}/stations/{station.code}/")
            mobile.wait_for_selector("#workbench[data-ready='1']")
            overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
            mobile.screenshot(path=str(shots / "workbench-phone.png"), full_page=True)
            saved.append(shots / "workbench-phone.png")
            mobile.goto(f"{base}/stations/{station.code}/month/{timezone.localdate():%Y-%m}/")
            overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the month page is {overflow}px wider than a phone screen"
            mobile.screenshot(path=str(shots / "station-month-phone.png"), full_page=True)
            saved.append(shots / "station-month-phone.png")
            # The parcel's page: its history (shipped, then arrived offline) and what may come next.
            mobile.goto(f"{base}/stations/{station.code}/entries/{parcel.uuid}/")
            assert mobile.locator("#entry-history tr[data-to]").count() == 2
            assert mobile.locator("#entry-transition button[value=picked_up]").count() == 1
            overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the entry page is {overflow}px wider than a phone screen"
            mobile.screenshot(path=str(shots / "entry-phone.png"), full_page=True)
            saved.append(shots / "entry-phone.png")
            assert errors == [], errors
        except Exception:
            page.screenshot(path=str(shots / "workbench-failure.png"), full_page=True)
            with capsys.disabled():
                print(
                    f"\nscreenshot of the failure: {shots / 'workbench-failure.png'}; page errors: {errors}"
                )
            raise
        finally:
            browser.close()

    # Entries saved within the same second share their time: compare them in a fixed order.
    new = Transaction.objects.exclude(pk=tx.pk).order_by("kind")
    assert Transaction.objects.count() == before + 3
    assert [(t.kind, t.villager_name, str(t.amount), t.reference, t.source) for t in new] == [
        ("bill_payment", "张建国", "86.40", "GD20181105", "sync"),
        ("cash_withdrawal", "赵明", "500.00", "ICBC-7781", "sync"),
        ("proxy_purchase", "王秀英", "128.50", "", "sync"),
    ]
    assert [str(t.fee) for t in new] == ["0.00", "0.00", "3.00"]
    assert all(t.actor_id == manager.pk for t in new)
    tx.refresh_from_db()
    assert tx.status == "arrived"
    assert list(TransactionEvent.objects.filter(transaction=tx).values_list("to_status", flat=True)) == [
        "shipped",
        "arrived",
    ]
    with capsys.disabled():
        for path in saved:
            print(f"\nscreenshot: {path}")


INJECT_BAD = """async () => {
  const cfg = JSON.parse(document.getElementById('wb-config').textContent);
  await new XiangcunOutbox.Outbox(cfg, () => {}).addEntry({
    uuid: '0b7e6f5e-8f0c-4a4e-9a43-2f7e8a1c5d11', kind: 'life_service',
    occurred_at: XiangcunOutbox.isoWithOffset(new Date()), amount: '-5', villager_name: '赵明',
    description: '复印'});
}"""


@pytest.mark.browser
@pytest.mark.usefixtures("project_static")
@pytest.mark.django_db(transaction=True)
def test_workbench_rejected_entry_is_corrected(live_server, capsys):
    """An entry the server refuses (here written to the outbox by an older page with a negative amount)
    is shown with the server's error; "Correct" puts it back in the form, and the corrected entry is
    stored under the same UUID."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    county = make_county("130425", "大名县")
    station = make_station(county.villages.order_by("code")[0], status="operating")
    make_user("station_manager", county, username="manager", station=station)
    household = Household.objects.create(
        county=county, village=station.village, code="H-0001", head_name="赵明"
    )
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/stations/{station.code}/")
            page.wait_for_selector("#workbench[data-ready='1']")
            page.evaluate(INJECT_BAD)
            page.click("#wb-send")
            page.wait_for_selector("#wb-outbox li[data-state=rejected]")
            rejected = page.locator("#wb-outbox li[data-state=rejected]")
            assert "Amount (yuan): Must not be negative." in rejected.locator(".wb-op-errors").inner_text()
            assert _pending(page) == "0"
            assert page.locator("#wb-today-rows tr.wb-local[data-state=rejected]").count() == 1
            page.screenshot(path=str(shots / "workbench-rejected.png"), full_page=True)

            rejected.locator("button[data-action=edit]").click()
            assert page.input_value("#wb-amount") == "-5"
            assert page.input_value("#wb-description") == "复印"
            assert page.is_checked(".wb-kind input[value=life_service]")
            page.fill("#wb-amount", "5.00")
            page.select_option("#wb-household", "H-0001")  # linked after the entry is stored
            page.click("#wb-form button[type=submit]")
            page.wait_for_function(
                "document.querySelector('#wb-today-rows tr:not(.wb-local)[data-uuid]') !== null"
            )
            page.wait_for_function("document.getElementById('wb-pending-count').dataset.count === '0'")
            assert page.locator("#wb-outbox-card").is_hidden()
            assert errors == [], errors
        finally:
            browser.close()

    (tx,) = Transaction.objects.all()
    assert (str(tx.uuid), tx.kind, str(tx.amount), tx.description) == (
        "0b7e6f5e-8f0c-4a4e-9a43-2f7e8a1c5d11",
        "life_service",
        "5.00",
        "复印",
    )
    assert tx.household == household
