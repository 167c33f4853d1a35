"""The passport page in a real headless browser (Debian's chromium and chromedriver, driven by selenium):
the real server (uvicorn, in a thread, on a free port, over a SQLite ledger holding the battery chain and a
GS1-identified wafer) serves the page; the browser shows its figures, its chart's bars and the supply-chain
tree; the page is Chinese for a Chinese browser; at a phone's viewport nothing overflows sideways; a label
PNG decodes (zxing-cpp) to the product's resolver URL, and a phone following it is redirected (307) onto the
page of that product, for a Handle and a GS1 Digital Link.

Without chromium and chromedriver the tests skip, unless ``CARBONTRAIL_REQUIRE_INTEROP=1`` (CI) makes that a
failure. Selenium is pointed at /usr/bin/chromedriver and /usr/bin/chromium, so Selenium Manager never
fetches a driver or a browser.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
import pytest
import zxingcpp
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from api.app import create_app
from api.i18n import strings
from tests.integration.api.page_support import GTIN, PACK, LoggedChains, log_chains
from tests.integration.api.passport_support import register_chains
from tests.integration.api.registry_support import install
from tests.serving import REQUIRE_ENV, missing_tool, served_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def missing_browser(reason: str) -> NoReturn:
    """Skip, or fail in CI, for want of Debian's chromium (``tests/serving.missing_tool``)."""
    missing_tool(reason, "apt-get install -y chromium chromium-driver")


