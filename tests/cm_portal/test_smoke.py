import pytest

pytestmark = pytest.mark.django_db


def test_start_page_for_a_verified_case_manager(persona_client):
    response = persona_client("alice").get("/", follow=True)
    assert response.redirect_chain == [("/plans/dashboard/", 302)]  # their deadlines
    assert "Alice" in response.content.decode()


def test_anonymous_is_sent_to_login(persona_client):
    response = persona_client("anonymous").get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
