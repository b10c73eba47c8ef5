"""A real browser: a requester opens a ticket in the portal, an agent finds it in the queue and replies,
the requester sees the reply. Every page on the way is scanned with axe-core."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from app.users.models import Role

from ..conftest import PASSWORD
from .conftest import axe_violations

pytestmark = pytest.mark.browser


def _wait_for_text(driver, text: str, timeout: float = 10):
    WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), text))


def _sign_in(driver, base: str, user) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/auth/login")
    driver.find_element(By.ID, "email").send_keys(user.email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/auth/login" not in d.current_url)


def _accessible(driver, page: str) -> None:
    violations = axe_violations(driver)
    assert violations == [], f"{page}: {violations}"


def test_requester_and_agent_round_trip(live_server, browser, make_user, tmp_path):
    requester = make_user(Role.requester, name="Rita Requester")
    agent = make_user(Role.agent, name="Andy Agent")

    _sign_in(browser, live_server, requester)
    browser.get(live_server + "/portal/new")
    _accessible(browser, "portal: choose a kind of request")
    browser.get(live_server + "/portal/new/incident")
    _accessible(browser, "portal: new ticket form")
    browser.find_element(By.ID, "subject").send_keys("Printer on floor 3 jams <b>always</b>")
    browser.find_element(By.ID, "description").send_keys("Every second page gets stuck.")
    browser.find_element(By.CSS_SELECTOR, "form.portal-form button[type=submit]").click()
    _wait_for_text(browser, "Printer on floor 3 jams <b>always</b>")  # shown as text, not markup
    ticket_url = browser.current_url
    assert "/portal/tickets/" in ticket_url
    _accessible(browser, "portal: ticket page")

    _sign_in(browser, live_server, agent)
    browser.get(live_server + "/tickets/?view=all")
    _accessible(browser, "workspace: queue")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Printer on floor 3 jams").click()
    _wait_for_text(browser, "Every second page gets stuck.")
    _accessible(browser, "workspace: ticket page")
    browser.find_element(By.ID, "reply-body").send_keys("Swapped the roller, please try again.")
    browser.find_element(By.CSS_SELECTOR, "#reply-form button[type=submit]").click()
    _wait_for_text(browser, "Swapped the roller, please try again.")
    browser.find_element(By.ID, "note-body").send_keys("Roller was worn out, ordered spares.")
    browser.find_element(By.CSS_SELECTOR, "#note-form button[type=submit]").click()
    _wait_for_text(browser, "ordered spares")
    # a reply of only files, two at once, sent live (htmx)
    shot, steps = tmp_path / "roller.png", tmp_path / "steps.txt"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    steps.write_text("1. Open tray 2.")
    browser.find_element(By.ID, "reply-file").send_keys(f"{shot}\n{steps}")
    browser.find_element(By.CSS_SELECTOR, "#reply-form button[type=submit]").click()
    _wait_for_text(browser, "steps.txt")
    assert "roller.png" in browser.find_element(By.ID, "timeline").text

    _sign_in(browser, live_server, requester)
    browser.get(ticket_url)
    _wait_for_text(browser, "Swapped the roller, please try again.")
    assert "ordered spares" not in browser.find_element(By.TAG_NAME, "body").text  # internal note stays internal
    assert "roller.png" in browser.find_element(By.TAG_NAME, "body").text
    _accessible(browser, "portal: ticket page with a reply")
