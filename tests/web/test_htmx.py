"""htmx fragments and an expired session."""


def test_live_fragment_without_a_session_asks_htmx_to_load_the_sign_in_page(client):
    response = client.get("/sla/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert "/login" in response.headers["HX-Redirect"]
    assert response.get_data() == b""


def test_plain_request_without_a_session_is_redirected_as_usual(client):
    response = client.get("/sla/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "HX-Redirect" not in response.headers
