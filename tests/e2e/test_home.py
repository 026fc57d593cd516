import pytest

pytestmark = pytest.mark.e2e


def test_home_page_loads(live_server, page):
    response = page.goto(live_server.url + "/")

    assert response is not None and response.ok, response and response.status
    assert page.locator("h1").inner_text() == "Run for office. We have your back."
