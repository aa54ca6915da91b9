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


def test_the_error_pages_speak_the_users_language(persona_client):
    """Django's own error pages say lang="en" and have no landmark; ours follow base.html."""
    client = persona_client("alice")
    not_found = client.get("/participants/999999/", HTTP_ACCEPT_LANGUAGE="sv")
    assert not_found.status_code == 404
    text = not_found.content.decode()
    assert '<html lang="sv">' in text and "<main" in text
    assert "Sidan finns inte" in text

    forbidden = client.get("/administration/staff/", HTTP_ACCEPT_LANGUAGE="sv")
    assert forbidden.status_code == 403
    assert "Din roll ger inte tillgång till sidan." in forbidden.content.decode()


def test_the_500_page_stands_on_its_own(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("sv"):
        response = server_error(rf.get("/"))
    text = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="sv">' in text and "<main" in text and "Något gick fel" in text
