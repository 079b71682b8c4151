"""Headless Debian Chromium driven by Selenium with /usr/bin/chromedriver, for the web UI
tests: the browser, waiting on it, and the marks that skip when it is not installed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - the dev extra installs it
    webdriver = None
    WebDriverException = Exception
    By = None

MISSING = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
# A browser test module's `pytestmark` starts with these.
NEEDS_CHROMIUM = [
    pytest.mark.skipif(webdriver is None, reason="selenium is not installed (dev extra)"),
    pytest.mark.skipif(
        bool(MISSING), reason=f"{', '.join(MISSING)} missing (apt-get install chromium-driver)"
    ),
]

__all__ = ["By", "WebDriverException", "chrome", "displayed", "until", "NEEDS_CHROMIUM"]


def chrome(profile: Path) -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def until(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = 20) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        condition, message=f"timed out waiting for {what}"
    )


def displayed(driver: Any, element_id: str) -> Any:
    """The element if it is displayed, else False (for `until`)."""
    element = driver.find_element(By.ID, element_id)
    return element.is_displayed() and element
