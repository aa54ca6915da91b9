"""Security round 2 over HTTP: gunicorn with production settings, an attacker's client.

Each test replays one finding of the black-box test (the security round-2 issue, items 1-8)
as requests a person outside the code could send, and checks what the server answered, what
it e-mailed and, where the finding was about records, what it wrote.
"""

from __future__ import annotations

import re
import socket

import pytest
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML

from cm_portal.models import Role
from consent.models import Consent

from ..factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.blackbox


def test_the_harness_logs_in_with_password_and_code(server, hela_manniskan):
    user = UserFactory(organisation=hela_manniskan, role=Role.CASE_MANAGER)
    TOTPDeviceFactory(user=user)
    client = server.client()

    password_only = client.form_post(
        "/accounts/login/", {"username": user.email, "password": "a-long-test-passphrase-2026"}
    )
    assert password_only.status_code == 302
    assert client.get("/participants/").status_code == 302  # to the second factor

    verified = server.client()
    assert verified.log_in(user).status_code == 302
    assert verified.get("/participants/").status_code == 200


# Item 3: the lock-out counts an address whatever its letter case, and slows spraying.


def _staff(organisation, role=Role.CASE_MANAGER, **values):
    user = UserFactory(organisation=organisation, role=role, **values)
    TOTPDeviceFactory(user=user)
    return user


def _password_attempt(client, email: str, password: str):
    return client.form_post("/accounts/login/", {"username": email, "password": password})


def _logged_in(response) -> bool:
    """The password step succeeded: the login form redirects on to the second factor."""
    return response.status_code == 302


def test_letter_case_variants_of_an_address_share_one_lock_out(server, hela_manniskan):
    omar = _staff(hela_manniskan, email="omar.haddad@hela.example")
    client = server.client()
    for spelling in ["omar.haddad@hela.example", "OMAR.haddad@hela.example"] * 3:
        assert not _logged_in(_password_attempt(client, spelling, "wrong-password-1"))

    answer = _password_attempt(client, "Omar.Haddad@hela.example", "a-long-test-passphrase-2026")

    assert not _logged_in(answer)
    assert server.client().get("/").status_code == 302  # and no session came of it
    assert omar.email == "omar.haddad@hela.example"


def test_password_spraying_from_one_address_is_slowed(server, hela_manniskan):
    accounts = [_staff(hela_manniskan, email=f"sprayed{n}@hela.example") for n in range(9)]
    client = server.client()
    for attempt in range(36):
        _password_attempt(client, accounts[attempt % 9].email, f"Sommar{2020 + attempt}!")

    # A tenth account with its right password, from the same address, is held back too.
    victim = _staff(hela_manniskan, email="not-yet-tried@hela.example")
    assert not _logged_in(_password_attempt(client, victim.email, "a-long-test-passphrase-2026"))


# Item 7: password-reset links are built from SITE_URL, and rate-limited.


def _reset_links(server) -> list[str]:
    links = []
    for mail in server.mails():
        body = mail.get_body(preferencelist=("plain",)).get_content()
        links += re.findall(r"https?://\S+/accounts/password/set/\S+", body)
    return links


def test_a_reset_link_points_at_site_url_whatever_host_the_request_named(server, hela_manniskan):
    user = _staff(hela_manniskan)
    client = server.client()
    token = client.csrf_token("/accounts/password/reset/")

    client.post(
        "/accounts/password/reset/",
        data={"email": user.email, "csrfmiddlewaretoken": token},
        headers={"Host": "localhost:9999"},
    )

    links = _reset_links(server)
    assert links, "no reset e-mail was sent"
    assert all(link.startswith(server.url + "/") for link in links), links


def test_twelve_reset_requests_for_one_account_send_few_e_mails(server, hela_manniskan):
    user = _staff(hela_manniskan)
    client = server.client()
    for _ in range(12):
        client.form_post("/accounts/password/reset/", {"email": user.email})

    assert 1 <= len(_reset_links(server)) <= 3


# Item 8: an oversized upload is refused while it streams, and a scan must really open.


def _case_manager_with_participant(hela_manniskan):
    from ..participants.factories import register

    alice = _staff(hela_manniskan)
    participant = register(hela_manniskan, alice)
    return alice, participant


def test_an_oversized_upload_is_refused_before_the_body_is_read(server, hela_manniskan):
    alice, participant = _case_manager_with_participant(hela_manniskan)
    client = server.client()
    assert client.log_in(alice).status_code == 302
    path = reverse("consent:create", args=[participant.pk])
    token = client.csrf_token(path)
    declared = 30 * 1024 * 1024
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
        f"X-CSRFToken: {token}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    ).encode()
    host, port = server.url.removeprefix("http://").split(":")
    part_head = (
        b'--xyz\r\nContent-Disposition: form-data; name="scan"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )

    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head + part_head + b"x" * 65536)
        # The rest is never sent: an answer now means the server did not wait for it.
        answer = sock.recv(4096)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_file_that_only_starts_like_a_pdf_is_not_stored_as_a_scan(server, hela_manniskan):
    alice, participant = _case_manager_with_participant(hela_manniskan)
    client = server.client()
    assert client.log_in(alice).status_code == 302
    path = reverse("consent:create", args=[participant.pk])

    def upload(content: bytes):
        return client.post(
            path,
            data={
                "csrfmiddlewaretoken": client.csrf_token(path),
                "external_parties": "Vårdcentralen",
                "purpose": "Samordning",
                "signed_on": timezone.localdate().isoformat(),
                "signed_by": "participant",
            },
            files={"scan": ("scan.pdf", content, "application/pdf")},
        )

    assert client.get(path).status_code == 200
    answer = upload(b"%PDF-1.7\n<html><script>alert(1)</script></html>")
    assert answer.status_code == 200  # the form again, with the reason
    assert not Consent.objects.filter(participant=participant).exists()

    # The same form with a real PDF is stored: the refusal above was the scan's.
    assert upload(HTML(string="<p>Samtycke</p>").write_pdf()).status_code == 302
    assert Consent.objects.filter(participant=participant).count() == 1
