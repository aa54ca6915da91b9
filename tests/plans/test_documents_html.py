"""``plan_document_html`` refuses an invitation letter with no meeting, by name."""

from __future__ import annotations

import pytest

from plans.models import DocumentKind, PlanDocument
from plans.services.documents import plan_document_html

from .helpers_documents import document_participant_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def f(request):
    return request.getfixturevalue


def test_an_invitation_letter_without_a_meeting_is_refused_by_name(f):
    # The database refuses such a row (plan_document_meeting_iff_invitation); an unsaved
    # one gets a clear error instead of an AttributeError inside the selector.
    document = PlanDocument(
        kind=DocumentKind.INVITATION, participant=document_participant_of(f), meeting=None
    )
    with pytest.raises(ValueError, match="has no meeting to invite to"):
        plan_document_html(document)
