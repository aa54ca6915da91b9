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
from django_otp.plugins.otp_totp.models import TOTPDevice
from weasyprint import HTML

from cm_portal.models import AccessEvent, AccountChangeRequest, Role, User
from consent.models import Consent

from ..factories import TOTPDeviceFactory, UserFactory
from .conftest import BlackBoxClient

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
    assert all(link.startswith(server.site_url + "/") for link in links), links


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


# Item 1: a case manager moved to the other organisation loses her old caseload at once.


def test_a_case_manager_moved_to_the_district_loses_her_caseload_and_session(
    server, hela_manniskan, district
):
    from ..participants.factories import register

    alice = _staff(hela_manniskan, email="alice.moved@hela.example")
    hela_lead = _staff(hela_manniskan, Role.TEAM_LEAD, email="lead@hela.example")
    district_lead = _staff(district, Role.TEAM_LEAD, email="lead@district.example")
    admin = _staff(district, Role.ADMINISTRATOR, email="admin@district.example")
    participant = register(hela_manniskan, alice)
    detail = reverse("participants:detail", args=[participant.pk])
    export = reverse("consent:export_json", args=[participant.pk])
    alice_browser = server.client()
    assert alice_browser.log_in(alice).status_code == 302
    assert alice_browser.get(detail).status_code == 200

    administrator = server.client()
    administrator.log_in(admin)
    edit = reverse("staff:edit", args=[alice.pk])
    administrator.form_post(
        edit,
        {
            "name": alice.name,
            "email": alice.email,
            "organisation": district.pk,
            "role": Role.CASE_MANAGER,
        },
    )
    change = AccountChangeRequest.objects.get(target=alice)
    approver = server.client()
    approver.log_in(district_lead)
    approve = reverse("approvals:approve", args=[change.pk])
    assert approver.form_post(approve, {}).status_code == 302

    # Her open session ended with the move ...
    assert alice_browser.get(detail).status_code == 302
    # ... and logged in again, her old participant is as unknown to her as any other.
    again = server.client()
    assert again.log_in(alice).status_code == 302
    assert again.get(detail).status_code == 404
    assert again.get(export).status_code == 404
    contact = reverse("participants:contact_create", args=[participant.pk])
    token = again.csrf_token(reverse("participants:list"))
    refused = again.post(
        contact,
        data={"csrfmiddlewaretoken": token, "date": "2026-12-01", "kind": "meeting"},
    )
    assert refused.status_code == 404
    assert not participant.contacts.exists()
    # The team lead she left is told which case lost its case manager (by reference only).
    told = [m for m in server.mails() if hela_lead.email in m["To"]]
    assert told and participant.reference in told[-1].get_body().get_content()


# Item 2: an administrator gets no case access on her own, three ways.


def test_an_administrator_cannot_give_herself_case_access(server, hela_manniskan, district):
    admin = _staff(district, Role.ADMINISTRATOR, email="admin@district.example")
    lead = _staff(hela_manniskan, Role.TEAM_LEAD, email="lead@hela.example")
    administrator = server.client()
    administrator.log_in(admin)

    # 1. Her own role.
    own = reverse("staff:edit", args=[admin.pk])
    administrator.form_post(
        own,
        {
            "name": admin.name,
            "email": admin.email,
            "organisation": district.pk,
            "role": "team_lead",
        },
    )
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR
    assert not AccountChangeRequest.objects.filter(target=admin).exists()

    # 2. A team-lead account on a mailbox of hers: created, but it cannot log in.
    administrator.form_post(
        reverse("staff:create"),
        {
            "name": "Mallory",
            "email": "mallory@admins-own.example",
            "organisation": hela_manniskan.pk,
            "role": "team_lead",
            "send_link": "on",
        },
    )
    mallory = User.objects.get(email="mallory@admins-own.example")
    assert not mallory.is_active
    assert not [m for m in server.mails() if "mallory@admins-own.example" in m["To"]]

    # 3. The team lead's e-mail turned to her mailbox, then a link and a second-factor reset.
    edit = reverse("staff:edit", args=[lead.pk])
    administrator.form_post(
        edit,
        {
            "name": lead.name,
            "email": "lead@admins-own.example",
            "organisation": hela_manniskan.pk,
            "role": "team_lead",
        },
    )
    administrator.form_post(reverse("staff:password_link", args=[lead.pk]), {}, form_page=edit)
    administrator.form_post(
        reverse("staff:reset_second_factor", args=[lead.pk]), {}, form_page=edit
    )
    lead.refresh_from_db()
    assert lead.email == "lead@hela.example"
    assert TOTPDevice.objects.filter(user=lead, confirmed=True).exists()
    assert not [m for m in server.mails() if "admins-own.example" in m["To"]]
    assert _reset_links(server) == []
    # The address she tried to replace is told.
    assert [m for m in server.mails() if "lead@hela.example" in m["To"]]