@pytest.mark.parametrize("required", [True, False])
def test_missing_browser_skips_or_fails(monkeypatch: pytest.MonkeyPatch, required: bool) -> None:
    """Without chromium the browser tests skip; with CARBONTRAIL_REQUIRE_INTEROP=1 (CI) they fail instead."""
    if required:
        monkeypatch.setenv(REQUIRE_ENV, "1")
    else:
        monkeypatch.delenv(REQUIRE_ENV, raising=False)
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match="chromium"):
        missing_browser("chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Headless chromium through chromedriver, both Debian's (no download: Selenium Manager is not asked)."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (Path(binary).is_file() and shutil.which(binary)):
            missing_browser(f"{binary} is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # --no-sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")  # should Selenium Manager be reached at all, it fetches nothing
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@dataclass(frozen=True)
class Served:
    """The running server's base URL and what its ledger holds."""

    base: str
    logged: LoggedChains

    def page(self, product: str) -> str:
        """The product's page URL."""
        return f"{self.base}/products/{quote(product, safe='')}/page"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """uvicorn serving the app in a thread on a free port, over a fresh SQLite ledger with the chains."""
    home = tmp_path_factory.mktemp("page-browser")
    chains = register_chains(install(home / "home", f"sqlite:///{home / 'log.db'}", "browser.test/log"))
    logged = log_chains(chains)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("CARBONTRAIL_BASE_URL", raising=False)  # labels encode this server's own URL
        with served_app(create_app(chains.inst.settings)) as url:
            yield Served(url, logged)


def _emulate(driver: WebDriver, metrics: dict[str, Any], *, language: str, mobile_ua: bool = False) -> None:
    """The viewport and the request headers a device sends (Accept-Language, and a phone's user agent)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    agent = PHONE_UA if mobile_ua else str(driver.execute_script("return navigator.userAgent"))
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": language})


def _text(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text).strip()


def test_the_page_shows_figures_chart_and_tree(browser: WebDriver, served: Served) -> None:
    _emulate(browser, DESKTOP, language="en")
    browser.get(served.page(PACK))
    pack = served.logged.pack.subject
    scorecard = pack["emissionsScorecard"]
    assert _text(browser, "#product-name") == pack["product"]["name"]
    assert _text(browser, "#product-id") == PACK
    assert _text(browser, "[data-figure=footprint]") == scorecard["pcfExcludingBiogenic"]
    assert _text(browser, "[data-figure=grade]") == pack["conformityClaim"][0]["grade"]

    bars = browser.find_elements(By.CSS_SELECTOR, "#stages svg.chart rect.bar")
    assert sorted(str(b.get_attribute("data-stage")) for b in bars) == sorted(scorecard["stages"])
    widths = {str(b.get_attribute("data-stage")): float(b.rect["width"]) for b in bars}
    largest = max(scorecard["stages"], key=lambda s: abs(float(scorecard["stages"][s])))
    chart_width = float(browser.find_element(By.CSS_SELECTOR, "#stages svg.chart").rect["width"])
    assert widths[largest] == pytest.approx(chart_width, abs=1.0)  # the largest stage spans the chart
    for stage, value in scorecard["stages"].items():
        row = browser.find_element(By.CSS_SELECTOR, f'#stage-table tr[data-stage="{stage}"]')
        assert value in row.text  # the figures read without the chart
        assert (widths[stage] > 0) == (float(value) != 0)

    nodes = browser.find_elements(By.CSS_SELECTOR, "#supply-chain li.node")
    assert len(nodes) >= 6
    lithium = browser.find_element(
        By.CSS_SELECTOR, f'#supply-chain li.node[data-credential="{served.logged.lithium.doc.digest}"]'
    )
    assert lithium.is_displayed()
    depth = browser.execute_script(
        "let n = 0, e = arguments[0].parentElement.closest('li.node');"
        "while (e) { n++; e = e.parentElement.closest('li.node'); } return n;",
        lithium,
    )
    assert (depth, lithium.get_attribute("data-tier")) == (2, "3")  # pack > cell > cathode > lithium
    assert str(served.logged.lithium.index) in lithium.text
    link = lithium.find_element(By.CSS_SELECTOR, "a.credential-link")
    assert str(link.get_attribute("href")) == f"{served.base}/credentials/{served.logged.lithium.doc.digest}"
    bundle = str(browser.find_element(By.ID, "download-bundle").get_attribute("href"))
    assert bundle == f"{served.base}/products/{quote(PACK, safe='')}/bundle"
    assert _text(browser, "#verification .result") == strings("en")["verified_ok"]
    assert browser.execute_script("return document.scripts.length") == 0


def test_a_chinese_browser_gets_the_chinese_page(browser: WebDriver, served: Served) -> None:
    _emulate(browser, DESKTOP, language="zh-CN,zh;q=0.9,en;q=0.6")
    browser.get(served.page(PACK))
    zh = strings("zh")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert _text(browser, "#footprint-title") == zh["footprint"]
    assert _text(browser, "#supply-title") == zh["supply_chain"]
    assert _text(browser, "#verification .result") == zh["verified_ok"]
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#stage-table tbody th")]
    assert zh["rawMaterialAcquisition"] in labels
    browser.get(served.page(PACK) + "?lang=en")  # the explicit choice wins over the browser's
    assert _text(browser, "#supply-title") == strings("en")["supply_chain"]


@pytest.mark.parametrize(("product", "language"), [(PACK, "en"), (PACK, "zh-CN"), (GTIN, "zh-CN")])
def test_no_horizontal_overflow_on_a_phone(
    browser: WebDriver, served: Served, product: str, language: str
) -> None:
    _emulate(browser, PHONE, language=language, mobile_ua=True)
    browser.get(served.page(product))
    width = browser.execute_script("return window.innerWidth")
    assert width == PHONE["width"]  # the viewport meta makes the layout viewport the device's width
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    sticking_out = browser.execute_script(
        "return Array.from(document.body.querySelectorAll('*'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.getAttribute('class'));"
    )
    assert sticking_out == []


@pytest.mark.parametrize(("product", "path"), [(PACK, "/id/88.118.4/PACK-14kWh"), (GTIN, f"/01/{GTIN}")])
def test_scanning_the_label_lands_on_the_page(
    browser: WebDriver, served: Served, product: str, path: str
) -> None:
    png = httpx.get(f"{served.base}/labels/{quote(product, safe='')}.png", timeout=30)
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert code.text == served.base + path

    # what the phone's browser asks first: a redirect to the page (the resolver's default link for HTML)
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    first = httpx.get(code.text, headers={"accept": accept, "user-agent": PHONE_UA}, follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (307, served.page(product))

    _emulate(browser, PHONE, language="en", mobile_ua=True)
    browser.get(code.text)
    assert browser.current_url == served.page(product)
    assert browser.execute_script("return performance.getEntriesByType('navigation')[0].redirectCount") == 1
    assert _text(browser, "#product-id") == product
    subject = served.logged.pack.subject if product == PACK else served.logged.wafer.subject
    assert _text(browser, "[data-figure=footprint]") == subject["emissionsScorecard"]["pcfExcludingBiogenic"]
