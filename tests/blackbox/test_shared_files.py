"""More than one box: two web servers and a Celery worker, each with its own empty local
folder, sharing only PostgreSQL and Redis. A scan uploaded through one server downloads
through the other, and a PDF the worker rendered downloads through either: stored files
live in the database (cm_portal/storage.py), not on a host's disk."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from cm_portal.models import Role
from consent.models import Consent, ParticipantExport
from tests.consent.helpers import PDF, consent_form
from tests.participants.factories import register

from ..factories import TOTPDeviceFactory, UserFactory
from .conftest import ROOT, running_servers, server_environment

pytestmark = [pytest.mark.blackbox, pytest.mark.django_db(transaction=True)]


def _files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_two_web_servers_and_a_worker_share_the_stored_files(
    tmp_path, broker, queue, hela_manniskan
):
    user = UserFactory(organisation=hela_manniskan, role=Role.CASE_MANAGER)
    TOTPDeviceFactory(user=user)
    participant = register(hela_manniskan, user, display_name="Kim")
    hosts = {name: tmp_path / name for name in ("web-1", "web-2", "worker")}

    worker_folder = hosts["worker"]
    worker_folder.mkdir()
    worker_env = {
        **server_environment(worker_folder, url="http://127.0.0.1", prefix="worker"),
        "BLACKBOX_QUEUE": queue,
    }
    worker_log = (worker_folder / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 (our own Celery worker, fixed arguments)
        [
            str(Path(sys.executable).with_name("celery")),
            "--app",
            "cm_portal",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=worker_env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        with running_servers([hosts["web-1"], hosts["web-2"]], broker, BLACKBOX_QUEUE=queue) as (
            first,
            second,
        ):
            one, two = first.client(), second.client()
            assert one.log_in(user).status_code == 302
            assert two.log_in(user).status_code == 302

            # A scan uploaded through the first server...
            create = reverse("consent:create", kwargs={"pk": participant.pk})
            uploaded = one.form_post(
                create,
                consent_form(str(hela_manniskan.pk)),
                files={"scan": ("samtycke.pdf", PDF, "application/pdf")},
            )
            assert uploaded.status_code == 302, uploaded.text[-2000:]
            consent = Consent.objects.get(participant=participant)
            # ...downloads through the second.
            scan = two.get(
                reverse("consent:scan", kwargs={"pk": participant.pk, "consent_pk": consent.pk})
            )
            assert scan.status_code == 200
            assert scan.content == PDF

            # A case-file PDF asked for on the second server, rendered by the worker...
            request_pdf = reverse("consent:export_pdf_request", kwargs={"pk": participant.pk})
            asked = two.form_post(
                request_pdf, {}, form_page=reverse("participants:detail", args=[participant.pk])
            )
            assert asked.status_code == 302, asked.text[-2000:]
            export_pk = int(re.search(r"/export-pdf/(\d+)/", asked.headers["location"])[1])
            deadline = time.monotonic() + 120
            while not ParticipantExport.objects.get(pk=export_pk).is_ready:
                assert worker.poll() is None, (worker_folder / "worker.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the worker did not render the PDF"
                time.sleep(0.1)
            # ...downloads through the first and the second alike.
            download = reverse(
                "consent:export_pdf_download",
                kwargs={"pk": participant.pk, "export_pk": export_pk},
            )
            for client in (one, two):
                pdf = client.get(download)
                assert pdf.status_code == 200
                assert pdf.content.startswith(b"%PDF-")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()

    # Nothing was written to any host's own disk: the files are in PostgreSQL.
    for folder in hosts.values():
        assert _files_in(folder / "private") == []