# Item 4: the consent is checked again at every disclosure, not only at booking.


def test_after_the_consent_is_withdrawn_nothing_more_goes_to_the_outside_party(server, request):
    from consent.services import consent_withdraw
    from plans.models import PlanDocument

    from ..plans.helpers_meetings import meeting_of

    meeting = meeting_of(request.getfixturevalue)
    alice = request.getfixturevalue("alice")
    consent_withdraw(
        consent=meeting.participant.consents.get(),
        withdrawn_on=timezone.localdate(),
        by_whom="participant",
        actor=alice,
    )
    client = server.client()
    client.log_in(alice)
    page = reverse("plans:meeting_detail", args=[meeting.participant_id, meeting.pk])

    invitation = client.form_post(
        reverse("plans:meeting_invitation", args=[meeting.participant_id, meeting.pk]),
        {"sent_on": timezone.localdate().isoformat()},
        form_page=page,
    )
    letter = client.form_post(
        reverse("plans:invitation_letter_request", args=[meeting.participant_id, meeting.pk]),
        {},
        form_page=page,
    )

    assert invitation.status_code == 400
    assert "Vårdcentralen Älvsjö" in invitation.text  # the party is named
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on is None
    assert letter.status_code in (302, 400)
    assert not PlanDocument.objects.filter(meeting=meeting).exists()


# Item 5: reads are logged, and so are refusals on a participant that exists.


def test_the_list_its_search_and_a_refused_attempt_leave_rows_in_the_access_log(
    server, hela_manniskan, district
):
    from ..participants.factories import register

    alice = _staff(hela_manniskan)
    outsider = _staff(district)
    participant = register(hela_manniskan, alice, display_name="Sökbar")
    client = server.client()
    client.log_in(alice)
    before = AccessEvent.objects.filter(actor=alice, action=AccessEvent.Action.VIEW).count()

    assert client.get(reverse("participants:list"), params={"q": "Sökbar"}).status_code == 200

    rows = AccessEvent.objects.filter(actor=alice, action=AccessEvent.Action.VIEW)
    assert rows.count() > before
    assert not any("Sökbar" in row.detail for row in AccessEvent.objects.all())

    stranger = server.client()
    stranger.log_in(outsider)
    assert stranger.get(reverse("participants:detail", args=[participant.pk])).status_code == 404
    assert AccessEvent.objects.filter(
        actor=outsider, action=AccessEvent.Action.REFUSED, object_id=str(participant.pk)
    ).exists()


# Item 6: an enrolment secret is the session's own, and needs the e-mailed link.


def _secret_on(page) -> str | None:
    match = re.search(r'id="totp-secret">([^<]*)<', page.text)
    return re.sub(r"\s", "", match.group(1)) if match else None


NEW_PASSWORD = "a-new-long-passphrase-26"


def _through_the_reset_link(server, user) -> BlackBoxClient:
    client = server.client()
    client.form_post("/accounts/password/reset/", {"email": user.email})
    link = _reset_links(server)[-1].removeprefix(server.site_url)
    form = client.get(link).headers["location"]
    done = client.form_post(
        form,
        {"new_password1": "a-new-long-passphrase-26", "new_password2": "a-new-long-passphrase-26"},
    )
    assert done.status_code == 302
    client.form_post(
        "/accounts/login/", {"username": user.email, "password": "a-new-long-passphrase-26"}
    )
    return client


def test_an_enrolment_secret_is_never_shared_between_sessions(server, hela_manniskan):
    newcomer = UserFactory(organisation=hela_manniskan, role=Role.CASE_MANAGER)
    attacker = server.client()
    attacker.form_post(
        "/accounts/login/", {"username": newcomer.email, "password": "a-long-test-passphrase-2026"}
    )
    # A password alone is shown no secret.
    assert _secret_on(attacker.get("/accounts/two-factor/setup/")) is None

    first = _through_the_reset_link(server, newcomer)
    first_secret = _secret_on(first.get("/accounts/two-factor/setup/"))
    second = _through_the_reset_link(server, newcomer)
    second_secret = _secret_on(second.get("/accounts/two-factor/setup/"))

    assert first_secret and second_secret and first_secret != second_secret
