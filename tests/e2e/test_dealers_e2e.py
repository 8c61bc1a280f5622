"""A dealer's first login in a browser lands on its portal home: open items, notifications, quick actions,
and its profile where its login manager adds a clerk."""
import pytest

pytestmark = pytest.mark.e2e


def test_dealer_first_login_lands_on_the_portal(page):
    page.goto("/")
    page.fill("input[name=username]", "dealer1")
    page.fill("input[name=password]", "demo12345")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/portal")
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert page.locator(".portal-section").count() >= 1
    assert "Quick actions" in page.content() and "Notifications" in page.content()
    page.click("a:has-text('Our profile and users')")
    page.wait_for_load_state()
    assert "/dealers/D001/profile" in page.url
    page.fill("input[name=username]", "clerk_e2e")
    page.fill("input[name=password]", "a-long-password-1")
    page.click("button:has-text('Add login')")
    page.wait_for_load_state()
    assert "clerk_e2e" in page.locator("table").first.inner_text()
