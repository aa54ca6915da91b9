"""Agreements and exports for the research tests, made through the services."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from consent.services import consent_record
from reporting.research.models import ResearchAgreement, ResearchExport
from reporting.research.services import research_agreement_create
from tests.factories import default_programme


def agreement_for(researcher, *, actor=None, k: int = 3, **values) -> ResearchAgreement:
    data = {
        "programme": default_programme(),
        "institution": "Marie Cederschiöld högskola",
        "purpose": "Följeforskning om partnerskapets effekter",
        "approval_reference": "Dnr 2026-01234-01",
        "expires_on": timezone.localdate() + timedelta(days=365),
    }
    data.update(values)
    return research_agreement_create(researchers=[researcher], actor=actor, k=k, **data)


def research_consent(participant, recorded_by, *, signed_on: date | None = None, **values):
    data = {
        "external_names": ["Marie Cederschiöld högskola"],
        "purpose": "Följeforskning",
        "research": True,
        "signed_on": signed_on or timezone.localdate() - timedelta(days=1),
        "signed_by": "participant",
    }
    data.update(values)
    return consent_record(participant=participant, actor=recorded_by, **data)


def ready_export(agreement, requested_by, *, content: bytes = b"PK zip") -> ResearchExport:
    export = ResearchExport(
        agreement=agreement,
        requested_by=requested_by,
        format="csv",
        status="ready",
        finished_at=timezone.now(),
        export_date=timezone.localdate(),
        rows=0,
        k=agreement.k,
        generalised=0,
        dropped=0,
    )
    export.file.save("export.zip", ContentFile(content), save=False)
    export.save()
    return export
